import { randomBytes } from 'node:crypto';

/** Discord's epoch (2015-01-01T00:00:00Z): snowflakes count milliseconds from here. */
const DISCORD_EPOCH_MS = 1_420_070_400_000n;
/** Low 22 bits of a snowflake: worker, process and a per-millisecond increment. */
const SNOWFLAKE_TIMESTAMP_SHIFT = 22n;

let lastSnowflake = 0n;

/**
 * A new, strictly increasing snowflake id. Real-looking ids matter because discord.js derives
 * `createdTimestamp` from them and sorts collections by them.
 */
export function nextSnowflake(): string {
  const fromClock = (BigInt(Date.now()) - DISCORD_EPOCH_MS) << SNOWFLAKE_TIMESTAMP_SHIFT;
  lastSnowflake = fromClock > lastSnowflake ? fromClock : lastSnowflake + 1n;
  return lastSnowflake.toString();
}

/** A random URL-safe token, like interaction or voice tokens. */
export function randomToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

/** A random 32-bit RTP synchronisation source id (never 0, which some stacks treat as unset). */
export function randomSsrc(): number {
  return randomBytes(4).readUInt32BE(0) || 1;
}

import { nextSnowflake } from './ids.ts';

/**
 * Gateway sharding as Discord defines it
 * (https://discord.com/developers/docs/events/gateway#sharding): a guild's events go to shard
 * `(guild_id >> 22) % num_shards`, and "DMs will only be sent to shard 0".
 */

/** The shard that receives a guild's events; shard 0 for events without a guild. */
export function guildShard(guildId: string | undefined, numShards: number): number {
  if (guildId === undefined || !/^\d+$/.test(guildId)) return 0;
  return Number((BigInt(guildId) >> 22n) % BigInt(numShards));
}

/**
 * IDENTIFY's optional `shard: [shard_id, num_shards]`
 * (https://discord.com/developers/docs/events/gateway-events#identify); absent means `[0, 1]`.
 * Undefined when invalid (the gateway closes with 4010 Invalid shard).
 */
export function parseIdentifyShard(value: unknown): [number, number] | undefined {
  if (value === undefined || value === null) return [0, 1];
  if (!Array.isArray(value) || value.length !== 2) return undefined;
  const [id, count] = value as unknown[];
  if (!Number.isInteger(id) || !Number.isInteger(count)) return undefined;
  if ((count as number) < 1 || (id as number) < 0 || (id as number) >= (count as number)) return undefined;
  return [id as number, count as number];
}

/** The guild a dispatch belongs to: `guild_id`, or the guild itself for GUILD_CREATE/UPDATE/DELETE. */
export function routeGuildId(event: string, data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const fields = data as { guild_id?: unknown; id?: unknown };
  if (typeof fields.guild_id === 'string') return fields.guild_id;
  if (event.startsWith('GUILD_') && !event.startsWith('GUILD_MEMBER') && typeof fields.id === 'string') return fields.id;
  return undefined;
}

/** A new snowflake whose guild would live on `shardId` of `numShards` (for tests that place guilds). */
export function snowflakeOnShard(shardId: number, numShards: number): string {
  for (;;) {
    const id = nextSnowflake();
    if (guildShard(id, numShards) === shardId) return id;
  }
}

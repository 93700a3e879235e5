/**
 * `GET /healthz`: is the bot connected to Discord and can it read its database? Built fresh on every
 * request from the live client and store, so it is never staler than the request.
 */
import type { Store } from '../conversation/store.ts';
import { redact } from '../log.ts';

/**
 * discord.js `Status` values by number (Ready = 0 ... Resuming = 8), as snake_case names. Kept here so
 * the report does not depend on the library's runtime enum shape; a unit test checks they agree.
 */
export const GATEWAY_STATUS_NAMES = [
  'ready',
  'connecting',
  'reconnecting',
  'idle',
  'nearly',
  'disconnected',
  'waiting_for_guilds',
  'identifying',
  'resuming',
] as const;

export type GatewayStatusName = (typeof GATEWAY_STATUS_NAMES)[number] | 'unknown';

const READY = 0;
/** Settings of a guild id that cannot exist (ids are digits): reading them is a real query that finds nothing. */
const PROBE_GUILD_ID = 'healthcheck';
/** A store error in the report is for an operator's eyes: short, and never a secret. */
const MAX_ERROR_CHARS = 200;

export interface HealthReport {
  /** `ok` only when every gateway shard is ready and the store answers. */
  status: 'ok' | 'degraded';
  /** `ping`: heartbeat round trip in ms, null until the first heartbeat was acknowledged. */
  gateway: { status: GatewayStatusName; ping: number | null };
  store: { ok: boolean; error?: string };
  voiceSessions: number;
  uptimeS: number;
}

interface ShardLike {
  status: number;
  ping: number;
}

/** What the report reads; an `AppContext` fits. */
export interface HealthSources {
  client: { ws: { status: number; ping: number; shards: { values(): Iterable<ShardLike> } } };
  store: Pick<Store, 'getSettings'>;
  voice: { size: number };
}

/** The current health of a running bot. */
export async function healthReport(ctx: HealthSources): Promise<HealthReport> {
  const gateway = gatewayHealth(ctx.client.ws);
  const store = await storeHealth(ctx.store);
  return {
    status: gateway.status === 'ready' && store.ok ? 'ok' : 'degraded',
    gateway,
    store,
    voiceSessions: ctx.voice.size,
    uptimeS: Math.round(process.uptime()),
  };
}

function gatewayHealth(ws: HealthSources['client']['ws']): HealthReport['gateway'] {
  const shards = [...ws.shards.values()];
  // The manager's own status turns Ready once and stays so; only the shards show a dropped connection.
  const notReady = ws.status !== READY ? ws.status : shards.find((shard) => shard.status !== READY)?.status;
  const status = shards.length === 0 && notReady === undefined ? 'idle' : statusName(notReady ?? READY);
  const ping = Number.isFinite(ws.ping) && ws.ping >= 0 ? Math.round(ws.ping) : null;
  return { status, ping };
}

function statusName(value: number): GatewayStatusName {
  return GATEWAY_STATUS_NAMES[value] ?? 'unknown';
}

async function storeHealth(store: Pick<Store, 'getSettings'>): Promise<HealthReport['store']> {
  try {
    await store.getSettings(PROBE_GUILD_ID);
    return { ok: true };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, error: redact(message).slice(0, MAX_ERROR_CHARS) };
  }
}

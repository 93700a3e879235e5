/**
 * What a shard process offers its manager, and how the manager reads it: each shard's health report and
 * metrics snapshot, fetched over discord.js's own shard IPC (`Shard#eval`), so `/healthz` and `/metrics`
 * on the manager describe every shard.
 */
import type { Client, Shard } from 'discord.js';
import type { HealthReport } from '../ops/health.ts';
import type { MetricsSnapshot } from '../ops/metrics.ts';

/** A shard that has not answered within this time counts as down. */
const SHARD_ANSWER_TIMEOUT_MS = 5_000;
/** The property of the shard's client that the manager's eval reads (spelled out again inside the evals). */
const LINK_PROPERTY = 'parleyShardLink';

/** What a shard process exposes to its manager. */
export interface ShardLink {
  health(): Promise<HealthReport>;
  metrics(): Promise<MetricsSnapshot>;
}

/** Called in a shard process: makes its health and metrics readable by the manager. */
export function exposeToManager(client: Client, link: ShardLink): void {
  Object.defineProperty(client, LINK_PROPERTY, { value: link, enumerable: false });
}

/** One shard's health as the manager saw it; `down` when its process did not answer. */
export type ShardHealth = { id: number } & ({ status: 'down'; error: string } | HealthReport);

/** Asks one shard process for its health report. */
export async function fetchShardHealth(shard: Shard): Promise<ShardHealth> {
  try {
    // The function runs inside the shard process, with its client as the argument.
    const report = (await withTimeout(shard.eval((client) => (client as unknown as Record<string, ShardLink>)['parleyShardLink']!.health()))) as HealthReport;
    return { id: shard.id, ...report };
  } catch (err) {
    return { id: shard.id, status: 'down', error: err instanceof Error ? err.message : String(err) };
  }
}

/** Asks one shard process for its metrics; undefined when it did not answer (respawning, stuck). */
export async function fetchShardMetrics(shard: Shard): Promise<MetricsSnapshot | undefined> {
  try {
    return (await withTimeout(shard.eval((client) => (client as unknown as Record<string, ShardLink>)['parleyShardLink']!.metrics()))) as MetricsSnapshot;
  } catch {
    return undefined;
  }
}

async function withTimeout<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${SHARD_ANSWER_TIMEOUT_MS} ms`)), SHARD_ANSWER_TIMEOUT_MS);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

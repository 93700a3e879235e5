/**
 * Usage read for charts and counts beyond the token totals: spend per UTC day, and speculative answer
 * starts (a request begun before the end of a turn was confirmed) with how many were wasted.
 */
import type { StatementSync } from 'node:sqlite';

type Prepare = (sql: string) => StatementSync;

export const DAY_MS = 86_400_000;

/** Spend of one UTC day. */
export interface DailySpend {
  /** Unix ms of the day's start (UTC). */
  day: number;
  costUsd: number;
}

/** Speculative starts and how many were thrown away because the member went on speaking. */
export interface SpeculationCounts {
  started: number;
  wasted: number;
}

/** The guild's spend per UTC day from `sinceUnixMs`, days without spend omitted. */
export function dailySpend(prepare: Prepare, guildId: string, sinceUnixMs: number): DailySpend[] {
  const rows = prepare(
    `SELECT created_at / ${DAY_MS} AS day, SUM(cost_usd) AS cost FROM usage
     WHERE guild_id = ? AND created_at >= ? GROUP BY day ORDER BY day`,
  ).all(guildId, Math.floor(sinceUnixMs)) as { day: number; cost: number }[];
  return rows.map((r) => ({ day: Number(r.day) * DAY_MS, costUsd: Number(r.cost) }));
}

export function insertSpeculativeStart(prepare: Prepare, guildId: string, wasted: boolean, atUnixMs: number): void {
  prepare('INSERT INTO speculative_starts (guild_id, wasted, created_at) VALUES (?, ?, ?)').run(guildId, wasted ? 1 : 0, Math.round(atUnixMs));
}

export function countSpeculativeStarts(prepare: Prepare, guildId: string, sinceUnixMs: number): SpeculationCounts {
  const row = prepare(
    'SELECT COUNT(*) AS started, COALESCE(SUM(wasted), 0) AS wasted FROM speculative_starts WHERE guild_id = ? AND created_at >= ?',
  ).get(guildId, Math.floor(sinceUnixMs)) as { started: number; wasted: number };
  return { started: Number(row.started), wasted: Number(row.wasted) };
}

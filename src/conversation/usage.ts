import type { StatementSync } from 'node:sqlite';
import { USAGE_INSERT_SQL, usageToParams } from './rows.ts';
import type { UsageRecord, UsageSummary } from './types.ts';

type Prepare = (sql: string) => StatementSync;

/** Writes one usage row; constraint violations (negative counts, missing ids) throw. */
export function insertUsage(prepare: Prepare, record: UsageRecord): void {
  prepare(USAGE_INSERT_SQL).run(...usageToParams(record));
}

interface TotalsRow {
  turns: number;
  text_in: number | null;
  audio_in: number | null;
  cached_in: number | null;
  text_out: number | null;
  audio_out: number | null;
  cost_usd: number | null;
  estimated: number | null;
}

interface UserRow {
  user_id: string;
  turns: number;
  cost_usd: number;
}

/** Sums a guild's usage rows created at or after `sinceUnixMs`. */
export function summarizeUsage(prepare: Prepare, guildId: string, sinceUnixMs: number): UsageSummary {
  const totals = prepare(
    `SELECT COUNT(*) AS turns, SUM(text_in) AS text_in, SUM(audio_in) AS audio_in,
       SUM(cached_in) AS cached_in, SUM(text_out) AS text_out, SUM(audio_out) AS audio_out,
       SUM(cost_usd) AS cost_usd, SUM(estimated) AS estimated
     FROM usage WHERE guild_id = ? AND created_at >= ?`,
  ).get(guildId, sinceUnixMs) as unknown as TotalsRow;
  const byUser = prepare(
    `SELECT user_id, COUNT(*) AS turns, SUM(cost_usd) AS cost_usd
     FROM usage WHERE guild_id = ? AND created_at >= ?
     GROUP BY user_id ORDER BY cost_usd DESC, turns DESC, user_id`,
  ).all(guildId, sinceUnixMs) as unknown as UserRow[];
  return {
    turns: totals.turns,
    tokens: {
      textIn: totals.text_in ?? 0,
      audioIn: totals.audio_in ?? 0,
      cachedIn: totals.cached_in ?? 0,
      textOut: totals.text_out ?? 0,
      audioOut: totals.audio_out ?? 0,
    },
    costUsd: totals.cost_usd ?? 0,
    estimatedCalls: totals.estimated ?? 0,
    byUser: byUser.map((row) => ({ userId: row.user_id, costUsd: row.cost_usd, turns: row.turns })),
  };
}

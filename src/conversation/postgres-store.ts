/**
 * {@link Store} on PostgreSQL (`DATABASE_URL=postgres://...`), for several Parley processes or machines
 * sharing one database. Rows are the same as SQLite's and go through the same mappers in `rows.ts`.
 * Every multi-row write is one transaction; settings are merged under a per-guild advisory lock so two
 * processes patching different keys at once both keep their change.
 */
import pg from 'pg';
import { StoreOpenError } from './errors.ts';
import { migratePostgres } from './postgres-schema.ts';
import {
  ANNOUNCEMENT_INSERT_SQL,
  announcementToParams,
  rowToAnnouncement,
  rowToSettings,
  rowToTurn,
  TURN_INSERT_SQL,
  turnToParams,
  USAGE_INSERT_SQL,
  usageToParams,
  type AnnouncementRow,
  type SettingsRow,
  type TurnRow,
} from './rows.ts';
import { applySettingsPatch } from './settings.ts';
import { DEFAULT_ANNOUNCEMENT_LIMIT, DEFAULT_HISTORY_LIMIT, type Store } from './store.ts';
import { DAY_MS, type DailySpend, type SpeculationCounts } from './usage-series.ts';
import {
  DEFAULT_GUILD_SETTINGS,
  type Announcement,
  type AnnouncementInput,
  type AssistantTurn,
  type ExchangeUsage,
  type GuildSettings,
  type Turn,
  type UsageRecord,
  type UsageSummary,
  type UserTurn,
} from './types.ts';

/** Connections per process: turns are written one per channel at a time, so a few suffice. */
const POOL_SIZE = 5;
const CONNECT_TIMEOUT_MS = 10_000;
const INT8_OID = 20;

/** BIGINT columns hold unix milliseconds and token counts, all far below 2^53: read them as numbers. */
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

type Queryable = Pick<pg.PoolClient, 'query'>;

/** `?` placeholders (shared SQL text with the SQLite store) as PostgreSQL's `$1, $2, ...`. */
function numbered(sql: string): string {
  let index = 0;
  return sql.replace(/\?/g, () => `$${++index}`);
}

const INSERT_TURN_SQL = numbered(TURN_INSERT_SQL);
const INSERT_USAGE_SQL = numbered(USAGE_INSERT_SQL);
const INSERT_ANNOUNCEMENT_SQL = numbered(ANNOUNCEMENT_INSERT_SQL);

export class PostgresStore implements Store {
  readonly #pool: pg.Pool;
  #closed = false;
  #spentUsd = 0;

  private constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  /**
   * Connects and migrates to the current schema.
   * @throws StoreOpenError naming the server (never the password) when it cannot be reached or used.
   */
  static async open(url: string): Promise<PostgresStore> {
    const pool = new pg.Pool({ connectionString: url, max: POOL_SIZE, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, types });
    // An idle connection the server dropped must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    try {
      const client = await pool.connect();
      try {
        await migratePostgres(client);
      } finally {
        client.release();
      }
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw new StoreOpenError(describeServer(url), error instanceof Error ? error.message : String(error), { cause: error });
    }
    return new PostgresStore(pool);
  }

  async appendExchange(user: UserTurn, assistant: AssistantTurn, usage?: ExchangeUsage): Promise<void> {
    if (user.channelId !== assistant.channelId) {
      throw new RangeError(`An exchange must stay in one channel (${user.channelId} vs ${assistant.channelId})`);
    }
    await this.#transaction(async (db) => {
      await lockChannel(db, user.channelId);
      await db.query(INSERT_TURN_SQL, turnToParams(user));
      await db.query(INSERT_TURN_SQL, turnToParams(assistant));
      if (usage !== undefined) await insertTurnUsage(db, assistant, usage);
    });
    this.#spentUsd += usage?.costUsd ?? 0;
  }

  async appendTurn(turn: Turn, usage?: ExchangeUsage): Promise<void> {
    await this.#transaction(async (db) => {
      await lockChannel(db, turn.channelId);
      await db.query(INSERT_TURN_SQL, turnToParams(turn));
      if (usage !== undefined) await insertTurnUsage(db, turn, usage);
    });
    this.#spentUsd += usage?.costUsd ?? 0;
  }

  async history(channelId: string, limit = DEFAULT_HISTORY_LIMIT): Promise<Turn[]> {
    // LIMIT NULL means no limit in PostgreSQL.
    const sqlLimit = Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : null;
    const { rows } = await this.#pool.query<TurnRow>('SELECT * FROM turns WHERE channel_id = $1 ORDER BY seq DESC LIMIT $2', [channelId, sqlLimit]);
    return rows.reverse().map(rowToTurn);
  }

  async resetConversation(channelId: string): Promise<number> {
    return (await this.#pool.query('DELETE FROM turns WHERE channel_id = $1', [channelId])).rowCount ?? 0;
  }

  async setUserTranscript(turnId: string, text: string): Promise<boolean> {
    const result = await this.#pool.query("UPDATE turns SET transcript = $1 WHERE id = $2 AND kind = 'user'", [text, turnId]);
    return (result.rowCount ?? 0) > 0;
  }

  async dropUserAudio(turnId: string): Promise<boolean> {
    const result = await this.#pool.query(
      'UPDATE turns SET audio_data = NULL, audio_format = NULL, audio_duration_ms = NULL WHERE id = $1 AND audio_data IS NOT NULL',
      [turnId],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async dropUserAudioBefore(createdBeforeUnixMs: number): Promise<number> {
    const result = await this.#pool.query(
      'UPDATE turns SET audio_data = NULL, audio_format = NULL, audio_duration_ms = NULL WHERE created_at < $1 AND audio_data IS NOT NULL',
      [createdBeforeUnixMs],
    );
    return result.rowCount ?? 0;
  }

  async getSettings(guildId: string): Promise<GuildSettings> {
    return readSettings(this.#pool, guildId);
  }

  async updateSettings(guildId: string, patch: Partial<GuildSettings>): Promise<GuildSettings> {
    return this.#transaction(async (db) => {
      // Serializes read-merge-write per guild across every process, also before the guild has a row.
      await db.query("SELECT pg_advisory_xact_lock(hashtextextended('parley.settings:' || $1, 0))", [guildId]);
      const next = applySettingsPatch(await readSettings(db, guildId), patch);
      await db.query(
        `INSERT INTO guild_settings (guild_id, voice_json, persona, barge_in, talk_mode, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (guild_id) DO UPDATE SET voice_json = excluded.voice_json, persona = excluded.persona,
           barge_in = excluded.barge_in, talk_mode = excluded.talk_mode, updated_at = excluded.updated_at`,
        [
          guildId,
          next.voice === undefined ? null : JSON.stringify(next.voice),
          next.persona ?? null,
          next.bargeIn ? 1 : 0,
          next.talkMode ?? null,
          Date.now(),
        ],
      );
      return next;
    });
  }

  async recordUsage(record: UsageRecord): Promise<void> {
    await insertUsage(this.#pool, record);
    this.#spentUsd += record.costUsd ?? 0;
  }

  spentSinceOpenUsd(): number {
    return this.#spentUsd;
  }

  async dailySpend(guildId: string, sinceUnixMs: number): Promise<DailySpend[]> {
    const { rows } = await this.#pool.query<{ day: number; cost: number }>(
      `SELECT (created_at / ${DAY_MS})::bigint AS day, SUM(cost_usd) AS cost FROM usage
       WHERE guild_id = $1 AND created_at >= $2 GROUP BY day ORDER BY day`,
      [guildId, Math.floor(sinceUnixMs)],
    );
    return rows.map((r) => ({ day: Number(r.day) * DAY_MS, costUsd: Number(r.cost) }));
  }

  async recordSpeculativeStart(guildId: string, wasted: boolean, atUnixMs = Date.now()): Promise<void> {
    await this.#pool.query('INSERT INTO speculative_starts (guild_id, wasted, created_at) VALUES ($1, $2, $3)', [guildId, wasted ? 1 : 0, Math.round(atUnixMs)]);
  }

  async speculativeStarts(guildId: string, sinceUnixMs: number): Promise<SpeculationCounts> {
    const { rows } = await this.#pool.query<{ started: number; wasted: number }>(
      'SELECT COUNT(*) AS started, COALESCE(SUM(wasted), 0)::bigint AS wasted FROM speculative_starts WHERE guild_id = $1 AND created_at >= $2',
      [guildId, Math.floor(sinceUnixMs)],
    );
    return { started: Number(rows[0]?.started ?? 0), wasted: Number(rows[0]?.wasted ?? 0) };
  }

  async usageSummary(guildId: string, sinceUnixMs: number): Promise<UsageSummary> {
    // SUM of BIGINT is NUMERIC (a string in pg): cast back, the totals stay far below 2^63.
    const totals = await this.#pool.query(
      `SELECT COUNT(*) AS turns, SUM(text_in)::bigint AS text_in, SUM(audio_in)::bigint AS audio_in,
         SUM(cached_in)::bigint AS cached_in, SUM(text_out)::bigint AS text_out, SUM(audio_out)::bigint AS audio_out,
         SUM(cost_usd) AS cost_usd, SUM(estimated)::bigint AS estimated
       FROM usage WHERE guild_id = $1 AND created_at >= $2`,
      [guildId, sinceUnixMs],
    );
    const byUser = await this.#pool.query<{ user_id: string; turns: number; cost_usd: number }>(
      `SELECT user_id, COUNT(*) AS turns, SUM(cost_usd) AS cost_usd
       FROM usage WHERE guild_id = $1 AND created_at >= $2
       GROUP BY user_id ORDER BY cost_usd DESC, turns DESC, user_id`,
      [guildId, sinceUnixMs],
    );
    const row = totals.rows[0] as Record<string, number | null>;
    return {
      turns: row.turns ?? 0,
      tokens: { textIn: row.text_in ?? 0, audioIn: row.audio_in ?? 0, cachedIn: row.cached_in ?? 0, textOut: row.text_out ?? 0, audioOut: row.audio_out ?? 0 },
      costUsd: row.cost_usd ?? 0,
      estimatedCalls: row.estimated ?? 0,
      byUser: byUser.rows.map((user) => ({ userId: user.user_id, costUsd: user.cost_usd, turns: user.turns })),
    };
  }

  async recordAnnouncement(announcement: AnnouncementInput): Promise<void> {
    await this.#pool.query(INSERT_ANNOUNCEMENT_SQL, announcementToParams(announcement));
  }

  async announcements(guildId: string, limit = DEFAULT_ANNOUNCEMENT_LIMIT): Promise<Announcement[]> {
    const sqlLimit = Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : null;
    const { rows } = await this.#pool.query<AnnouncementRow>('SELECT * FROM announcements WHERE guild_id = $1 ORDER BY id DESC LIMIT $2', [guildId, sqlLimit]);
    return rows.reverse().map(rowToAnnouncement);
  }

  /** Waits for queries in flight, then closes every connection; safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }

  async #transaction<T>(work: (db: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

/**
 * Identity values are handed out at insert, not at commit: without this lock two processes writing to one
 * channel at once would interleave their user turns and answers in `seq` order.
 */
async function lockChannel(db: Queryable, channelId: string): Promise<void> {
  await db.query("SELECT pg_advisory_xact_lock(hashtextextended('parley.turns:' || $1, 0))", [channelId]);
}

async function readSettings(db: Queryable, guildId: string): Promise<GuildSettings> {
  const { rows } = await db.query<SettingsRow>('SELECT voice_json, persona, barge_in, talk_mode FROM guild_settings WHERE guild_id = $1', [guildId]);
  return rows[0] === undefined ? { ...DEFAULT_GUILD_SETTINGS } : rowToSettings(rows[0]);
}

async function insertUsage(db: Queryable, record: UsageRecord): Promise<void> {
  await db.query(INSERT_USAGE_SQL, usageToParams(record));
}

async function insertTurnUsage(db: Queryable, turn: Turn, usage: ExchangeUsage): Promise<void> {
  await insertUsage(db, { ...usage, guildId: turn.guildId, channelId: turn.channelId, turnId: turn.id, createdAt: turn.createdAt });
}

/** `postgres://host:port/db` without user or password, for messages an operator reads. */
export function describeServer(url: string): string {
  try {
    const parsed = new URL(url);
    return `postgres://${parsed.host}${parsed.pathname}`;
  } catch {
    return 'the PostgreSQL server (DATABASE_URL is not a valid URL)';
  }
}

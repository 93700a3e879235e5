import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { describeOpenFailure, StoreOpenError } from './errors.ts';
import {
  ANNOUNCEMENT_INSERT_SQL,
  announcementToParams,
  rowToAnnouncement,
  rowToTurn,
  TURN_INSERT_SQL,
  turnToParams,
  type AnnouncementRow,
  type TurnRow,
} from './rows.ts';
import { migrate, readSchemaVersion } from './schema.ts';
import { applySettingsPatch, readSettings, writeSettings } from './settings.ts';
import { insertUsage, summarizeUsage } from './usage.ts';
import { countSpeculativeStarts, dailySpend, insertSpeculativeStart, type DailySpend, type SpeculationCounts } from './usage-series.ts';
import type {
  Announcement,
  AnnouncementInput,
  AssistantTurn,
  ExchangeUsage,
  GuildSettings,
  Turn,
  UsageRecord,
  UsageSummary,
  UserTurn,
} from './types.ts';

export { StoreOpenError } from './errors.ts';

/** File name of the database inside the data directory. */
export const DATABASE_FILE_NAME = 'parley.db';
/** How long a write waits for another connection's lock before failing (SQLITE_BUSY). */
export const BUSY_TIMEOUT_MS = 5_000;
/** Turns returned by {@link Store.history} when no limit is given: the newest ones. */
export const DEFAULT_HISTORY_LIMIT = 100;
/** Announcements returned by {@link Store.announcements} when no limit is given. */
export const DEFAULT_ANNOUNCEMENT_LIMIT = 50;

/** Parley's persistent state: conversations per channel, usage, settings, announcements. */
export interface Store {
  /** Writes a user turn, its answer and the call's usage in one transaction: all or nothing. */
  appendExchange(user: UserTurn, assistant: AssistantTurn, usage?: ExchangeUsage): Promise<void>;
  /** Writes one turn (and its usage) atomically. */
  appendTurn(turn: Turn, usage?: ExchangeUsage): Promise<void>;
  /** The channel's newest `limit` turns, oldest first. */
  history(channelId: string, limit?: number): Promise<Turn[]>;
  /** Deletes the channel's turns (usage rows stay for budgets); returns how many went. */
  resetConversation(channelId: string): Promise<number>;
  /** Sets a user turn's transcript; false when the turn no longer exists (e.g. after a reset). */
  setUserTranscript(turnId: string, text: string): Promise<boolean>;
  /** Forgets a user turn's recording, keeping text and transcript; false when nothing changed. */
  dropUserAudio(turnId: string): Promise<boolean>;
  /** Forgets every recording made before the given time; returns how many were dropped. */
  dropUserAudioBefore(createdBeforeUnixMs: number): Promise<number>;
  getSettings(guildId: string): Promise<GuildSettings>;
  /** Merges and saves; a key present with value `undefined` resets it. Returns the result. */
  updateSettings(guildId: string, patch: Partial<GuildSettings>): Promise<GuildSettings>;
  recordUsage(record: UsageRecord): Promise<void>;
  usageSummary(guildId: string, sinceUnixMs: number): Promise<UsageSummary>;
  /**
   * Dollars of the usage rows this process wrote since it opened the store, all guilds together (the
   * spend metric). Counted as rows commit, so several processes sharing a database each count their own.
   */
  spentSinceOpenUsd(): number;
  /** Spend per UTC day since the given time (days without spend omitted). */
  dailySpend(guildId: string, sinceUnixMs: number): Promise<DailySpend[]>;
  /** Records a speculative answer start: used, or wasted because the member went on speaking. */
  recordSpeculativeStart(guildId: string, wasted: boolean, atUnixMs?: number): Promise<void>;
  speculativeStarts(guildId: string, sinceUnixMs: number): Promise<SpeculationCounts>;
  recordAnnouncement(announcement: AnnouncementInput): Promise<void>;
  /** The guild's newest `limit` announcements, oldest first. */
  announcements(guildId: string, limit?: number): Promise<Announcement[]>;
  close(): Promise<void>;
}

/** {@link Store} on a single SQLite file (WAL, versioned schema) via Node's built-in `node:sqlite`. */
export class SqliteStore implements Store {
  readonly path: string;
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();
  #closed = false;
  #spentUsd = 0;

  private constructor(db: DatabaseSync, path: string) {
    this.#db = db;
    this.path = path;
  }

  /**
   * Opens (creating on first run) `<dataDir>/parley.db` and migrates it to the current schema.
   * @throws StoreOpenError when the directory cannot be created or written, the file is not a
   *   SQLite database, or it was written by a newer Parley. An existing file is never replaced.
   */
  static open(dataDir: string): SqliteStore {
    const path = join(resolve(dataDir), DATABASE_FILE_NAME);
    let db: DatabaseSync;
    try {
      mkdirSync(resolve(dataDir), { recursive: true });
      db = new DatabaseSync(path, { enableForeignKeyConstraints: true });
    } catch (error) {
      throw new StoreOpenError(path, describeOpenFailure(error), { cause: error });
    }
    try {
      db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
      // A read before any write: a file that is not a database fails here, still untouched.
      readSchemaVersion(db);
      db.exec('PRAGMA journal_mode = WAL');
      // FULL: an acknowledged turn survives power loss, not only a process crash.
      db.exec('PRAGMA synchronous = FULL');
      migrate(db);
    } catch (error) {
      db.close();
      throw new StoreOpenError(path, describeOpenFailure(error), { cause: error });
    }
    return new SqliteStore(db, path);
  }

  async appendExchange(user: UserTurn, assistant: AssistantTurn, usage?: ExchangeUsage): Promise<void> {
    if (user.channelId !== assistant.channelId) {
      throw new RangeError(`An exchange must stay in one channel (${user.channelId} vs ${assistant.channelId})`);
    }
    this.#transaction(() => {
      this.#insertTurn(user);
      this.#insertTurn(assistant);
      if (usage !== undefined) this.#insertTurnUsage(assistant, usage);
    });
    this.#spentUsd += usage?.costUsd ?? 0;
  }

  async appendTurn(turn: Turn, usage?: ExchangeUsage): Promise<void> {
    this.#transaction(() => {
      this.#insertTurn(turn);
      if (usage !== undefined) this.#insertTurnUsage(turn, usage);
    });
    this.#spentUsd += usage?.costUsd ?? 0;
  }

  async history(channelId: string, limit = DEFAULT_HISTORY_LIMIT): Promise<Turn[]> {
    // LIMIT -1 means no limit in SQLite.
    const sqlLimit = Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : -1;
    const rows = this.#prepare('SELECT * FROM turns WHERE channel_id = ? ORDER BY seq DESC LIMIT ?').all(
      channelId,
      sqlLimit,
    ) as unknown as TurnRow[];
    return rows.reverse().map(rowToTurn);
  }

  async resetConversation(channelId: string): Promise<number> {
    return Number(this.#prepare('DELETE FROM turns WHERE channel_id = ?').run(channelId).changes);
  }

  async setUserTranscript(turnId: string, text: string): Promise<boolean> {
    const result = this.#prepare("UPDATE turns SET transcript = ? WHERE id = ? AND kind = 'user'").run(text, turnId);
    return Number(result.changes) > 0;
  }

  async dropUserAudio(turnId: string): Promise<boolean> {
    const result = this.#prepare(
      `UPDATE turns SET audio_data = NULL, audio_format = NULL, audio_duration_ms = NULL
       WHERE id = ? AND audio_data IS NOT NULL`,
    ).run(turnId);
    return Number(result.changes) > 0;
  }

  async dropUserAudioBefore(createdBeforeUnixMs: number): Promise<number> {
    const result = this.#prepare(
      `UPDATE turns SET audio_data = NULL, audio_format = NULL, audio_duration_ms = NULL
       WHERE created_at < ? AND audio_data IS NOT NULL`,
    ).run(createdBeforeUnixMs);
    return Number(result.changes);
  }

  async getSettings(guildId: string): Promise<GuildSettings> {
    return readSettings(this.#prepare, guildId);
  }

  async updateSettings(guildId: string, patch: Partial<GuildSettings>): Promise<GuildSettings> {
    return this.#transaction(() => {
      const next = applySettingsPatch(readSettings(this.#prepare, guildId), patch);
      writeSettings(this.#prepare, guildId, next, Date.now());
      return next;
    });
  }

  async recordUsage(record: UsageRecord): Promise<void> {
    insertUsage(this.#prepare, record);
    this.#spentUsd += record.costUsd ?? 0;
  }

  async usageSummary(guildId: string, sinceUnixMs: number): Promise<UsageSummary> {
    return summarizeUsage(this.#prepare, guildId, sinceUnixMs);
  }

  spentSinceOpenUsd(): number {
    return this.#spentUsd;
  }

  async dailySpend(guildId: string, sinceUnixMs: number): Promise<DailySpend[]> {
    return dailySpend(this.#prepare, guildId, sinceUnixMs);
  }

  async recordSpeculativeStart(guildId: string, wasted: boolean, atUnixMs = Date.now()): Promise<void> {
    insertSpeculativeStart(this.#prepare, guildId, wasted, atUnixMs);
  }

  async speculativeStarts(guildId: string, sinceUnixMs: number): Promise<SpeculationCounts> {
    return countSpeculativeStarts(this.#prepare, guildId, sinceUnixMs);
  }

  async recordAnnouncement(announcement: AnnouncementInput): Promise<void> {
    this.#prepare(ANNOUNCEMENT_INSERT_SQL).run(...announcementToParams(announcement));
  }

  async announcements(guildId: string, limit = DEFAULT_ANNOUNCEMENT_LIMIT): Promise<Announcement[]> {
    const sqlLimit = Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : -1;
    const rows = this.#prepare('SELECT * FROM announcements WHERE guild_id = ? ORDER BY id DESC LIMIT ?').all(
      guildId,
      sqlLimit,
    ) as unknown as AnnouncementRow[];
    return rows.reverse().map(rowToAnnouncement);
  }

  /** Closes the database; safe to call twice. WAL content is checkpointed by SQLite on close. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#statements.clear();
    this.#db.close();
  }

  #insertTurn(turn: Turn): void {
    this.#prepare(TURN_INSERT_SQL).run(...turnToParams(turn));
  }

  #insertTurnUsage(turn: Turn, usage: ExchangeUsage): void {
    insertUsage(this.#prepare, {
      ...usage,
      guildId: turn.guildId,
      channelId: turn.channelId,
      turnId: turn.id,
      createdAt: turn.createdAt,
    });
  }

  /** Prepared statements are cached per SQL text; an arrow so helpers can take it as a value. */
  #prepare = (sql: string): StatementSync => {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  };

  /** IMMEDIATE takes the write lock up front, so the transaction cannot fail halfway on BUSY. */
  #transaction<T>(work: () => T): T {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      this.#db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
      throw error;
    }
  }
}

import type { DatabaseSync } from 'node:sqlite';

/**
 * Forward migrations, oldest first. Migration N (1-based) brings `PRAGMA user_version` from
 * N-1 to N. Never edit a shipped entry: existing databases already ran it; append a new one.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: turns, usage, guild settings, announcements.
  `
  CREATE TABLE turns (
    -- seq gives the order turns were written in; created_at can tie or arrive out of order.
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    channel_id TEXT NOT NULL,
    guild_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('user', 'assistant')),
    speaker_id TEXT,
    speaker_name TEXT,
    text TEXT,
    audio_format TEXT CHECK (audio_format IN ('wav', 'mp3')),
    audio_data BLOB,
    audio_duration_ms REAL,
    transcript TEXT,
    audio_id TEXT,
    audio_expires_at INTEGER,
    status TEXT CHECK (status IN ('complete', 'interrupted')),
    created_at INTEGER NOT NULL,
    CHECK (kind = 'assistant' OR (speaker_id IS NOT NULL AND speaker_name IS NOT NULL)),
    CHECK (kind = 'user' OR (transcript IS NOT NULL AND status IS NOT NULL)),
    CHECK ((audio_data IS NULL) = (audio_format IS NULL))
  ) STRICT;
  CREATE INDEX turns_by_channel ON turns (channel_id, seq);

  CREATE TABLE usage (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id TEXT NOT NULL,
    channel_id TEXT,
    user_id TEXT NOT NULL,
    model TEXT NOT NULL,
    turn_id TEXT,
    text_in INTEGER NOT NULL CHECK (text_in >= 0),
    audio_in INTEGER NOT NULL CHECK (audio_in >= 0),
    cached_in INTEGER NOT NULL CHECK (cached_in >= 0),
    text_out INTEGER NOT NULL CHECK (text_out >= 0),
    audio_out INTEGER NOT NULL CHECK (audio_out >= 0),
    cost_usd REAL NOT NULL CHECK (cost_usd >= 0),
    created_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX usage_by_guild_time ON usage (guild_id, created_at);

  CREATE TABLE guild_settings (
    guild_id TEXT PRIMARY KEY,
    -- JSON: a preset name string or {"id": ...}; NULL means the default voice.
    voice_json TEXT,
    persona TEXT,
    barge_in INTEGER NOT NULL CHECK (barge_in IN (0, 1)),
    updated_at INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE announcements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    text TEXT NOT NULL,
    backend TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX announcements_by_guild ON announcements (guild_id, id);
  `,
  // 2: usage rows can be estimates (an answer cut before the API reported its usage). Rows written
  // before this migration were all reported counts, hence the default.
  `
  ALTER TABLE usage ADD COLUMN estimated INTEGER NOT NULL DEFAULT 0 CHECK (estimated IN (0, 1));
  `,
  // 3: what each announcement actually played: audio heard, why it ended early, readings that strayed (JSON).
  `
  ALTER TABLE announcements ADD COLUMN played_ms REAL;
  ALTER TABLE announcements ADD COLUMN cut_reason TEXT;
  ALTER TABLE announcements ADD COLUMN deviations_json TEXT;
  `,
];

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Thrown when the file was written by a newer Parley than this one. */
export class NewerSchemaError extends Error {
  override readonly name = 'NewerSchemaError';
}

/** Reads `PRAGMA user_version`; this is also the first read, so it detects non-databases. */
export function readSchemaVersion(db: DatabaseSync): number {
  const row = db.prepare('PRAGMA user_version').get() as { user_version: number } | undefined;
  return row?.user_version ?? 0;
}

/**
 * Brings the database up to {@link SCHEMA_VERSION}. Each step runs in its own IMMEDIATE
 * transaction together with its version bump, so a crash mid-migration leaves the previous
 * version intact, and two processes opening at once do not both run a step.
 */
export function migrate(db: DatabaseSync): void {
  for (;;) {
    db.exec('BEGIN IMMEDIATE');
    try {
      const version = readSchemaVersion(db);
      if (version > SCHEMA_VERSION) {
        throw new NewerSchemaError(
          `it was written by a newer Parley (schema version ${version}, this build knows ${SCHEMA_VERSION})`,
        );
      }
      const step = MIGRATIONS[version];
      if (step === undefined) {
        db.exec('COMMIT');
        return;
      }
      db.exec(step);
      // PRAGMA takes no bound parameters; the value is an integer we computed.
      db.exec(`PRAGMA user_version = ${version + 1}`);
      db.exec('COMMIT');
    } catch (error) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw error;
    }
  }
}

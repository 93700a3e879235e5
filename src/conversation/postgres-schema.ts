/**
 * PostgreSQL schema: a straight port of the SQLite one in `schema.ts` (same tables, columns, checks and
 * indexes; INTEGER -> BIGINT, REAL -> DOUBLE PRECISION, BLOB -> BYTEA, AUTOINCREMENT -> identity), so
 * both stores read and write the same rows through the same code in `rows.ts`.
 */
import type { PoolClient } from 'pg';
import { NewerSchemaError } from './schema.ts';

/**
 * Forward migrations, oldest first; migration N brings `parley_schema.version` from N-1 to N. Never edit
 * a shipped entry: append one. Keep the list in step with `MIGRATIONS` in `schema.ts`.
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  // 1: turns, usage, guild settings, announcements.
  `
  CREATE TABLE turns (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    channel_id TEXT NOT NULL,
    guild_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('user', 'assistant')),
    speaker_id TEXT,
    speaker_name TEXT,
    text TEXT,
    audio_format TEXT CHECK (audio_format IN ('wav', 'mp3')),
    audio_data BYTEA,
    audio_duration_ms DOUBLE PRECISION,
    transcript TEXT,
    audio_id TEXT,
    audio_expires_at BIGINT,
    status TEXT CHECK (status IN ('complete', 'interrupted')),
    created_at BIGINT NOT NULL,
    CHECK (kind = 'assistant' OR (speaker_id IS NOT NULL AND speaker_name IS NOT NULL)),
    CHECK (kind = 'user' OR (transcript IS NOT NULL AND status IS NOT NULL)),
    CHECK ((audio_data IS NULL) = (audio_format IS NULL))
  );
  CREATE INDEX turns_by_channel ON turns (channel_id, seq);

  CREATE TABLE usage (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id TEXT NOT NULL,
    channel_id TEXT,
    user_id TEXT NOT NULL,
    model TEXT NOT NULL,
    turn_id TEXT,
    text_in BIGINT NOT NULL CHECK (text_in >= 0),
    audio_in BIGINT NOT NULL CHECK (audio_in >= 0),
    cached_in BIGINT NOT NULL CHECK (cached_in >= 0),
    text_out BIGINT NOT NULL CHECK (text_out >= 0),
    audio_out BIGINT NOT NULL CHECK (audio_out >= 0),
    cost_usd DOUBLE PRECISION NOT NULL CHECK (cost_usd >= 0),
    created_at BIGINT NOT NULL
  );
  CREATE INDEX usage_by_guild_time ON usage (guild_id, created_at);

  CREATE TABLE guild_settings (
    guild_id TEXT PRIMARY KEY,
    voice_json TEXT,
    persona TEXT,
    barge_in SMALLINT NOT NULL CHECK (barge_in IN (0, 1)),
    updated_at BIGINT NOT NULL
  );

  CREATE TABLE announcements (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    text TEXT NOT NULL,
    backend TEXT NOT NULL,
    created_at BIGINT NOT NULL
  );
  CREATE INDEX announcements_by_guild ON announcements (guild_id, id);
  `,
  // 2: usage rows can be estimates (an answer cut before the API reported its usage).
  `
  ALTER TABLE usage ADD COLUMN estimated SMALLINT NOT NULL DEFAULT 0 CHECK (estimated IN (0, 1));
  `,
  // 3: what each announcement actually played: audio heard, why it ended early, readings that strayed (JSON).
  `
  ALTER TABLE announcements ADD COLUMN played_ms DOUBLE PRECISION;
  ALTER TABLE announcements ADD COLUMN cut_reason TEXT;
  ALTER TABLE announcements ADD COLUMN deviations_json TEXT;
  `,
  // 4: the /talk mode a server starts with, and speculative answer starts (used or wasted) for /usage.
  `
  ALTER TABLE guild_settings ADD COLUMN talk_mode TEXT CHECK (talk_mode IN ('all', 'addressed'));
  CREATE TABLE speculative_starts (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id TEXT NOT NULL,
    wasted SMALLINT NOT NULL CHECK (wasted IN (0, 1)),
    created_at BIGINT NOT NULL
  );
  CREATE INDEX speculative_starts_by_guild_time ON speculative_starts (guild_id, created_at);
  `,
];

/** The schema version this build writes. */
export const POSTGRES_SCHEMA_VERSION = POSTGRES_MIGRATIONS.length;

/** Any fixed number: processes starting together queue on it, so a migration runs once. */
const MIGRATION_LOCK_KEY = 0x7061_726c; // "parl"

/**
 * Brings the database up to {@link POSTGRES_SCHEMA_VERSION} in one transaction under an advisory lock:
 * several processes starting at once run each step exactly once, and a failed step leaves the previous
 * version intact (PostgreSQL DDL is transactional).
 */
export async function migratePostgres(client: PoolClient): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query('CREATE TABLE IF NOT EXISTS parley_schema (version INTEGER NOT NULL)');
    const { rows } = await client.query<{ version: number }>('SELECT version FROM parley_schema');
    let version = rows[0]?.version ?? 0;
    if (rows.length === 0) await client.query('INSERT INTO parley_schema (version) VALUES (0)');
    if (version > POSTGRES_SCHEMA_VERSION) {
      throw new NewerSchemaError(
        `it was written by a newer Parley (schema version ${version}, this build knows ${POSTGRES_SCHEMA_VERSION})`,
      );
    }
    for (; version < POSTGRES_SCHEMA_VERSION; version++) {
      await client.query(POSTGRES_MIGRATIONS[version]!);
      await client.query('UPDATE parley_schema SET version = $1', [version + 1]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { DATABASE_FILE_NAME, SqliteStore, StoreOpenError } from '../../../src/conversation/store.ts';
import { MIGRATIONS, SCHEMA_VERSION } from '../../../src/conversation/schema.ts';
import { assistantTurn, CHANNEL_ID, GUILD_ID, makeTempDir, removeTempDirs, tokens, userTurn, wavOfSilence } from './fixtures.ts';

afterEach(removeTempDirs);

function expectOpenError(dataDir: string, expectedCause: RegExp): StoreOpenError {
  let caught: unknown;
  try {
    SqliteStore.open(dataDir).close();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(StoreOpenError);
  const error = caught as StoreOpenError;
  expect(error.path).toBe(join(dataDir, DATABASE_FILE_NAME));
  expect(error.message).toContain(`Cannot open the database ${error.path}: `);
  expect(error.message).toMatch(expectedCause);
  expect(error.message).not.toContain('\n');
  return error;
}

describe('SqliteStore.open', () => {
  it('creates the directory and parley.db on first run, in WAL mode at the current schema version', async () => {
    const dataDir = join(makeTempDir(), 'nested', 'data');
    const store = SqliteStore.open(dataDir);
    await store.close();

    const path = join(dataDir, DATABASE_FILE_NAME);
    expect(existsSync(path)).toBe(true);
    const raw = new DatabaseSync(path);
    expect(raw.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    expect(raw.prepare('PRAGMA user_version').get()).toEqual({ user_version: SCHEMA_VERSION });
    raw.close();
  });

  it('keeps turns, usage and settings across close and reopen', async () => {
    const dataDir = makeTempDir();
    const user = userTurn({ text: undefined, audio: { format: 'wav', data: wavOfSilence(1_500), durationMs: 1_500 } });
    const answer = assistantTurn({ audioId: 'audio_abc', audioExpiresAt: 1_700_003_600 });

    const first = SqliteStore.open(dataDir);
    await first.appendExchange(user, answer, { model: 'gpt-audio', userId: user.speakerId, tokens: tokens(), costUsd: 0.01 });
    await first.updateSettings(GUILD_ID, { persona: 'You are terse.', voice: { id: 'voice_123' } });
    await first.close();
    await first.close(); // closing twice is harmless

    const second = SqliteStore.open(dataDir);
    expect(await second.history(CHANNEL_ID)).toEqual([user, answer]);
    expect(await second.getSettings(GUILD_ID)).toEqual({ persona: 'You are terse.', voice: { id: 'voice_123' }, bargeIn: true });
    expect((await second.usageSummary(GUILD_ID, 0)).turns).toBe(1);
    await second.close();
  });

  it('lets two connections to the same file take turns writing', async () => {
    const dataDir = makeTempDir();
    const a = SqliteStore.open(dataDir);
    const b = SqliteStore.open(dataDir);
    await a.appendTurn(userTurn({ text: 'from a' }));
    await b.appendTurn(userTurn({ text: 'from b' }));
    expect((await a.history(CHANNEL_ID)).map((turn) => (turn.kind === 'user' ? turn.text : ''))).toEqual(['from a', 'from b']);
    await a.close();
    await b.close();
  });

  it('refuses a file that is not a database, names it, and leaves it untouched', async () => {
    const dataDir = makeTempDir();
    const path = join(dataDir, DATABASE_FILE_NAME);
    const garbage = Buffer.from('this is definitely not an SQLite database. '.repeat(200));
    writeFileSync(path, garbage);

    expectOpenError(dataDir, /file is not a database$/);
    expect(readFileSync(path).equals(garbage)).toBe(true);
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  it('refuses a directory it cannot create (a path under a regular file)', async () => {
    const file = join(makeTempDir(), 'a-file');
    writeFileSync(file, 'x');
    expectOpenError(join(file, 'sub'), /not a directory/);
  });

  it('migrates a schema-1 database: its usage rows stay, counted as reported, and new rows can be estimates', async () => {
    const dataDir = makeTempDir();
    const raw = new DatabaseSync(join(dataDir, DATABASE_FILE_NAME));
    raw.exec(MIGRATIONS[0]!);
    raw.exec('PRAGMA user_version = 1');
    raw.exec(`INSERT INTO usage (guild_id, user_id, model, text_in, audio_in, cached_in, text_out, audio_out, cost_usd, created_at)
      VALUES ('${GUILD_ID}', 'user-ana', 'gpt-audio', 1, 2, 0, 3, 4, 0.25, 1000)`);
    raw.close();

    const store = SqliteStore.open(dataDir);
    expect(await store.usageSummary(GUILD_ID, 0)).toMatchObject({ turns: 1, costUsd: 0.25, estimatedCalls: 0 });
    await store.recordUsage({ guildId: GUILD_ID, userId: 'user-ana', model: 'gpt-audio', tokens: tokens(), costUsd: 0.5, estimated: true, createdAt: 2_000 });
    expect(await store.usageSummary(GUILD_ID, 0)).toMatchObject({ turns: 2, costUsd: 0.75, estimatedCalls: 1 });
    await store.close();
    const check = new DatabaseSync(join(dataDir, DATABASE_FILE_NAME));
    expect(check.prepare('PRAGMA user_version').get()).toEqual({ user_version: SCHEMA_VERSION });
    check.close();
  });

  it('refuses a database written by a newer Parley instead of downgrading it', async () => {
    const dataDir = makeTempDir();
    const path = join(dataDir, DATABASE_FILE_NAME);
    const raw = new DatabaseSync(path);
    raw.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();

    expectOpenError(dataDir, /newer Parley/);
    const check = new DatabaseSync(path);
    expect(check.prepare('PRAGMA user_version').get()).toEqual({ user_version: SCHEMA_VERSION + 1 });
    check.close();
  });
});

describe('SqliteStore.appendExchange atomicity', () => {
  it('writes neither turn when the usage row violates a constraint', async () => {
    const store = SqliteStore.open(makeTempDir());
    const badUsage = { model: 'gpt-audio', userId: 'user-ana', tokens: tokens({ textIn: -1 }) };
    await expect(store.appendExchange(userTurn(), assistantTurn(), badUsage)).rejects.toThrow(/CHECK constraint/);
    expect(await store.history(CHANNEL_ID)).toEqual([]);
    expect((await store.usageSummary(GUILD_ID, 0)).turns).toBe(0);

    // The store stays usable after the rollback.
    await store.appendExchange(userTurn(), assistantTurn());
    expect(await store.history(CHANNEL_ID)).toHaveLength(2);
    await store.close();
  });

  it('writes neither turn when the second insert fails', async () => {
    const store = SqliteStore.open(makeTempDir());
    const user = userTurn();
    await expect(store.appendExchange(user, assistantTurn({ id: user.id }))).rejects.toThrow(/UNIQUE/);
    expect(await store.history(CHANNEL_ID)).toEqual([]);
    await store.close();
  });

  it('leaves no half-written exchange when the process dies mid-transaction', async () => {
    const dataDir = makeTempDir();
    const storeUrl = pathToFileURL(join(import.meta.dirname, '../../../src/conversation/store.ts')).href;
    const fixturesUrl = pathToFileURL(join(import.meta.dirname, 'fixtures.ts')).href;
    // The usage getter runs after both turns are inserted, inside the open transaction.
    const script = `
      import { SqliteStore } from ${JSON.stringify(storeUrl)};
      import { assistantTurn, userTurn, tokens } from ${JSON.stringify(fixturesUrl)};
      const store = SqliteStore.open(${JSON.stringify(dataDir)});
      await store.appendExchange(userTurn({ text: 'kept' }), assistantTurn());
      const dying = tokens();
      Object.defineProperty(dying, 'textIn', { get() { process.kill(process.pid, 'SIGKILL'); return 0; } });
      await store.appendExchange(userTurn({ text: 'lost' }), assistantTurn(), { model: 'm', userId: 'u', tokens: dying });
    `;
    const child = spawnSync(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(child.signal, child.stderr).toBe('SIGKILL');

    const store = SqliteStore.open(dataDir);
    const texts = (await store.history(CHANNEL_ID)).map((turn) => (turn.kind === 'user' ? turn.text : turn.transcript));
    expect(texts).toEqual(['kept', 'hi there']);
    await store.close();
  }, 60_000);
});

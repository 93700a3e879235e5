/**
 * The store contract against a real PostgreSQL server that this file starts (binaries from npm, see
 * test/support/postgres-server.ts), one fresh database per test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreOpenError } from '../../../src/conversation/store.ts';
import { freePort } from '../../support/free-port.ts';
import { PostgresStore } from '../../../src/conversation/postgres-store.ts';
import { startPostgres, type PostgresServer } from '../../support/postgres-server.ts';
import { describeStoreContract } from './store-contract.ts';

let server: PostgresServer;
let databases = 0;
let url = '';

beforeAll(async () => {
  server = await startPostgres();
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

describeStoreContract('PostgreSQL', {
  async open() {
    url = await server.createDatabase(`contract_${++databases}`);
    return PostgresStore.open(url);
  },
  async reopen() {
    return PostgresStore.open(url);
  },
  restartServer: () => server.restart(),
});

describe('PostgresStore.open', () => {
  it('refuses an unreachable server with one line naming it, never the password', async () => {
    const url = `postgres://parley:hunter2-secret@127.0.0.1:${await freePort()}/parley`;
    const failure = await PostgresStore.open(url).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(StoreOpenError);
    expect((failure as Error).message).toMatch(/^Cannot open the database postgres:\/\/127\.0\.0\.1:\d+\/parley: .*ECONNREFUSED/);
    expect((failure as Error).message).not.toContain('hunter2');
  });

  it('refuses a database written by a newer Parley instead of downgrading it', async () => {
    const url = await server.createDatabase('newer');
    const store = await PostgresStore.open(url);
    await store.close();
    const pg = await import('pg');
    const client = new pg.default.Client({ connectionString: url });
    await client.connect();
    await client.query('UPDATE parley_schema SET version = 99');
    await client.end();
    await expect(PostgresStore.open(url)).rejects.toThrow(/newer Parley \(schema version 99/);
  });
});

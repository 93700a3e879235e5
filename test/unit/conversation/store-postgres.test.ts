/**
 * The store contract against a real PostgreSQL server that this file starts (binaries from npm, see
 * test/support/postgres-server.ts), one fresh database per test.
 */
import { afterAll, beforeAll } from 'vitest';
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

import { SqliteStore } from '../../../src/conversation/store.ts';
import { makeTempDir, removeTempDirs } from './fixtures.ts';
import { describeStoreContract } from './store-contract.ts';

let dataDir = '';
describeStoreContract('SQLite', {
  async open() {
    dataDir = makeTempDir();
    return SqliteStore.open(dataDir);
  },
  async reopen() {
    return SqliteStore.open(dataDir);
  },
  cleanup: removeTempDirs,
});

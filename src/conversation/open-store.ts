/**
 * Picks the store: PostgreSQL when `DATABASE_URL` is set (several processes or machines), else the
 * embedded SQLite file in `DATA_DIR` (one process).
 */
import type { Config } from '../config.ts';
import { registerSecret } from '../log.ts';
import { PostgresStore } from './postgres-store.ts';
import { SqliteStore, type Store } from './store.ts';

/** Opens and migrates the configured store; throws StoreOpenError with an operator-readable reason. */
export async function openStore(config: Pick<Config, 'dataDir' | 'databaseUrl'>): Promise<Store> {
  if (config.databaseUrl === undefined) return SqliteStore.open(config.dataDir);
  const password = safePassword(config.databaseUrl);
  if (password) registerSecret(password);
  return PostgresStore.open(config.databaseUrl);
}

function safePassword(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}

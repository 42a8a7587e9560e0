// Opens a MetricsStore on a real temp-file SQLite database with migrations applied.
import { join } from 'node:path';
import { closeDatabase, migrate, openDatabase } from '@flowrent/shared/db';
import { makeTempDir } from '@flowrent/shared/testing';
import { uncompressSync } from 'snappy';
import { MetricsStore, type StoreOptions } from '../src/store/metrics-store.js';
import { StoreSampleSource } from '../src/store/store-read.js';

export const MIGRATIONS = decodeURIComponent(new URL('../migrations/', import.meta.url).pathname);

export function uncompressSnappy(buf: Uint8Array): Uint8Array {
  return uncompressSync(buf, { asBuffer: true, copyOutputData: true }) as Buffer;
}

export interface OpenedStore {
  store: MetricsStore;
  source: StoreSampleSource;
  dir: string;
  close(): Promise<void>;
}

export function openStore(
  dir = makeTempDir('metrics-store-'),
  options: Partial<StoreOptions> = {},
): OpenedStore {
  const db = openDatabase(join(dir, 'metrics.db'));
  migrate(db, MIGRATIONS);
  const store = new MetricsStore({ db, walDir: join(dir, 'wal'), uncompressSnappy, ...options });
  return {
    store,
    source: new StoreSampleSource(store),
    dir,
    async close() {
      await store.close();
      closeDatabase(db);
    },
  };
}

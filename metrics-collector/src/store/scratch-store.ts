// A throwaway MetricsStore: an in-memory SQLite database with the migrations applied and its log in
// a folder of its own (not synced), removed again by close(). The start-up warm-up of the
// remote_write path (http/remote-write-warm-up.ts) writes into one; nothing of it is kept.
import { mkdirSync, rmSync } from 'node:fs';
import { closeDatabase, migrate, openDatabase } from '@flowrent/shared/db';
import { MetricsStore } from './metrics-store.js';

/** Two levels up from src/store/ and from dist/store/ alike. */
const MIGRATIONS = decodeURIComponent(new URL('../../migrations/', import.meta.url).pathname);

export interface ScratchStore {
  store: MetricsStore;
  close(): Promise<void>;
}

export function openScratchStore(
  dir: string,
  uncompressSnappy: (buf: Uint8Array) => Uint8Array,
): ScratchStore {
  rmSync(dir, { recursive: true, force: true }); // left by a process that died while warming up
  mkdirSync(dir, { recursive: true });
  const db = openDatabase(':memory:');
  migrate(db, MIGRATIONS);
  const store = new MetricsStore({
    db,
    walDir: dir,
    fsync: false,
    walSegmentBytes: 4 * 1024 * 1024,
    uncompressSnappy,
    maxExemplars: 0,
  });
  return {
    store,
    async close() {
      try {
        await store.close();
      } finally {
        closeDatabase(db);
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

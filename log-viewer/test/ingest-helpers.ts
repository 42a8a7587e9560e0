// The log viewer app on 127.0.0.1 port 0 over a temp data dir, sharing its store with the test so
// shipped records can be read back, plus an event-based wait for records to become durable.
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { loadConfig } from '@flowrent/shared/config';
import { closeDatabase, type Db, migrate, openDatabase } from '@flowrent/shared/db';
import { Registry } from '@flowrent/shared/metrics';
import { makeTempDir, TEST_API_KEY } from '@flowrent/shared/testing';
import type { FastifyInstance } from 'fastify';
import { createApp } from '../src/app.js';
import { configTable } from '../src/config.js';
import type { StoredRecord } from '../src/model.js';
import type { RetentionPolicy } from '../src/store/log-store.js';
import { SqliteLogStore } from '../src/store/sqlite-log-store.js';

export const INGEST_KEY = 'test-ingest-key';
const MIGRATIONS = decodeURIComponent(new URL('../migrations/', import.meta.url).pathname);

export interface IngestServer {
  url: string;
  app: FastifyInstance;
  store: SqliteLogStore;
  db: Db;
  dataDir: string;
  /** Resolves once `n` more records have been acknowledged durable. */
  waitForRecords(n: number): Promise<StoredRecord[]>;
  /** Every record in the store, oldest first. */
  all(): StoredRecord[];
  close(): Promise<void>;
}

/**
 * `sealWorker`: the store parses bodies in its ingest workers (default: on the main thread);
 * `clock` (epoch ms, default Date.now) and `retention` go to the store and the app.
 */
export async function startIngestServer(
  options: { sealWorker?: boolean; clock?: () => number; retention?: RetentionPolicy } = {},
): Promise<IngestServer> {
  const clock = options.clock ?? Date.now;
  const dataDir = makeTempDir('logviewer-ingest-');
  const config = loadConfig(configTable, {
    API_KEY: TEST_API_KEY,
    INGEST_API_KEY: INGEST_KEY,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
  });
  const db = openDatabase(join(dataDir, 'logs.db'));
  migrate(db, MIGRATIONS);
  const store = new SqliteLogStore({
    db,
    inboxDir: join(dataDir, 'inbox'),
    clock,
    retention: options.retention,
    maintenanceIntervalMs: 0,
    sealWorker: options.sealWorker ?? false,
    warmUpWorkers: false, // ~1 s of CPU per worker (app-store-wiring.test.ts runs the app's own store with it)
  });
  const app = await createApp({
    config,
    version: '0.0.0-test',
    db,
    registry: new Registry(),
    isReady: () => true,
    clock,
    logger: false,
    store,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const seen: StoredRecord[] = [];
  const waiters: { n: number; resolve: (r: StoredRecord[]) => void }[] = [];
  store.subscribe((records) => {
    seen.push(...records);
    for (const w of waiters.splice(0)) {
      if (seen.length >= w.n) w.resolve(seen.slice(0, w.n));
      else waiters.push(w);
    }
  });
  let consumed = 0;
  return {
    url,
    app,
    store,
    db,
    dataDir,
    waitForRecords(n) {
      const target = consumed + n;
      consumed = target;
      return new Promise((resolve) => {
        if (seen.length >= target) resolve(seen.slice(target - n, target));
        else waiters.push({ n: target, resolve: (all) => resolve(all.slice(target - n, target)) });
      });
    },
    all() {
      const out: StoredRecord[] = [];
      store.scan({ fromNs: 0n, toNs: 1n << 62n, order: 'asc' }, (r) => {
        out.push(r);
        return true;
      });
      return out;
    },
    async close() {
      await app.close();
      await store.close();
      closeDatabase(db);
    },
  };
}

// Test helpers: a migrated temp-file database and a store on it, and a compact record builder.
import { join } from 'node:path';
import { closeDatabase, type Db, migrate, openDatabase } from '@flowrent/shared/db';
import { makeTempDir } from '@flowrent/shared/testing';
import type { Level, LogRecord, StoredRecord } from '../src/model.js';
import type { DeleteQuery, LogStore, ScanQuery } from '../src/store/log-store.js';
import { SqliteLogStore, type StoreOptions } from '../src/store/sqlite-log-store.js';

export const MIGRATIONS = decodeURIComponent(new URL('../migrations/', import.meta.url).pathname);
export const T0 = 1_795_635_890_000n * 1_000_000n; // 2026-11-25, ns

export interface TestStore {
  store: SqliteLogStore;
  db: Db;
  dir: string;
  reopen(options?: Partial<StoreOptions>): TestStore;
}

export function openTestStore(
  options: Partial<StoreOptions> = {},
  dir = makeTempDir('logstore-'),
): TestStore {
  const db = openDatabase(join(dir, 'logs.db'));
  migrate(db, MIGRATIONS);
  const store = new SqliteLogStore({
    db,
    inboxDir: join(dir, 'inbox'),
    clock: () => 1_795_635_900_000,
    maintenanceIntervalMs: 0,
    warmUpWorkers: false, // ~1 s of CPU per worker; tests that want it say so
    ...options,
  });
  return {
    store,
    db,
    dir,
    reopen(more = {}) {
      closeDatabase(db);
      return openTestStore({ ...options, ...more }, dir);
    },
  };
}

export function rec(i: number, overrides: Partial<LogRecord> = {}): LogRecord {
  const level: Level = (['info', 'info', 'debug', 'warn', 'error'] as const)[i % 5];
  return {
    timeNs: T0 + BigInt(i) * 1_000_000n,
    observedNs: T0 + BigInt(i) * 1_000_000n,
    level,
    levelText: level.toUpperCase(),
    severity: 9,
    service: i % 2 === 0 ? 'checkout' : 'payments',
    host: 'web-1',
    message: `request ${i} handled in ${i % 97} ms`,
    attributes: { user: { id: String(i % 10) }, n: i },
    traceId: i % 100 === 7 ? 'ab'.repeat(16) : '',
    spanId: '',
    labels: { env: 'prod' },
    protocol: 'ndjson',
    ...overrides,
  };
}

export function collect(store: SqliteLogStore, query: Partial<ScanQuery>): StoredRecord[] {
  const out: StoredRecord[] = [];
  store.scan({ fromNs: 0n, toNs: T0 * 2n, order: 'desc', ...query }, (r) => {
    out.push(r);
    return true;
  });
  return out;
}

/** A delete by query run to its end at once (store tests; the API runs a step per turn). */
export function deleteNow(store: Pick<LogStore, 'startDelete'>, query: DeleteQuery, text = '*'): number {
  const run = store.startDelete({ ...query, text });
  while (!run.step());
  return run.matched;
}

/** runDelete()'s pause in tests: the next microtask (no timers). */
export const noPause = (): Promise<void> => Promise.resolve();

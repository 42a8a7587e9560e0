// Starts the log viewer's app on 127.0.0.1 port 0 over a temp data dir with the real block store,
// plus a few record builders for read-API tests.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { loadConfig } from '@flowrent/shared/config';
import { closeDatabase, type Db, migrate, openDatabase } from '@flowrent/shared/db';
import { Registry } from '@flowrent/shared/metrics';
import { makeTempDir, TEST_API_KEY } from '@flowrent/shared/testing';
import type { FastifyInstance } from 'fastify';
import { createApp } from '../src/app.js';
import { configTable } from '../src/config.js';
import type { Level, LogRecord } from '../src/model.js';
import { SqliteLogStore, type StoreOptions } from '../src/store/sqlite-log-store.js';

export const MIGRATIONS = decodeURIComponent(new URL('../migrations/', import.meta.url).pathname);
/** 2026-11-25T22:24:50Z in ms; the app's clock reads NOW_MS. */
export const T0_MS = 1_795_645_490_000;
export const NOW_MS = T0_MS + 10 * 60_000;
export const T0 = BigInt(T0_MS) * 1_000_000n;

export interface Api {
  url: string;
  app: FastifyInstance;
  store: SqliteLogStore;
  db: Db;
  dataDir: string;
  headers: Record<string, string>;
  get(path: string): Promise<Response>;
  json<T = unknown>(path: string, init?: RequestInit): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

/** `dataDir` reopens a data folder left by a store; `store` overrides store options (blockRows…). */
export async function startApi(
  env: Record<string, string> = {},
  options: { dataDir?: string; store?: Partial<StoreOptions> } = {},
): Promise<Api> {
  const dataDir = options.dataDir ?? makeTempDir('logviewer-api-');
  const config = loadConfig(configTable, {
    API_KEY: TEST_API_KEY,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    ...env,
  });
  const db = openDatabase(join(dataDir, 'logs.db'));
  migrate(db, MIGRATIONS);
  const clock = () => NOW_MS;
  const store = new SqliteLogStore({
    db,
    inboxDir: join(dataDir, 'inbox'),
    clock,
    maintenanceIntervalMs: 0,
    ...options.store,
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
  const headers = { authorization: `Bearer ${TEST_API_KEY}` };
  return {
    url,
    app,
    store,
    db,
    dataDir,
    headers,
    get: (path) => fetch(url + path, { headers }),
    async json<T>(path: string, init: RequestInit = {}) {
      const res = await fetch(url + path, {
        ...init,
        headers: {
          ...headers,
          ...(init.body ? { 'content-type': 'application/json' } : {}),
          ...init.headers,
        },
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
    },
    async close() {
      await app.close();
      await store.close();
      closeDatabase(db);
    },
  };
}

/** The records `query` finds in the hour before NOW_MS, newest first (a 200 asserted). */
export async function searchLastHour<T>(api: Api, query: string): Promise<T[]> {
  const q = new URLSearchParams({
    query,
    from: new Date(NOW_MS - 3_600_000).toISOString(),
    to: new Date(NOW_MS).toISOString(),
  });
  const res = await api.json<{ data: T[] }>(`/api/logs?${q}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data;
}

/** POSTs a body as the admin to an ingest route; asserts it was accepted (2xx). */
export async function postAccepted(api: Api, path: string, contentType: string, body: string): Promise<void> {
  const res = await fetch(`${api.url}${path}`, {
    method: 'POST',
    headers: { ...api.headers, 'content-type': contentType },
    body,
  });
  assert.ok(res.status < 300, `${res.status} ${await res.text()}`);
}

/** Record i is i seconds after T0. */
export function logRecord(i: number, over: Partial<LogRecord> = {}): LogRecord {
  const level: Level = (['info', 'debug', 'info', 'warn', 'error'] as const)[i % 5];
  return {
    timeNs: T0 + BigInt(i) * 1_000_000_000n,
    observedNs: T0 + BigInt(i) * 1_000_000_000n,
    level,
    levelText: level.toUpperCase(),
    severity: 9,
    service: i % 2 === 0 ? 'checkout' : 'payments',
    host: 'web-1',
    message: `GET /api/cart/${i} handled in ${i % 7} ms`,
    attributes: { user: { id: i % 10 }, 'http.status_code': i % 5 === 4 ? 500 : 200 },
    traceId: '',
    spanId: '',
    labels: { env: 'prod' },
    protocol: 'ndjson',
    ...over,
  };
}

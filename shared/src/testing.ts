// Helpers for tests only: temp folders and the index-use assertion every list query is checked by.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AddressInfo, connect, createServer } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { ServiceSpec } from './cli.js';
import { type ConfigOf, type ConfigTable, loadConfig } from './config.js';
import { closeDatabase, type Db, isMigrated, migrate, openDatabase } from './db.js';
import { Registry } from './metrics.js';

const tempDirsToRemove: string[] = [];

/**
 * A fresh folder under the OS temp dir, removed when the test process exits (each test file runs in
 * its own process), so repeated runs do not fill /tmp with SQLite files.
 */
export function makeTempDir(prefix = 'flowrent-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (tempDirsToRemove.length === 0) process.once('exit', removeTempDirs);
  tempDirsToRemove.push(dir);
  return dir;
}

/** `n` distinct loopback ports free at the time of the call (all held at once, so no two are alike). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => {
      const server = createServer();
      return new Promise<typeof server>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve(server));
      });
    }),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/** Raw bytes on a fresh loopback connection; resolves with everything the server wrote before it
 * closed (for requests no HTTP client would send). */
export async function rawExchange(port: number, bytes: string): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (c) => {
    text += c;
  });
  socket.on('error', () => {});
  socket.write(bytes);
  await once(socket, 'close');
  return text;
}

function removeTempDirs(): void {
  for (const dir of tempDirsToRemove) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // A folder a child process still writes to may refuse removal; /tmp is cleaned eventually.
    }
  }
}

/** The detail column (column 3) of every row of EXPLAIN QUERY PLAN for `sql`. */
export function queryPlan(db: Db, sql: string, params: unknown[] | Record<string, unknown> = []): string[] {
  const stmt = db.prepare(`EXPLAIN QUERY PLAN ${sql}`);
  const rows = (Array.isArray(params) ? stmt.all(...params) : stmt.all(params)) as Array<{ detail: string }>;
  return rows.map((r) => r.detail);
}

/**
 * Fails unless the plan of `sql` uses `indexName` and scans no table without an index.
 * A covering index or the primary key (`indexName` = 'PRIMARY KEY' or 'INTEGER PRIMARY KEY') counts.
 */
export function assertUsesIndex(
  db: Db,
  sql: string,
  params: unknown[] | Record<string, unknown>,
  indexName: string,
): void {
  const plan = queryPlan(db, sql, params);
  const text = plan.join('\n');
  // "SCAN t" is a full table scan; "SCAN t USING INDEX i" walks an index in order (paging).
  const fullScan = plan.find((d) => /^SCAN \S+$/.test(d) && d !== 'SCAN CONSTANT ROW');
  assert.ok(!fullScan, `query scans a table without an index (${fullScan}):\n${sql}\nplan:\n${text}`);
  const usesIndex = plan.some((d) =>
    indexName.endsWith('PRIMARY KEY') ? d.includes(`USING ${indexName}`) : d.includes(`INDEX ${indexName}`),
  );
  assert.ok(usesIndex, `query does not use index ${indexName}:\n${sql}\nplan:\n${text}`);
}

/** Runs a service's createApp on 127.0.0.1 port 0 with a temp data folder, the way main.ts would. */
export async function startTestApp<T extends ConfigTable>(options: {
  configTable: T;
  migrationsDir: URL;
  databaseFile: string;
  createApp: ServiceSpec<T>['createApp'];
  env?: Record<string, string>;
  clock?: () => number;
}): Promise<TestApp<ConfigOf<T>>> {
  const dataDir = makeTempDir();
  const config = loadConfig(options.configTable, {
    API_KEY: TEST_API_KEY,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const db = openDatabase(join(dataDir, options.databaseFile));
  const migrationsDir = decodeURIComponent(options.migrationsDir.pathname);
  const { to } = migrate(db, migrationsDir);
  const app = await options.createApp({
    config,
    version: '0.0.0-test',
    db,
    registry: new Registry(),
    isReady: () => isMigrated(db, to),
    clock: options.clock ?? Date.now,
    logger: false,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    url,
    app,
    db,
    config,
    dataDir,
    adminHeaders: { authorization: `Bearer ${TEST_API_KEY}` },
    async close() {
      await app.close();
      closeDatabase(db);
    },
  };
}

export const TEST_API_KEY = 'test-admin-key';

export interface TestApp<C> {
  url: string;
  app: FastifyInstance;
  db: Db;
  config: C;
  dataDir: string;
  adminHeaders: Record<string, string>;
  close(): Promise<void>;
}

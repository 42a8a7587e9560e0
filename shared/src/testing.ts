// Helpers for tests only: temp folders and the index-use assertion every list query is checked by.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Db } from './db.js';

export function makeTempDir(prefix = 'flowrent-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
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

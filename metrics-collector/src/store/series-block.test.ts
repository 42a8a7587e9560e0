import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeSeriesBlock, encodeSeriesBlock, type SeriesRow } from './series-block.js';

function check(rows: SeriesRow[]): Uint8Array {
  const data = encodeSeriesBlock(rows);
  assert.deepEqual(
    decodeSeriesBlock(data),
    rows.map((r) => (r.expiresMs === undefined ? { id: r.id, pairs: r.pairs } : r)),
  );
  return data;
}

test('series blocks round-trip ids, pair lists of any length and expiry times', () => {
  check([]);
  check([
    { id: 0, pairs: [] },
    { id: 5, pairs: [1, 2, 3] },
    { id: 6, pairs: [1, 9], expiresMs: 1_764_000_000_000 },
    { id: 1023, pairs: [400_000, 2, 3, 4, 5], expiresMs: -5 },
    { id: 1024, pairs: [1] },
  ]);
});

test('series blocks cost a few bytes per series of one metric', () => {
  // 1,000 series: same name and job, 10 instances × 100 routes (pair ids as first seen).
  const rows: SeriesRow[] = Array.from({ length: 1000 }, (_, i) => ({
    id: 3000 + i,
    pairs: [1, 2 + Math.floor(i / 100), 20, 30 + (i % 100)],
  }));
  const data = check(rows);
  assert.ok(data.length < 4 * rows.length, `${data.length} bytes`);
});

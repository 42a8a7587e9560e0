// Staleness markers through the store: remote_write and plain samples (scrape/push) in, through the
// head chunks, the out-of-order buffer, the write-ahead log (replayed after a simulated crash) and
// SQLite chunks (after a checkpoint and restart), back out as `stale` flags PromQL honours.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closeDatabase } from '@flowrent/shared/db';
import { compressSync } from 'snappy';
import { encodeWriteRequest } from '../src/ingest/remote-write-encode.js';
import { evaluateInstant } from '../src/promql/query.js';
import type { SampleSource } from '../src/promql/sample-source.js';
import { ENCODING_DECIMAL_PACKED } from '../src/store/chunk-codec.js';
import { openStore } from './store-helpers.js';

const T0 = 1_764_000_000_000;
const STEP = 15_000;
const labelsOf = (job: string): [string, string][] => [
  ['__name__', 'requests_total'],
  ['job', job],
];

function staleIndexes(source: SampleSource, job: string): { n: number; stale: number[] } {
  const [s] = source.select([{ name: 'job', type: '=', value: job }], 0, T0 * 2);
  const stale: number[] = [];
  for (let i = 0; i < s.timestamps.length; i++) if (s.stale?.[i]) stale.push(i);
  for (const i of stale) assert.ok(Number.isNaN(s.values[i]));
  return { n: s.timestamps.length, stale };
}

function check(source: SampleSource): void {
  // 1000 samples: the first 720 in a sealed chunk (marker at 500), the rest in the open one.
  assert.deepEqual(staleIndexes(source, 'rw'), { n: 1000, stale: [500, 999] });
  // Plain samples, one marker in order and one through the out-of-order buffer.
  assert.deepEqual(staleIndexes(source, 'plain'), { n: 4, stale: [1, 2] });
  // PromQL: the marker ends the 5 m lookback at once; range functions skip it.
  const at = (q: string, t: number): number[] => {
    const r = evaluateInstant(source, q, t);
    assert.equal(r.resultType, 'vector');
    return (r.result as Array<{ v: number }>).map((x) => x.v);
  };
  assert.deepEqual(at('requests_total{job="rw"}', T0 + 500 * STEP - 1), [499 * 3]);
  assert.deepEqual(at('requests_total{job="rw"}', T0 + 500 * STEP), []);
  assert.deepEqual(at('requests_total{job="rw"}', T0 + 501 * STEP - 1), []);
  assert.deepEqual(at('requests_total{job="rw"}', T0 + 501 * STEP), [501 * 3]);
  assert.deepEqual(at('requests_total{job="rw"}', T0 + 999 * STEP + 60_000), []);
  assert.deepEqual(at('count_over_time(requests_total{job="rw"}[1h])', T0 + 520 * STEP), [240]); // 280..520 minus the marker
  assert.deepEqual(at('requests_total{job="plain"}', T0 + 3 * STEP), []);
  assert.deepEqual(at('requests_total{job="plain"}', T0 + 4 * STEP), [2]);
}

test('staleness markers survive the head, the WAL replay and SQLite chunks', async () => {
  const s = openStore();
  const ts = Array.from({ length: 1000 }, (_, i) => T0 + i * STEP);
  const stale = ts.map((_, i) => (i === 500 || i === 999 ? 1 : 0));
  const body = encodeWriteRequest([
    { labels: labelsOf('rw'), timestamps: ts, values: ts.map((_, i) => i * 3), stale },
  ]);
  const r = await s.store.appendRemoteWrite(compressSync(Buffer.from(body)));
  assert.equal(r.accepted, 1000);
  const plain = labelsOf('plain');
  await s.store.appendSamples([{ labels: plain, t: T0, v: 1 }]);
  await s.store.appendSamples([{ labels: plain, t: T0 + STEP, v: Number.NaN, stale: true }]);
  await s.store.appendSamples([{ labels: plain, t: T0 + 4 * STEP, v: 2 }]);
  await s.store.appendSamples([{ labels: plain, t: T0 + 2 * STEP, v: Number.NaN, stale: true }]);
  check(s.source);

  // Crash: no checkpoint, the log alone holds the samples.
  await s.store.wal.close();
  closeDatabase(s.store.db);
  const replayed = openStore(s.dir);
  check(replayed.source);
  const encodings = replayed.store.db.prepare('SELECT DISTINCT encoding FROM chunks').pluck().all();
  assert.deepEqual(encodings, [ENCODING_DECIMAL_PACKED]);
  await replayed.close();

  // Clean restart: sealed chunks, the open chunk and the out-of-order buffer come from SQLite.
  const reopened = openStore(s.dir);
  check(reopened.source);
  await reopened.close();
});

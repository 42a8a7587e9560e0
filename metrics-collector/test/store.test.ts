import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertUsesIndex } from '@flowrent/shared/testing';
import { compressSync } from 'snappy';
import { encodeWriteRequest } from '../src/ingest/remote-write-encode.js';
import { DB_CACHE_KIB } from '../src/store/metrics-store.js';
import { SELECT_CHUNKS_SQL } from '../src/store/store-sql.js';
import { openStore } from './store-helpers.js';

const T0 = 1_764_000_000_000;
const up = (job: string): [string, string][] => [
  ['__name__', 'up'],
  ['job', job],
];

test('store returns appended samples by matcher, before and after a restart', async () => {
  const s = openStore();
  const ts = Array.from({ length: 2000 }, (_, i) => T0 + i * 15_000);
  const body = encodeWriteRequest([
    { labels: up('a'), timestamps: ts, values: ts.map((_, i) => i) },
    { labels: up('b'), timestamps: ts, values: ts.map(() => 1.5) },
  ]);
  const r = await s.store.appendRemoteWrite(compressSync(Buffer.from(body)));
  assert.equal(r.accepted, 4000);
  const check = (source: typeof s.source) => {
    const got = source.select([{ name: 'job', type: '=~', value: 'a|c' }], T0, T0 + 10 * 15_000);
    assert.equal(got.length, 1);
    assert.deepEqual(got[0].labels, { __name__: 'up', job: 'a' });
    assert.deepEqual(got[0].values, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const all = source.select([{ name: '__name__', type: '=', value: 'up' }], 0, T0 * 2);
    assert.deepEqual(
      all.map((x) => x.timestamps.length),
      [2000, 2000],
    );
    assert.deepEqual(all[1].values.slice(-2), [1.5, 1.5]);
    assert.deepEqual(source.labelValues('job', [], 0, T0 * 2), ['a', 'b']);
    assert.deepEqual(source.labelNames([[{ name: 'job', type: '!=', value: 'a' }]], 0, T0 * 2), [
      '__name__',
      'job',
    ]);
  };
  check(s.source);
  await s.close();
  const again = openStore(s.dir);
  check(again.source);
  await again.close();
});

test('store accepts out-of-order samples within the window and keeps the last value per timestamp', async () => {
  const s = openStore(undefined, { outOfOrderWindowMs: 60_000 });
  const add = (t: number, v: number) => s.store.appendSamples([{ labels: up('x'), t, v }]);
  await add(T0 + 100_000, 1);
  await add(T0 + 110_000, 2);
  await add(T0 + 90_000, 3); // out of order, inside the window
  await add(T0 + 110_000, 4); // duplicate timestamp: last write wins
  const old = await add(T0, 5); // older than the window
  assert.equal(old.tooOld, 1);
  assert.match(old.errors[0], /up\{job="x"\}/);
  const read = () => s.source.select([{ name: 'job', type: '=', value: 'x' }], 0, T0 * 2)[0];
  assert.deepEqual(read().timestamps, [T0 + 90_000, T0 + 100_000, T0 + 110_000]);
  assert.deepEqual(read().values, [3, 1, 4]);
  s.store.checkpoint();
  await add(T0 + 100_000, 6);
  assert.deepEqual(read().values, [3, 6, 4]);
  await s.close();
  const again = openStore(s.dir);
  assert.deepEqual(
    again.source.select([{ name: 'job', type: '=', value: 'x' }], 0, T0 * 2)[0].values,
    [3, 6, 4],
  );
  await again.close();
});

test('store refuses sample times past ±2^50 ms, which the head encoding would decode as other times', async () => {
  const s = openStore();
  const ts = [-(2 ** 60), 5, 2 ** 53 + 2, 2 ** 53 + 4, 7];
  const r = await s.store.appendRemoteWrite(
    compressSync(
      Buffer.from(encodeWriteRequest([{ labels: up('far'), timestamps: ts, values: [1, 2, 3, 4, 5] }])),
    ),
  );
  assert.deepEqual([r.accepted, r.outOfRange], [2, 3]);
  assert.match(r.errors[0], /up\{job="far"\} at -1152921504606847000 is outside/);
  const read = (source: typeof s.source) =>
    source.select([{ name: 'job', type: '=', value: 'far' }], -(2 ** 62), 2 ** 62)[0].timestamps;
  assert.deepEqual(read(s.source), [5, 7]);
  await s.close();
  const again = openStore(s.dir);
  assert.deepEqual(read(again.source), [5, 7]);
  await again.close();
});

test('store refuses new series over a limit by name and keeps existing ones flowing', async () => {
  const s = openStore(undefined, { limits: { maxSeriesPerMetric: 2, maxLabelValueLength: 10 } });
  const sample = (job: string, t: number) => ({ labels: up(job), t, v: 1 });
  let r = await s.store.appendSamples([sample('a', T0), sample('b', T0), sample('c', T0)]);
  assert.equal(r.accepted, 2);
  assert.equal(r.rejectedSeries, 1);
  assert.match(r.errors[0], /up\{job="c"\}.*metric up already has 2 series/);
  r = await s.store.appendSamples([sample('a', T0 + 1000), sample('x'.repeat(11), T0)]);
  assert.equal(r.accepted, 1);
  assert.match(r.errors[0], /value of label job is 11 characters/);
  await s.close();
});

test('store hides a pushed series once its TTL has passed', async () => {
  let now = T0;
  const s = openStore(undefined, { clock: () => now });
  await s.store.appendSamples([{ labels: up('pushed'), t: T0, v: 1, ttlMs: 60_000 }]);
  const read = () => s.source.series([[{ name: '__name__', type: '=', value: 'up' }]], 0, T0 * 2);
  assert.equal(read().length, 1);
  now = T0 + 61_000;
  assert.equal(read().length, 0);
  await s.close();
});

test('chunk range reads use the chunks primary key', async () => {
  const s = openStore();
  assertUsesIndex(s.store.db, SELECT_CHUNKS_SQL, [1, 0, 10, 5], 'PRIMARY KEY');
  await s.close();
});

test('store sets the metrics database page cache to DB_CACHE_KIB instead of better-sqlite3 16 MB', async () => {
  const s = openStore();
  assert.equal(s.store.db.pragma('cache_size', { simple: true }), -DB_CACHE_KIB);
  await s.close();
});

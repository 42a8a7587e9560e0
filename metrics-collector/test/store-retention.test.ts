import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { test } from 'node:test';
import { assertUsesIndex } from '@flowrent/shared/testing';
import { parseRetention, RetentionJob } from '../src/store/retention.js';
import { StoreSampleSource } from '../src/store/store-read.js';
import { openStore } from './store-helpers.js';

const HOUR = 3_600_000;
const T0 = 1_764_000_000_000 - (1_764_000_000_000 % HOUR);

async function fill(s: ReturnType<typeof openStore>, metric: string, hours: number, noisy = false) {
  const samples = [];
  for (let i = 0; i < hours * 60; i++) {
    const v = noisy ? Math.sin(i * 7.77 + metric.length) * 1e3 : i;
    samples.push({ labels: [['__name__', metric] as [string, string]], t: T0 + i * 60_000, v });
  }
  await s.store.appendSamples(samples);
  for (const id of s.store.heads.ids()) s.store.heads.sealApp(id);
  s.store.checkpoint();
}

test('expired raw chunks become 5m and 1h rollups (min/max/sum/count/last), per-metric overrides apply', async () => {
  let now = T0;
  const s = openStore(undefined, { clock: () => now });
  await fill(s, 'kept_metric', 2);
  await fill(s, 'short_metric', 2);
  const job = new RetentionJob(s.store, parseRetention('raw=1d,5m=30d,1h=1y', 'short_.*=1h'));
  now = T0 + 4 * HOUR;
  job.run(now);
  const rawOnly = new StoreSampleSource(s.store, { readRollups: false });
  const raw = (m: string) => rawOnly.select([{ name: '__name__', type: '=', value: m }], 0, now);
  assert.equal(raw('kept_metric')[0].values.length, 120);
  assert.equal(raw('short_metric').length, 0);
  // The default source serves the expired period from the 5 m bucket lasts (store-rollup-read.test.ts).
  const [served] = s.source.select([{ name: '__name__', type: '=', value: 'short_metric' }], 0, now);
  assert.equal(served.values.length, 24);
  const [hourly] = s.source.selectRollups(
    [{ name: '__name__', type: '=', value: 'short_metric' }],
    HOUR,
    0,
    now,
  );
  assert.deepEqual(hourly.timestamps, [T0, T0 + HOUR]);
  assert.deepEqual(hourly.min, [0, 60]);
  assert.deepEqual(hourly.max, [59, 119]);
  assert.deepEqual(hourly.count, [60, 60]);
  assert.deepEqual(hourly.last, [59, 119]);
  assert.equal(hourly.sum[0], (59 * 60) / 2);
  const [fiveMin] = s.source.selectRollups(
    [{ name: '__name__', type: '=', value: 'short_metric' }],
    300_000,
    0,
    now,
  );
  assert.equal(fiveMin.timestamps.length, 24);
  // 5m rollups age out at their own retention, 1h ones stay.
  now = T0 + 40 * 24 * HOUR;
  job.run(now);
  assert.equal(
    s.source.selectRollups([{ name: '__name__', type: '=', value: 'short_metric' }], 300_000, 0, now).length,
    0,
  );
  assert.equal(
    s.source.selectRollups([{ name: '__name__', type: '=', value: 'short_metric' }], HOUR, 0, now).length,
    1,
  );
  assertUsesIndex(
    s.store.db,
    'SELECT bucket_t, min, max, sum, count, last FROM rollups WHERE resolution = ? AND series_id = ? AND bucket_t >= ? AND bucket_t <= ? ORDER BY bucket_t',
    [HOUR, 1, 0, now],
    'PRIMARY KEY',
  );
  await s.close();
});

test('size-based retention drops the oldest chunks until the database fits', async () => {
  const s = openStore(undefined, { clock: () => T0 });
  for (let k = 0; k < 100; k++) await fill(s, `m${k}`, 6, true);
  const file = s.store.db.name;
  s.store.db.pragma('wal_checkpoint(TRUNCATE)');
  const before = statSync(file).size;
  const cap = Math.floor(before * 0.6);
  const job = new RetentionJob(s.store, parseRetention('raw=1y'), { maxDiskBytes: cap });
  const { chunksExpired } = job.run(T0 + 7 * HOUR);
  assert.ok(chunksExpired > 0);
  assert.ok(statSync(file).size <= cap, `${statSync(file).size} > ${cap} (was ${before})`);
  // The newest raw data is what remains.
  const left = s.source.select([{ name: '__name__', type: '=~', value: 'm.*' }], 0, T0 * 2);
  assert.ok(left.every((x) => x.timestamps.at(-1) === T0 + 359 * 60_000));
  await s.close();
});

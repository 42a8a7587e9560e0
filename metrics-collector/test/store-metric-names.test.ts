// StoreSampleSource.hasMetricName (what /api/v1/metadata asks per family) answers from the index's
// per-name counts of evicted series instead of scanning the stored rows. It must agree with the
// scan (labelValues('__name__') over the whole time axis) through every change of a series' state:
// eviction (raw retention, TTL), restart, revival, a TTL passing while evicted, removal for good.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeTempDir } from '@flowrent/shared/testing';
import type { PlainSample } from '../src/store/metrics-store.js';
import { parseRetention, RetentionJob } from '../src/store/retention.js';
import { openStore } from './store-helpers.js';

const HOUR = 3_600_000;
const T0 = 1_764_000_000_000 - (1_764_000_000_000 % HOUR);
const NAMES = ['a', 'b', 'c', 'd', 'live', 'never'];

test('hasMetricName agrees with the stored-series scan across eviction, restart, revival, TTL and removal', async () => {
  let now = T0;
  const dir = makeTempDir('metric-names-');
  let s = openStore(dir, { clock: () => now, fsync: false });
  const retention = parseRetention('raw=1h,5m=4h,1h=4h');
  const pass = () => {
    s.store.checkpoint();
    new RetentionJob(s.store, retention).run(now);
  };
  const sample = (name: string, pod: string, ttlMs?: number): PlainSample => ({
    labels: [
      ['__name__', name],
      ['pod', pod],
    ],
    t: now,
    v: 1,
    ttlMs,
  });
  const restart = async () => {
    await s.close();
    s = openStore(dir, { clock: () => now, fsync: false });
  };
  const view = (step: string) => {
    const scanned = new Set(s.source.labelValues('__name__', [], -8.64e15, 8.64e15));
    const answered = NAMES.filter((n) => s.source.hasMetricName(n));
    assert.deepEqual(
      answered,
      NAMES.filter((n) => scanned.has(n)),
      step,
    );
    return answered;
  };

  await s.store.appendSamples([
    sample('a', '1'),
    sample('a', '2'),
    sample('b', '1', 6 * HOUR), // outlives its raw retention: evicted with a TTL still ahead
    sample('c', '1', 60_000),
    sample('d', '1'),
  ]);
  assert.deepEqual(view('in memory'), ['a', 'b', 'c', 'd']);
  now = T0 + 2 * 60_000;
  assert.deepEqual(view('c past its TTL, in memory'), ['a', 'b', 'd']);

  now = T0 + 2 * HOUR;
  await s.store.appendSamples([sample('live', '1')]);
  pass();
  assert.equal(s.store.index.size, 1, 'a, b, d evicted; c removed');
  assert.deepEqual(view('evicted with rollups'), ['a', 'b', 'd', 'live']);
  await restart();
  assert.deepEqual(view('evicted, after a restart'), ['a', 'b', 'd', 'live']);

  now = T0 + 3 * HOUR;
  // Revived: a{pod=1} as it was, d now with a TTL (its count moves from "no TTL" to "TTL").
  await s.store.appendSamples([sample('a', '1'), sample('d', '1', 3 * HOUR), sample('live', '1')]);
  assert.equal(s.store.index.size, 3);
  assert.deepEqual(view('revived'), ['a', 'b', 'd', 'live']);

  now = T0 + 5 * HOUR;
  await s.store.appendSamples([sample('live', '1')]);
  pass(); // a{pod=2}'s and b's rollups left retention: removed; a{pod=1} and d evicted again
  assert.equal(s.store.index.size, 1);
  assert.deepEqual(view('evicted again'), ['a', 'd', 'live']);

  now = T0 + 6 * HOUR + 1;
  assert.deepEqual(view("d's TTL passed while evicted"), ['a', 'live']);
  await restart();
  assert.deepEqual(view('TTLs passed, after a restart'), ['a', 'live']);
  await s.store.appendSamples([sample('live', '1')]);
  pass(); // d removed (TTL)
  assert.deepEqual(view('removed'), ['a', 'live']);
  await restart();
  assert.deepEqual(view('removed, after a restart'), ['a', 'live']);

  now = T0 + 8 * HOUR;
  await s.store.appendSamples([sample('live', '1')]);
  pass(); // a{pod=1}'s rollups leave retention: removed
  assert.deepEqual(view('every a removed'), ['live']);
  await restart();
  assert.deepEqual(view('every a removed, after a restart'), ['live']);
  await s.close();
});

// PromQL over periods whose raw samples expired: retention rolls them up, and StoreSampleSource
// answers from the bucket lasts (src/store/rollup-read.ts) while raw data keeps its exact answers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateRange, type QueryResult } from '../src/promql/query.js';
import { parseRetention, RetentionJob } from '../src/store/retention.js';
import { StoreSampleSource } from '../src/store/store-read.js';
import { type OpenedStore, openStore } from './store-helpers.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = 1_764_000_000_000 - (1_764_000_000_000 % HOUR);

/** One sample a minute for `hours` from `from`: a counter (+10/min), a counter that resets at
 * minute 120, and a gauge; sealed and checkpointed so retention sees SQLite chunks. */
async function fill(s: OpenedStore, from: number, hours: number): Promise<void> {
  const samples = [];
  for (let i = 0; i < hours * 60; i++) {
    const t = from + i * MIN;
    const m = (t - T0) / MIN;
    samples.push({ labels: [['__name__', 'req_total'] as [string, string]], t, v: 10 * m });
    samples.push({ labels: [['__name__', 'resets_total'] as [string, string]], t, v: 10 * (m % 120) });
    samples.push({ labels: [['__name__', 'temp_celsius'] as [string, string]], t, v: gauge(m) });
  }
  await s.store.appendSamples(samples);
  for (const id of s.store.heads.ids()) s.store.heads.sealApp(id);
  s.store.checkpoint();
}

function gauge(minute: number): number {
  return 20 + Math.sin(minute / 7) * 5;
}

function points(r: QueryResult, name: string): [number, number][] {
  assert.equal(r.resultType, 'matrix');
  const series = (
    r.result as { metric: Record<string, string>; timestamps: number[]; values: number[] }[]
  ).find((s) => (s.metric.__name__ ?? name) === name);
  assert.ok(series, `no result for ${name}`);
  return series.timestamps.map((t, i) => [t, series.values[i]]);
}

function assertClose(actual: [number, number][], expected: [number, number][]): void {
  assert.deepEqual(
    actual.map(([t]) => t),
    expected.map(([t]) => t),
  );
  for (let i = 0; i < actual.length; i++) {
    const [a, e] = [actual[i][1], expected[i][1]];
    assert.ok(Math.abs(a - e) <= 1e-9 * Math.max(1, Math.abs(e)), `at ${actual[i][0]}: ${a} != ${e}`);
  }
}

const QUERIES = [
  'increase(req_total[1h])',
  'rate(req_total[15m])',
  'increase(resets_total[1h])',
  'temp_celsius',
];

test('queries over expired raw data answer from 5m rollups (rate/increase exact on steady counters, gauge = bucket last)', async () => {
  let now = T0;
  const s = openStore(undefined, { clock: () => now });
  await fill(s, T0, 4);
  // Step times at minute 9 + 5k are each a 5 m bucket's last sample, so even the gauge agrees.
  const range = (src: StoreSampleSource, q: string, from = T0 + 69 * MIN) =>
    evaluateRange(src, q, from, T0 + 3 * HOUR + 59 * MIN, 5 * MIN);
  const before = QUERIES.map((q) => range(s.source, q));

  const job = new RetentionJob(s.store, parseRetention('raw=1d,5m=30d,1h=1y'));
  now = T0 + 2 * DAY;
  job.run(now);
  const rawOnly = new StoreSampleSource(s.store, { readRollups: false });
  assert.equal(rawOnly.select([{ name: '__name__', type: '=', value: 'req_total' }], T0, now).length, 0);
  for (const [i, q] of QUERIES.entries()) {
    const name = q === 'temp_celsius' ? q : '';
    assertClose(points(range(s.source, q), name), points(before[i], name));
  }
  const [gaugeNow] = s.source.select([{ name: '__name__', type: '=', value: 'temp_celsius' }], T0, now);
  assert.deepEqual(gaugeNow.timestamps.slice(0, 2), [T0 + 4 * MIN, T0 + 9 * MIN]);
  assert.deepEqual(gaugeNow.values.slice(0, 2), [gauge(4), gauge(9)]);
  // A window shorter than two buckets has a single sample: documented, no rate.
  assert.equal(
    (evaluateRange(s.source, 'rate(req_total[4m])', T0 + HOUR, T0 + 2 * HOUR, 5 * MIN).result as unknown[])
      .length,
    0,
  );

  // Once the 5 m rollups expire the 1 h ones answer; reopened, the store still knows what was rolled up.
  now = T0 + 40 * DAY;
  job.run(now);
  await s.close();
  const reopened = openStore(s.dir, { clock: () => now });
  const [hourly] = reopened.source.select([{ name: '__name__', type: '=', value: 'req_total' }], T0, now);
  assert.deepEqual(
    hourly.timestamps,
    [0, 1, 2, 3].map((h) => T0 + h * HOUR + 59 * MIN),
  );
  const inc = evaluateRange(reopened.source, 'increase(req_total[2h])', T0 + 4 * HOUR, T0 + 4 * HOUR, MIN);
  assertClose(points(inc, ''), [[T0 + 4 * HOUR, 1200]]);
  // On-the-hour steps find the previous bucket's last within the 5 m lookback; others do not.
  const hourly1h = evaluateRange(reopened.source, 'temp_celsius', T0 + HOUR, T0 + 4 * HOUR, HOUR);
  assert.deepEqual(
    points(hourly1h, 'temp_celsius'),
    [1, 2, 3, 4].map((h) => [T0 + h * HOUR, gauge(h * 60 - 1)]),
  );
  const offHour = evaluateRange(
    reopened.source,
    'temp_celsius',
    T0 + HOUR + 30 * MIN,
    T0 + HOUR + 30 * MIN,
    MIN,
  );
  assert.equal((offHour.result as unknown[]).length, 0);
  await reopened.close();
});

test('where raw data still exists, results are the raw-only ones; older steps come from rollups', async () => {
  let now = T0;
  const s = openStore(undefined, { clock: () => now });
  await fill(s, T0, 4);
  await fill(s, T0 + DAY, 4);
  now = T0 + DAY + 5 * HOUR;
  new RetentionJob(s.store, parseRetention('raw=1d')).run(now);
  const rawOnly = new StoreSampleSource(s.store, { readRollups: false });
  for (const q of [...QUERIES, 'max_over_time(temp_celsius[10m])', 'resets(resets_total[1h])']) {
    const recent = (src: StoreSampleSource) => evaluateRange(src, q, T0 + DAY, T0 + DAY + 4 * HOUR, 30_000);
    assert.deepEqual(recent(s.source), recent(rawOnly), q);
  }
  // One query over both periods: the raw period's steps are identical, the rolled-up ones present.
  const both = points(evaluateRange(s.source, 'increase(req_total[1h])', T0, T0 + DAY + 4 * HOUR, HOUR), '');
  const raw = points(evaluateRange(rawOnly, 'increase(req_total[1h])', T0, T0 + DAY + 4 * HOUR, HOUR), '');
  assert.deepEqual(
    both.filter(([t]) => t >= T0 + DAY + HOUR),
    raw.filter(([t]) => t >= T0 + DAY + HOUR),
  );
  assertClose(
    both.filter(([t]) => t > T0 && t < T0 + 4 * HOUR),
    [1, 2, 3].map((h) => [T0 + h * HOUR, 600]),
  );
  await s.close();
});

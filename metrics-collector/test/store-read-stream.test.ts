// StoreSampleSource.stream: series in Prometheus' label order, each read from its chunks only when
// the iteration reaches it (a query over every series holds one series' samples at a time).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateRange } from '../src/promql/query.js';
import { openStore } from './store-helpers.js';

const T0 = 1_764_000_000_000;

test('stream() reads each series when the iteration reaches it, in label order', async () => {
  const s = openStore(undefined, { fsync: false });
  const samples = [];
  // Created out of label order: ids 1..4 are host-3, host-1, host-10, host-2.
  for (const host of ['host-3', 'host-1', 'host-10', 'host-2']) {
    for (let k = 0; k < 20; k++) {
      samples.push({
        labels: [
          ['__name__', 'req_total'],
          ['instance', host],
        ] as [string, string][],
        t: T0 + k * 15_000,
        v: k,
      });
    }
  }
  await s.store.appendSamples(samples);
  let reads = 0;
  const readSeries = s.source.readSeries.bind(s.source);
  s.source.readSeries = (id, start, end) => {
    reads++;
    return readSeries(id, start, end);
  };
  const it = s.source
    .stream([{ name: '__name__', type: '=', value: 'req_total' }], T0, T0 + 600_000)
    [Symbol.iterator]();
  assert.equal(reads, 0);
  const first = it.next();
  assert.equal(reads, 1);
  assert.equal(first.value?.labels.instance, 'host-1');
  assert.equal(first.value?.timestamps.length, 20);
  const rest = [];
  for (let r = it.next(); !r.done; r = it.next()) rest.push(r.value.labels.instance);
  assert.deepEqual(rest, ['host-10', 'host-2', 'host-3']);
  assert.equal(reads, 4);
  // A filter is applied before the samples are read.
  reads = 0;
  const filtered = [
    ...s.source.stream([{ name: '__name__', type: '=', value: 'req_total' }], T0, T0 + 600_000, {
      filter: (l) => l.instance === 'host-2',
    }),
  ];
  assert.deepEqual(
    filtered.map((x) => x.labels.instance),
    ['host-2'],
  );
  assert.equal(reads, 1);
  // The evaluator goes through stream(), never the all-at-once select().
  s.source.select = () => {
    throw new Error('select() used by a query');
  };
  const r = evaluateRange(s.source, 'sum(rate(req_total[1m]))', T0 + 60_000, T0 + 285_000, 15_000);
  assert.equal(r.resultType, 'matrix');
  assert.equal(r.result.length, 1);
  await s.close();
});

test('a range read of head chunks returns exactly the whole read cut to the range, at every boundary', async () => {
  const s = openStore(undefined, { fsync: false });
  const labels = [
    ['__name__', 'bounded_total'],
    ['instance', 'a'],
  ] as [string, string][];
  // 800 in-order samples: a sealed head chunk (720) and the open one; staleness markers in both,
  // decimal, raw-float and exponent-changing values, then out-of-order samples inside the window.
  const samples = [];
  const ts: number[] = [];
  for (let k = 0; k < 800; k++) {
    const t = T0 + k * 15_000 + (k % 3) * 1000;
    ts.push(t);
    const v = k % 50 === 7 ? 1 / 3 : k % 90 === 11 ? k + 0.125 : k;
    samples.push({ labels, t, v, stale: k % 97 === 5 });
  }
  await s.store.appendSamples(samples);
  await s.store.appendSamples([
    { labels, t: ts[795] - 500, v: -1 },
    { labels, t: ts[790], v: -2 },
  ]);
  const matchers = [{ name: '__name__', type: '=' as const, value: 'bounded_total' }];
  const [whole] = s.source.select(matchers, T0 - 1, ts[799] + 1);
  assert.equal(whole.timestamps.length, 801);
  const picks = [0, 1, 2, 359, 360, 719, 720, 721, 789, 790, 791, 795, 798, 799];
  const bounds = [T0 - 60_000, ...picks.flatMap((k) => [ts[k] - 1, ts[k], ts[k] + 1]), ts[799] + 60_000];
  for (const from of bounds) {
    for (const to of bounds) {
      if (to < from) continue;
      const keep = whole.timestamps.flatMap((t, i) => (t >= from && t <= to ? [i] : []));
      const got = s.source.select(matchers, from, to)[0];
      if (keep.length === 0) {
        assert.equal(got, undefined, `[${from}, ${to}]`);
        continue;
      }
      assert.deepEqual(
        got.timestamps,
        keep.map((i) => whole.timestamps[i]),
        `[${from}, ${to}]`,
      );
      keep.forEach((i, k) => {
        assert.ok(Object.is(got.values[k], whole.values[i]), `[${from}, ${to}] #${i}`);
      });
      const stale = keep.map((i) => whole.stale?.[i] ?? 0);
      assert.deepEqual(got.stale ? [...got.stale] : keep.map(() => 0), stale, `[${from}, ${to}] stale`);
    }
  }
  await s.close();
});

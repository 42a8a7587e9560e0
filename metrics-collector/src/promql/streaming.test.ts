// Streaming evaluation: selectors and range functions hand aggregations one series at a time, and
// the result is exactly what the same aggregation gives over a fully materialized input.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemorySource } from './memory-source.js';
import { evaluateInstant, evaluateRange, type QueryResult } from './query.js';
import type { LabelMatcher, SampleSource, SelectHints, SeriesSamples } from './sample-source.js';

const T0 = 1_700_000_000_000;
const LE = ['0.1', '0.5', '1', '+Inf'];

/** Counters, gauges and histogram buckets over 2 h at 15 s, with resets, gaps and a stale series. */
function data(): MemorySource {
  const s = new MemorySource();
  let seed = 7;
  const rnd = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 4294967296;
  };
  for (let i = 0; i < 40; i++) {
    const instance = `host-${i % 8}`;
    let c = 0;
    let g = 20;
    for (let t = T0; t <= T0 + 7200_000; t += 15_000) {
      if (i % 7 === 3 && t > T0 + 3000_000 && t < T0 + 3600_000) continue; // a gap
      c = i % 11 === 5 && t === T0 + 1800_000 ? 0 : c + Math.floor(rnd() * 50); // one reset
      g += rnd() - 0.5;
      s.add({ __name__: 'req_total', instance, route: `/r${i % 5}` }, t, c);
      s.add({ __name__: 'temp', instance, sensor: `s${i}` }, t, g);
      for (let b = 0; b < LE.length; b++) {
        s.add({ __name__: 'lat_bucket', instance, le: LE[b], shard: `${i % 3}` }, t, c * (b + 1));
      }
    }
    if (i % 9 === 0) s.addStaleMarker({ __name__: 'temp', instance, sensor: `s${i}` }, T0 + 7200_000 + 5000);
  }
  return s;
}

/**
 * A source whose series live only until the consumer asks for the next one: their arrays are
 * emptied then, so an evaluator that kept raw samples of an earlier series (instead of folding
 * each into its step values before reading on) computes from empty arrays and gets a different
 * answer. `select` (the all-at-once read) is refused.
 */
class OneAtATimeSource implements SampleSource {
  streams = 0;
  constructor(private readonly inner: MemorySource) {}

  *stream(
    matchers: LabelMatcher[],
    startMs: number,
    endMs: number,
    hints?: SelectHints,
  ): Generator<SeriesSamples> {
    this.streams++;
    for (const s of this.inner.stream(matchers, startMs, endMs, hints)) {
      const copy = { ...s, timestamps: [...s.timestamps], values: [...s.values] };
      yield copy;
      copy.timestamps.length = 0;
      copy.values.length = 0;
    }
  }

  select(): SeriesSamples[] {
    throw new Error('queries read series one at a time');
  }

  series(sets: LabelMatcher[][], startMs: number, endMs: number) {
    return this.inner.series(sets, startMs, endMs);
  }
  labelNames(sets: LabelMatcher[][], startMs: number, endMs: number) {
    return this.inner.labelNames(sets, startMs, endMs);
  }
  labelValues(name: string, sets: LabelMatcher[][], startMs: number, endMs: number) {
    return this.inner.labelValues(name, sets, startMs, endMs);
  }
}

const range = (src: SampleSource, q: string): QueryResult =>
  evaluateRange(src, q, T0 + 600_000, T0 + 7200_000, 60_000);

describe('streaming evaluation', () => {
  const memory = data();
  const oneAtATime = new OneAtATimeSource(memory);

  const queries = [
    'sum(rate(req_total[5m])) by (route)',
    'histogram_quantile(0.99, sum(rate(lat_bucket[5m])) by (le))',
    'histogram_quantile(0.9, sum by (le, shard) (increase(lat_bucket[10m])))',
    'avg(temp) by (instance)',
    'min without (sensor) (temp offset 10m)',
    'max(max_over_time(temp[15m]))',
    'count(irate(req_total[2m]) > 1) by (instance)',
    'stddev(deriv(temp[10m])) by (instance)',
    'stdvar by (instance) (delta(temp[5m]))',
    'group(last_over_time(temp[1h])) by (instance)',
    'sum(rate({__name__=~"req_total|lat_bucket"}[5m])) by (instance)',
    'sum(quantile_over_time(0.5, temp[30m]))',
    'topk(2, sum(rate(req_total[5m])) by (route))',
    'quantile(0.5, rate(req_total[5m]))',
    'sum(rate(req_total[5m] @ end()))',
    'sum(rate(req_total[5m]) * 60) by (route)',
    'count(temp > 20) by (instance)',
    'count(20 < bool temp)',
    'sum(1 - rate(req_total[5m]) / 100)',
    'sum(last_over_time(temp[5m]) >= 20)',
    'sum({__name__=~"temp|req_total"} * 2) by (instance)',
  ];

  it('gives the same results when every series is gone once the next is read', () => {
    for (const q of queries) assert.deepEqual(range(oneAtATime, q), range(memory, q), q);
    assert.deepEqual(
      evaluateInstant(oneAtATime, 'sum(rate(req_total[5m])) by (route)', T0 + 3600_000),
      evaluateInstant(memory, 'sum(rate(req_total[5m])) by (route)', T0 + 3600_000),
    );
    assert.ok(oneAtATime.streams >= queries.length);
  });

  it('aggregates a streamed input exactly as the same input materialized first', () => {
    // sort() evaluates its argument whole (and keeps its order in a range query), so the
    // aggregation then folds a materialized vector: same members, same order, same arithmetic.
    for (const op of ['sum', 'avg', 'min', 'max', 'count', 'group', 'stddev', 'stdvar']) {
      for (const inner of [
        'rate(req_total[5m])',
        'temp',
        'delta(temp[5m])',
        '60 * rate(req_total[5m])',
        'temp > 20',
      ]) {
        const streamed = range(memory, `${op} by (instance) (${inner})`);
        const materialized = range(memory, `${op} by (instance) (sort(${inner}))`);
        assert.deepEqual(streamed, materialized, `${op}(${inner})`);
      }
    }
  });

  it('sums per-series rates in label order, bit for bit', () => {
    const perSeries = range(memory, 'rate(req_total[5m])');
    const summed = range(memory, 'sum(rate(req_total[5m])) by (route)');
    assert.ok(perSeries.resultType === 'matrix' && summed.resultType === 'matrix');
    const byRoute = new Map<string, Map<number, number>>();
    for (const s of perSeries.result) {
      const m = byRoute.get(s.metric.route) ?? new Map<number, number>();
      byRoute.set(s.metric.route, m);
      for (let i = 0; i < s.timestamps.length; i++) {
        const t = s.timestamps[i];
        m.set(t, (m.get(t) ?? 0) + s.values[i]);
      }
    }
    assert.equal(summed.result.length, 5);
    for (const s of summed.result) {
      const expected = byRoute.get(s.metric.route)!;
      const times = [...expected.keys()].sort((a, b) => a - b);
      assert.deepEqual(s.timestamps, times);
      assert.deepEqual(
        s.values,
        times.map((t) => expected.get(t)),
      );
    }
  });

  it('counts raw points of a range selector against max-samples only while their series is in use', () => {
    const at = T0 + 7200_000;
    // 40 series of ~480 points: each fits under 1,000, all of them together do not.
    const summed = evaluateInstant(memory, 'sum(count_over_time(req_total[2h]))', at, { maxSamples: 1000 });
    assert.ok(summed.resultType === 'vector' && summed.result[0].v > 1000);
    // A matrix result keeps every point.
    assert.throws(
      () => evaluateInstant(memory, 'req_total[2h]', at, { maxSamples: 1000 }),
      /too many samples/,
    );
    assert.throws(
      () => evaluateInstant(memory, 'count_over_time(req_total[2h])', at, { maxSamples: 400 }),
      /too many samples/,
    );
  });

  it('still refuses two series that are equal once the name is dropped', () => {
    const s = new MemorySource();
    s.add({ __name__: 'a', job: 'x' }, T0, 1);
    s.add({ __name__: 'a', job: 'x' }, T0 + 60_000, 2);
    s.add({ __name__: 'b', job: 'x' }, T0, 1);
    s.add({ __name__: 'b', job: 'x' }, T0 + 60_000, 3);
    assert.throws(() => evaluateInstant(s, 'sum(rate({job="x"}[5m]))', T0 + 60_000), /same labelset/);
    assert.throws(() => evaluateInstant(s, 'sum(rate({job="x"}[5m:15s]))', T0 + 60_000), /same labelset/);
    assert.throws(() => evaluateInstant(s, 'sum({job="x"} * 2)', T0 + 60_000), /same labelset/);
    assert.throws(() => evaluateInstant(s, 'count({job="x"} > bool 0)', T0 + 60_000), /same labelset/);
    const count = evaluateInstant(s, 'count({job="x"} > 0)', T0 + 60_000);
    assert.deepEqual(count, { resultType: 'vector', result: [{ metric: {}, t: T0 + 60_000, v: 2 }] });
    const r = evaluateInstant(s, 'sum(last_over_time({job="x"}[5m]))', T0 + 60_000);
    assert.deepEqual(r, { resultType: 'vector', result: [{ metric: {}, t: T0 + 60_000, v: 5 }] });
  });
});

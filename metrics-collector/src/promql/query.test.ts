import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PromQLError } from './errors.js';
import { MemorySource } from './memory-source.js';
import { type PAUSE, runWhole } from './eval/values.js';
import { evaluateInstant, evaluateRange, instantEvaluation, rangeEvaluation } from './query.js';

function source() {
  const s = new MemorySource();
  for (let t = 0; t <= 600_000; t += 15_000) {
    s.add({ __name__: 'a', job: 'x' }, t, t / 1000);
    s.add({ __name__: 'b', job: 'x' }, t, 1);
  }
  return s;
}

const errorType = (f: () => unknown, type: string, message?: RegExp) =>
  assert.throws(
    f,
    (e) => e instanceof PromQLError && e.errorType === type && (!message || message.test(e.message)),
  );

describe('evaluateInstant() / evaluateRange()', () => {
  it('uses a 5 m lookback and honours staleness markers', () => {
    const s = new MemorySource();
    s.add({ __name__: 'up' }, 0, 1);
    s.add({ __name__: 'gone' }, 0, 1);
    s.addStaleMarker({ __name__: 'gone' }, 30_000);
    const at = (q: string, t: number) => {
      const r = evaluateInstant(s, q, t);
      return r.resultType === 'vector' ? r.result.length : -1;
    };
    assert.equal(at('up', 300_000), 1);
    assert.equal(at('up', 300_001), 0);
    assert.equal(at('gone', 29_999), 1);
    assert.equal(at('gone', 30_000), 0);
    assert.equal(at('count_over_time(gone[1m])', 60_000), 1);
  });

  it('evaluates range queries at start + k·step and returns scalars as a label-less matrix', () => {
    const r = evaluateRange(source(), '1', 1000, 3500, 1000);
    assert.deepEqual(r, {
      resultType: 'matrix',
      result: [{ metric: {}, timestamps: [1000, 2000, 3000], values: [1, 1, 1] }],
    });
  });

  it('refuses more than 11,000 points, a non-positive step and a range vector', () => {
    errorType(() => evaluateRange(source(), 'a', 0, 11_001_000, 1000), 'bad_data', /11,000 points/);
    errorType(() => evaluateRange(source(), 'a', 0, 10, 0), 'bad_data', /zero or negative/);
    errorType(
      () => evaluateRange(source(), 'a[5m]', 0, 10, 1),
      'bad_data',
      /invalid expression type "range vector"/,
    );
  });

  it('times out with errorType timeout', () => {
    let now = 0;
    const clock = () => {
      now += 1000;
      return now;
    };
    errorType(
      () => evaluateInstant(source(), 'sum(a) + sum(b)', 600_000, { timeoutMs: 1500, now: clock }),
      'timeout',
    );
  });

  it('refuses two series with the same labels after dropping the name', () => {
    errorType(() => evaluateInstant(source(), 'rate({job="x"}[5m])', 600_000), 'execution', /same labelset/);
    errorType(() => evaluateInstant(source(), 'abs({job="x"})', 600_000), 'execution', /same labelset/);
  });

  it('drops __name__ where Prometheus does', () => {
    const names = (q: string) => {
      const r = evaluateInstant(source(), q, 600_000);
      return r.resultType === 'vector' ? r.result.map((x) => x.metric.__name__ ?? null) : [];
    };
    assert.deepEqual(names('a'), ['a']);
    assert.deepEqual(names('a > 1'), ['a']);
    assert.deepEqual(names('a > bool 1'), [null]);
    assert.deepEqual(names('a * 2'), [null]);
    assert.deepEqual(names('-a'), [null]);
    assert.deepEqual(names('last_over_time(a[1m])'), ['a']);
    assert.deepEqual(names('max_over_time(a[1m])'), [null]);
    assert.deepEqual(names('sort(a)'), ['a']);
    assert.deepEqual(names('ceil(a)'), [null]);
    assert.deepEqual(names('a and b'), ['a']);
    assert.deepEqual(names('topk(1, a)'), ['a']);
  });

  it('checks the timeout inside a long evaluation of one series', () => {
    // 600,000 subquery steps of one series: a clock read per node or per series never reaches
    // the deadline; reads inside the step loop do.
    let now = 0;
    const clock = () => ++now;
    errorType(
      () =>
        evaluateInstant(source(), 'max_over_time(rate(a[5m])[10m:1ms])', 600_000, {
          timeoutMs: 50,
          now: clock,
        }),
      'timeout',
    );
  });

  it("counts a subquery's points as they are produced, before the next series is read", () => {
    let read = 0;
    class Counting extends MemorySource {
      override *stream(...args: Parameters<MemorySource['stream']>) {
        for (const x of super.stream(...args)) {
          read++;
          yield x;
        }
      }
    }
    const counting = new Counting();
    for (let t = 0; t <= 600_000; t += 15_000)
      for (const i of ['1', '2', '3']) counting.add({ __name__: 'c', i }, t, t);
    // ~600,000 points per series, evaluated in blocks of 65,536 steps (3 series read per block):
    // 1,000,000 is passed in the 6th of 10 blocks, the later ones are never read.
    errorType(
      () => evaluateInstant(counting, 'rate(c[5m])[10m:1ms]', 600_000, { maxSamples: 1_000_000 }),
      'execution',
      /too many samples/,
    );
    assert.equal(read, 16);
  });

  it("releases an aggregation's input once aggregated, as Prometheus' rangeEval", () => {
    const s = new MemorySource();
    for (let t = 0; t <= 600_000; t += 15_000)
      for (const i of ['1', '2', '3']) s.add({ __name__: 'c', i }, t, t);
    // One sum's input is ~1,760 points (3 series x ~586 steps), its output ~586.
    errorType(
      () => evaluateRange(s, 'sum(rate(c[5m]))', 0, 600_000, 1000, { maxSamples: 1500 }),
      'execution',
      /too many samples/,
    );
    const r = evaluateRange(s, 'sum(rate(c[5m])) + sum(rate(c[5m]))', 0, 600_000, 1000, { maxSamples: 2600 });
    assert.equal(r.result.length, 1);
  });

  it('counts a vector selector by the points it has, as Prometheus, not by its steps', () => {
    const s = new MemorySource();
    s.add({ __name__: 'x', i: '1' }, 0, 1);
    s.add({ __name__: 'x', i: '1' }, 600_000, 1);
    // Selected (within the lookback of the range), but no step sees it: 0 points.
    s.add({ __name__: 'x', i: '2' }, 100_000, 1);
    // Two steps with one point each, one series with a single point: 3 points.
    s.add({ __name__: 'x', i: '3' }, 600_000, 1);
    const r = evaluateRange(s, 'x', 0, 600_000, 600_000, { maxSamples: 3 });
    assert.equal(r.result.length, 2);
    errorType(() => evaluateRange(s, 'x', 0, 600_000, 600_000, { maxSamples: 2 }), 'execution');
  });

  it("releases a subquery's points once the function over it is done, as Prometheus", () => {
    // Each side: 601 subquery points, its call's window over them (601, counted again as
    // Prometheus' matrixIterSlice does), then 1 output point. Prometheus frees a side's subquery
    // points when its call returns (peak 1 + 601 + 601 + 1 = 1,204); holding them made both
    // sides count (1,805). test/promql-subquery-oracle.test.ts checks these rules on Prometheus.
    const q = 'max_over_time(a[10m:1s]) + max_over_time(b[10m:1s])';
    const r = evaluateInstant(source(), q, 600_000, { maxSamples: 1204 });
    assert.equal(r.resultType === 'vector' && r.result.length, 1);
    errorType(() => evaluateInstant(source(), q, 600_000, { maxSamples: 1203 }), 'execution');
  });

  it('counts a subquery by the points its inner expression produces, as Prometheus, not by its steps', () => {
    const s = new MemorySource();
    // Sparse: one sample, seen by the 1 ms steps of its 5 m lookback that fall in the range.
    s.add({ __name__: 'sparse' }, 3_600_000, 5);
    const opts = { maxSamples: 1000, lookbackMs: 100 };
    // 86,400,000 steps: more than max-samples, but no point (no data) or 101 points (sparse).
    assert.deepEqual(evaluateInstant(s, 'nonexistent[1d:1ms]', 86_400_000, opts), {
      resultType: 'matrix',
      result: [],
    });
    assert.deepEqual(evaluateInstant(s, 'max_over_time(nonexistent[1d:1ms])', 86_400_000, opts), {
      resultType: 'vector',
      result: [],
    });
    const r = evaluateInstant(s, 'count_over_time(sparse[1d:1ms])', 86_400_000, opts);
    assert.deepEqual(r, {
      resultType: 'vector',
      result: [{ metric: {}, t: 86_400_000, v: 101 }],
    });
    // Dense: 'b' has a value at every step (15 s samples, 5 m lookback): 1,001 points.
    errorType(() => evaluateInstant(source(), 'b[1s:1ms]', 600_000, { maxSamples: 1000 }), 'execution');
    const ok = evaluateInstant(source(), 'b[1s:1ms]', 600_000, { maxSamples: 1001 });
    assert.equal(ok.resultType === 'matrix' && ok.result[0].timestamps.length, 1001);
  });

  it("keeps a subquery's points across its blocks of steps, dense or sparse", () => {
    const s = new MemorySource();
    s.add({ __name__: 'm' }, 0, 1);
    s.add({ __name__: 'm' }, 100_000, 2);
    // 100 s lookback, 1 ms steps 0..240,000: a value at steps 0..200,000. In blocks of 65,536
    // steps: three full ones (kept as step arrays), then 3,393 of 43,393 (kept as points).
    const opts = { lookbackMs: 100_000, maxSamples: 200_001 };
    const r = evaluateInstant(s, 'm[4m:1ms]', 240_000, opts);
    assert.ok(r.resultType === 'matrix');
    const { timestamps, values } = r.result[0];
    assert.equal(timestamps.length, 200_001);
    assert.ok(timestamps.every((t, i) => t === i));
    assert.ok(values.every((v, i) => v === (i < 100_000 ? 1 : 2)));
    errorType(() => evaluateInstant(s, 'm[4m:1ms]', 240_000, { ...opts, maxSamples: 200_000 }), 'execution');
  });

  it('limits the samples a query may load', () => {
    errorType(
      () => evaluateRange(source(), 'a', 0, 600_000, 1000, { maxSamples: 100 }),
      'execution',
      /too many samples/,
    );
    // A fine subquery is refused by the points it produces (every step of vector(1) has one).
    errorType(
      () => evaluateInstant(source(), 'max_over_time(vector(1)[30d:1ms])', 600_000, { maxSamples: 100_000 }),
      'execution',
      /too many samples/,
    );
  });
});

describe('evaluation in slices', () => {
  // 2,100 series a side: vector-vector operators pause inside their loops over series too (every
  // 1,024 series).
  const big = new MemorySource();
  for (let i = 0; i < 2100; i++) {
    for (let t = 0; t <= 120_000; t += 30_000) {
      big.add({ __name__: 'a', i: String(i), g: String(i % 7) }, t, i + t / 1000);
      if (i % 3 !== 0) big.add({ __name__: 'b', i: String(i), g: String(i % 7) }, t, 1 + (i % 5));
    }
  }
  const queries = [
    'a / b',
    'a > bool on(i) b',
    'a * on(i) group_left(g) b',
    'a and b',
    'a unless b',
    'a or b',
    'sum by (g) (rate(a[1m])) / sum by (g) (b)',
    'topk(3, a - b)',
  ];
  for (const q of queries) {
    it(`pausing wherever it may answers as the whole evaluation: ${q}`, () => {
      let pauses = 0;
      const everyChance = { slice: { due: () => true } };
      const count = <T>(e: Generator<typeof PAUSE, T, undefined>) =>
        runWhole(
          (function* () {
            for (;;) {
              const r = e.next();
              if (r.done) return r.value;
              pauses++;
              yield r.value;
            }
          })(),
        );
      assert.deepEqual(
        count(instantEvaluation(big, q, 120_000, everyChance)),
        evaluateInstant(big, q, 120_000),
      );
      assert.deepEqual(
        count(rangeEvaluation(big, q, 30_000, 120_000, 30_000, everyChance)),
        evaluateRange(big, q, 30_000, 120_000, 30_000),
      );
      assert.ok(pauses > 4000, `${pauses} pauses`);
    });
  }
});

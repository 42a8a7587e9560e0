import assert from 'node:assert/strict';
import test from 'node:test';
import { compileMatchers } from '../promql/matchers.js';
import type { Labels } from '../promql/sample-source.js';
import { ExemplarStore } from './exemplar-store.js';

const all = () => true;
const series =
  (name: string, extra: Labels = {}) =>
  () => ({ __name__: name, ...extra });
const ex = (trace: string, value: number, timestampMs: number) => ({
  labels: { trace_id: trace },
  value,
  timestampMs,
});

test('ExemplarStore keeps exemplars per series, oldest first, and selects by matchers and time', () => {
  const s = new ExemplarStore(10);
  assert.equal(s.add(1, series('a_bucket', { le: '0.1' }), ex('t1', 0.05, 1000)), 'added');
  assert.equal(s.add(1, series('a_bucket', { le: '0.1' }), ex('t2', 0.07, 2000)), 'added');
  assert.equal(s.add(2, series('b_total'), ex('t3', 1, 1500)), 'added');
  const a = compileMatchers([{ name: '__name__', type: '=', value: 'a_bucket' }]);
  assert.deepEqual(s.select([a], 0, 10_000), [
    {
      seriesLabels: { __name__: 'a_bucket', le: '0.1' },
      exemplars: [ex('t1', 0.05, 1000), ex('t2', 0.07, 2000)],
    },
  ]);
  assert.deepEqual(
    s.select([all], 1500, 1500).map((r) => r.seriesLabels.__name__),
    ['b_total'],
  );
  // Series without an exemplar in range are left out; results sorted by labels.
  assert.deepEqual(
    s.select([all], 0, 10_000).map((r) => r.seriesLabels.__name__),
    ['a_bucket', 'b_total'],
  );
  assert.deepEqual(s.select([all], 3000, 4000), []);
  assert.equal(s.size, 3);
});

test('ExemplarStore overwrites the oldest exemplar of all series once full', () => {
  const s = new ExemplarStore(3);
  s.add('x', series('x'), ex('x1', 1, 1));
  s.add('y', series('y'), ex('y1', 1, 2));
  s.add('x', series('x'), ex('x2', 1, 3));
  s.add('x', series('x'), ex('x3', 1, 4)); // evicts x1
  assert.equal(s.size, 3);
  s.add('z', series('z'), ex('z1', 1, 5)); // evicts y1: series y disappears
  const got = s.select([all], 0, 100);
  assert.deepEqual(
    got.map((r) => [r.seriesLabels.__name__, r.exemplars.map((e) => e.labels.trace_id)]),
    [
      ['x', ['x2', 'x3']],
      ['z', ['z1']],
    ],
  );
  // Many more than the capacity: the store stays bounded and keeps the newest.
  for (let i = 0; i < 1000; i++) s.add(i % 7, series(`m${i % 7}`), ex(`t${i}`, i, 100 + i));
  assert.equal(s.size, 3);
  const newest = s
    .select([all], 0, 10_000)
    .flatMap((r) => r.exemplars.map((e) => e.labels.trace_id))
    .sort();
  assert.deepEqual(newest, ['t997', 't998', 't999']);
});

test('ExemplarStore drops duplicates, out-of-order and over-long exemplars like Prometheus', () => {
  const s = new ExemplarStore(10);
  assert.equal(s.add(1, series('a'), ex('t1', 1, 1000)), 'added');
  assert.equal(s.add(1, series('a'), ex('t1', 1, 1000)), 'duplicate');
  assert.equal(s.add(1, series('a'), ex('t2', 1, 1000)), 'out_of_order');
  assert.equal(s.add(1, series('a'), ex('t2', 1, 999)), 'out_of_order');
  assert.equal(
    s.add(1, series('a'), { labels: { trace_id: 'x'.repeat(121) }, value: 1, timestampMs: 2000 }),
    'too_long',
  );
  assert.equal(
    s.add(1, series('a'), { labels: { trace_id: 'x'.repeat(120) }, value: 1, timestampMs: 2000 }),
    'added',
  );
  assert.deepEqual(s.stats, { added: 2, duplicates: 1, outOfOrder: 2, tooLong: 1 });
  assert.equal(new ExemplarStore(0).add(1, series('a'), ex('t', 1, 1)), 'disabled');
});

test('ExemplarStore copies the exemplar labels it keeps and asks for series labels once', () => {
  const s = new ExemplarStore(4);
  let asked = 0;
  const labels = () => {
    asked++;
    return { __name__: 'a' };
  };
  const e = ex('t1', 1, 1);
  s.add(1, labels, e);
  e.labels.trace_id = 'changed';
  s.add(1, labels, ex('t2', 1, 2));
  assert.equal(asked, 1);
  assert.equal(s.select([all], 0, 10)[0].exemplars[0].labels.trace_id, 't1');
});

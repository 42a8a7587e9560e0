import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseStatsdDatagram } from '../ingest/statsd.js';
import { StatsdAggregator } from './statsd-aggregator.js';

/** Aggregates the lines and returns `name{labels} → value` of one flush plus the drop counts. */
function aggregate(...lines: string[]) {
  const agg = new StatsdAggregator();
  agg.add(parseStatsdDatagram(lines.join('\n')).metrics, 0);
  const values: Record<string, number> = {};
  for (const s of agg.flush(1000)) {
    const [[, name], ...labels] = s.labels;
    values[`${name}{${labels.map(([k, v]) => `${k}=${v}`).join(',')}}`] = s.v;
  }
  return { values, negativeCounters: agg.negativeCounters, typeConflicts: agg.typeConflicts };
}

test('StatsdAggregator keeps a counter monotonic: negative increments are dropped and counted', () => {
  const check = (lines: string[], values: Record<string, number>, negativeCounters: number) =>
    assert.deepEqual(aggregate(...lines), { values, negativeCounters, typeConflicts: 0 }, lines.join(' '));
  check(['a:2|c', 'a:-1|c', 'a:1|c'], { 'a{}': 3 }, 1);
  check(['a:-2|c'], {}, 1); // no series for a counter that only went down
  check(['a:1:-1:2|c'], { 'a{}': 3 }, 1); // DogStatsD packed values: only the negative one goes
  check(['a:-1|c|@0.5', 'a:1|c|@0.5'], { 'a{}': 2 }, 1);
  check(['a:0|c'], { 'a{}': 0 }, 0);
  check(['g:-1|g'], { 'g{}': -1 }, 0); // a gauge may go down
});

test('StatsdAggregator gives a name one type: the first keeps it, a line of another type is dropped and counted', () => {
  const check = (lines: string[], values: Record<string, number>, typeConflicts: number) =>
    assert.deepEqual(aggregate(...lines), { values, negativeCounters: 0, typeConflicts }, lines.join(' '));
  check(['x:1|c', 'x:5|g'], { 'x{}': 1 }, 1);
  check(['x:5|g', 'x:1|c|#env:prod'], { 'x{}': 5 }, 1); // by name, whatever the tags
  check(['x:1|c', 'x:u1|s'], { 'x{}': 1 }, 1);
  check(['t_count:1|c', 't:0.2|h'], { 't_count{}': 1 }, 1); // the timer would write t_count too
  const timer = aggregate('t:500|ms', 't:1|h', 't:2|d'); // ms, h and d are all one histogram
  assert.equal(timer.typeConflicts, 0);
  assert.equal(timer.values['t_count{}'], 3);
  assert.equal(timer.values['t_sum{}'], 3.5);
  assert.equal(timer.values['t_bucket{le=0.5}'], 1);
});

test('StatsdAggregator ends an entry idle for the TTL, never one updated since the last flush', () => {
  const agg = new StatsdAggregator(5_000); // a TTL shorter than the flush interval
  const flush = (t: number) => agg.flush(t).map((s) => `${s.labels[0][1]}=${s.v}${s.stale ? ' stale' : ''}`);
  agg.add(parseStatsdDatagram('a:1|c\nb:2|g').metrics, 1_000);
  assert.deepEqual(flush(10_000), ['a=1', 'b=2']); // updated 9 s ago, but in this interval
  agg.flushWritten();
  agg.add(parseStatsdDatagram('a:1|c').metrics, 12_000);
  assert.deepEqual(flush(20_000), ['a=2', 'b=2 stale']);
  agg.flushWritten();
  assert.deepEqual(flush(30_000), ['a=2 stale']);
  agg.flushWritten();
  assert.deepEqual(flush(40_000), []);
  assert.equal(agg.expired, 2);
  const forever = new StatsdAggregator(0);
  forever.add(parseStatsdDatagram('a:1|c').metrics, 0);
  assert.deepEqual(
    forever.flush(1e12).map((s) => s.stale),
    [undefined],
  );
});

// A retention pass in slices (RetentionJob.pass): many series leaving at once are sealed,
// checkpointed, rolled up, evicted and removed a bounded batch per slice, and between any two
// slices queries answer every series with its data and samples appended meanwhile are kept
// (in memory, and after a restart). Real SQLite file; each slice is one step of the generator.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compressSync } from 'snappy';
import { encodeWriteRequest } from '../src/ingest/remote-write-encode.js';
import { evaluateInstant } from '../src/promql/query.js';
import { parseRetention, RetentionJob } from '../src/store/retention.js';
import { openStore } from './store-helpers.js';

const HOUR = 3_600_000;
const T0 = 1_764_000_000_000 - (1_764_000_000_000 % HOUR);
const SERIES = 1200;
const SLICES = { sealSeries: 300, rollUpSeries: 50, visitSeries: 200, evictSeries: 250, removeSeries: 100 };

function labelsOf(i: number): [string, string][] {
  return [
    ['__name__', 'leaving'],
    ['pod', `p${String(i).padStart(5, '0')}`],
  ];
}

/** Per series: its last value answered by a query over the whole range (raw or rolled up). */
function lastValues(s: ReturnType<typeof openStore>, now: number, name = 'leaving'): Map<string, number> {
  const r = evaluateInstant(s.source, `last_over_time(${name}[6h])`, now);
  assert.equal(r.resultType, 'vector');
  return new Map(r.result.map((x) => [x.metric.pod, x.v]));
}

test('a pass evicting 1,200 series works in bounded slices; queries and appends go on between them', async () => {
  let now = T0;
  const s = openStore(undefined, { clock: () => now, fsync: false });
  for (let m = 0; m < 60; m += 10) {
    const rw = Array.from({ length: SERIES }, (_, i) => ({
      labels: labelsOf(i),
      timestamps: [T0 + m * 60_000],
      values: [i * 100 + m],
    }));
    await s.store.appendRemoteWrite(compressSync(Buffer.from(encodeWriteRequest(rw))));
  }
  s.store.checkpoint();
  now = T0 + 3 * HOUR; // the samples are 2 h+ old: past raw=2h, every series leaves
  const expected = lastValues(s, now);
  assert.equal(expected.size, SERIES);

  const job = new RetentionJob(s.store, parseRetention('raw=2h'), { slices: SLICES });
  const pass = job.pass(now);
  const watermarks = () =>
    (s.store.db.prepare('SELECT count(*) AS n FROM rollup_watermarks').get() as { n: number }).n;
  let slices = 0;
  let result: ReturnType<RetentionJob['run']> | undefined;
  const appended = new Map<string, number>();
  for (;;) {
    const rolledBefore = watermarks();
    const inMemoryBefore = s.store.index.size;
    const step = pass.next();
    slices++;
    // Bounded work per slice.
    assert.ok(watermarks() - rolledBefore <= SLICES.rollUpSeries, `slice ${slices} rolled up too many`);
    assert.ok(inMemoryBefore - s.store.index.size <= SLICES.evictSeries, `slice ${slices} evicted too many`);
    if (step.done) {
      result = step.value;
      break;
    }
    // Between slices: every series answers, with the value it had or the one appended since.
    const got = lastValues(s, now);
    assert.equal(got.size, SERIES, `slice ${slices}: ${got.size} series answered`);
    for (const [pod, v] of expected)
      assert.equal(got.get(pod), appended.get(pod) ?? v, `slice ${slices} ${pod}`);
    // Now and then a sample for a series the pass is handling, or has handled (evicted: revived).
    if (slices % 7 === 3) {
      const i = (slices * 37) % SERIES;
      const v = 1_000_000 + slices;
      await s.store.appendSamples([{ labels: labelsOf(i), t: now - 60_000, v }]);
      appended.set(labelsOf(i)[1][1], v);
    }
  }
  assert.ok(slices > SERIES / SLICES.rollUpSeries, `${slices} slices`);
  assert.equal(result.seriesEvicted, SERIES - appended.size);
  assert.equal(s.store.index.size, appended.size, 'the series appended to during the pass stay in memory');
  const after = lastValues(s, now);
  for (const [pod, v] of expected) assert.equal(after.get(pod), appended.get(pod) ?? v, pod);

  // Nothing lost across a restart either.
  const dir = s.dir;
  await s.close();
  const reopened = openStore(dir, { clock: () => now, fsync: false });
  const restarted = lastValues(reopened, now);
  assert.equal(restarted.size, SERIES);
  for (const [pod, v] of expected) assert.equal(restarted.get(pod), appended.get(pod) ?? v, pod);
  await reopened.close();
});

test('series gone for good leave SQLite a batch per slice; one pushed again meanwhile stays with its samples', async () => {
  let now = T0;
  const s = openStore(undefined, { clock: () => now, fsync: false });
  const n = 450;
  await s.store.appendSamples(
    Array.from({ length: n }, (_, i) => ({ labels: labelsOf(i), t: T0, v: i, ttlMs: HOUR })),
  );
  s.store.checkpoint();
  now = T0 + 2 * HOUR; // every TTL has passed
  const rows = () =>
    (s.store.db.prepare('SELECT count(*) AS n FROM rollup_watermarks').get() as { n: number }).n;
  const job = new RetentionJob(s.store, parseRetention('raw=1d'), { slices: SLICES });
  const pass = job.pass(now);
  let step = pass.next();
  // Run to the first removal batch: the series have left memory.
  while (!step.done && s.store.index.size > 0) step = pass.next();
  assert.equal(s.store.index.size, 0);
  // Pushed again before its batch is removed (the last pod, in the last batch): it comes back with
  // its stored sample and its new one, and is not removed.
  const last = labelsOf(n - 1);
  await s.store.appendSamples([{ labels: last, t: now - 60_000, v: 42 }]);
  let removedSlices = 0;
  while (!step.done) {
    step = pass.next();
    removedSlices++;
  }
  assert.equal(step.value.seriesRemoved, n - 1);
  assert.ok(removedSlices >= Math.ceil(n / SLICES.removeSeries), `${removedSlices} slices`);
  assert.equal(rows(), 0);
  const r = s.source.select([{ name: 'pod', type: '=', value: last[1][1] }], T0 - HOUR, now);
  assert.equal(r.length, 1);
  assert.deepEqual(r[0].values, [n - 1, 42]);
  assert.equal(
    s.source.series([[{ name: '__name__', type: '=', value: 'leaving' }]], T0 - HOUR, now).length,
    1,
  );
  await s.close();
});

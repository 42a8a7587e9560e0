// Series lifecycle (series-expiry.ts): series whose TTL passed or whose newest sample left raw
// retention leave memory at the retention pass; their rollups stay queryable, their chunks still
// expire, and a new sample with the same labels revives the same series.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compressSync } from 'snappy';
import { encodeWriteRequest } from '../src/ingest/remote-write-encode.js';
import type { LabelMatcher } from '../src/promql/sample-source.js';
import type { PlainSample } from '../src/store/metrics-store.js';
import { parseRetention, RetentionJob } from '../src/store/retention.js';
import { storedSeriesRows } from '../src/store/store-load.js';
import { openStore } from './store-helpers.js';

const HOUR = 3_600_000;
const T0 = 1_764_000_000_000 - (1_764_000_000_000 % HOUR);
const name = (v: string): LabelMatcher => ({ name: '__name__', type: '=', value: v });

function memoryFigures(s: ReturnType<typeof openStore>) {
  const { index, heads } = s.store;
  let postings = 0;
  for (const values of index.postings.values()) postings += values.size;
  return {
    series: index.size,
    heads: [...heads.ids()].length,
    headSlots: heads.slotCount,
    postings,
    rawKeys: index.rawKeyCount,
    rawKeyBytes: index.rawKeyBytes,
    metrics: index.perMetric.size,
    labelPairs: s.store.labelPairs.size,
  };
}

test('memory stays bounded under series churn: pods come and go, each for an hour, for 30 rounds', async () => {
  let now = T0;
  const s = openStore(undefined, { clock: () => now, fsync: false });
  const job = new RetentionJob(s.store, parseRetention('raw=2h'));
  const figures: ReturnType<typeof memoryFigures>[] = [];
  for (let round = 0; round < 30; round++) {
    // 50 remote_write series and 50 pushed ones per round, each with a pod label of its round, one
    // sample every 5 minutes for an hour; the pushed ones carry a 30 minute TTL.
    const pod = (i: number) => `pod-${String(round).padStart(3, '0')}-${i}`;
    for (let m = 0; m < 60; m += 5) {
      const t = now + m * 60_000;
      const rw = Array.from({ length: 50 }, (_, i) => ({
        labels: [
          ['__name__', `rw_metric_${i % 5}`],
          ['pod', pod(i)],
        ] as [string, string][],
        timestamps: [t],
        values: [m + i],
      }));
      await s.store.appendRemoteWrite(compressSync(Buffer.from(encodeWriteRequest(rw))));
      const pushed: PlainSample[] = Array.from({ length: 50 }, (_, i) => ({
        labels: [
          ['__name__', 'job_last_success'],
          ['pod', pod(i)],
        ],
        t,
        v: m,
        ttlMs: 30 * 60_000,
      }));
      await s.store.appendSamples(pushed);
    }
    now += HOUR;
    s.store.checkpoint();
    job.run(now);
    figures.push(memoryFigures(s));
  }
  // Without eviction every figure grows with the rounds (3,000 series after 30).
  const first = figures[4];
  const last = figures[figures.length - 1];
  assert.deepEqual(last, first, JSON.stringify({ first, last }));
  assert.ok(last.series <= 3 * 100, `${last.series} series in memory`);
  // The data of the last rounds is all there; the older rounds' raw data left with retention.
  const live = s.source.series([[name('rw_metric_0')]], now - HOUR, now);
  assert.equal(live.length, 10);
  // The first round's series left memory long ago; their rollups still answer for their hour.
  const first10 = s.source.series([[name('rw_metric_0')]], T0, T0 + HOUR - 1);
  assert.deepEqual(
    first10.map((l) => l.pod),
    [0, 5, 10, 15, 20, 25, 30, 35, 40, 45].map((i) => `pod-000-${i}`),
  );
  const [pod0] = s.source.select(
    [name('rw_metric_0'), { name: 'pod', type: '=', value: 'pod-000-0' }],
    T0,
    T0 + HOUR,
  );
  assert.deepEqual(pod0.values, [0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55]);
  // Without a matcher to narrow by (every evicted row is looked at): the first round's pods.
  const pods = s.source.labelValues('pod', [], T0, T0 + HOUR - 1);
  assert.equal(pods.length, 50);
  assert.ok(pods.every((p) => p.startsWith('pod-000-')));
  // Pushed series past their TTL are not returned, even over the period they were pushed in.
  assert.deepEqual(s.source.series([[name('job_last_success')]], T0, T0 + HOUR - 1), []);
  await s.close();
});

test('a pushed series past its TTL is no longer listed or returned, leaves memory and SQLite, and comes back as a new series when pushed again', async () => {
  let now = T0;
  const s = openStore(undefined, { clock: () => now });
  const job = new RetentionJob(s.store, parseRetention('raw=1d'));
  const push = (v: number, ttlMs?: number) =>
    s.store.appendSamples([
      {
        labels: [
          ['__name__', 'batch_done'],
          ['run', 'nightly'],
        ],
        t: now,
        v,
        ttlMs,
      },
    ]);
  await push(1, 10 * 60_000);
  await s.store.appendSamples([{ labels: [['__name__', 'kept']], t: now, v: 1 }]);
  const listed = () => ({
    series: s.source.series([[name('batch_done')]], T0 - HOUR, now + HOUR).length,
    names: s.source.labelNames([], T0 - HOUR, now + HOUR),
    runs: s.source.labelValues('run', [], T0 - HOUR, now + HOUR),
  });
  assert.deepEqual(listed(), { series: 1, names: ['__name__', 'run'], runs: ['nightly'] });
  const id = s.store.index.findByKey([
    ['__name__', 'batch_done'],
    ['run', 'nightly'],
  ]);
  assert.ok(id !== undefined);
  now += 11 * 60_000;
  assert.deepEqual(listed(), { series: 0, names: ['__name__'], runs: [] });
  assert.deepEqual(s.source.select([name('batch_done')], T0 - HOUR, now), []);
  s.store.checkpoint();
  assert.deepEqual(job.run(now), { chunksExpired: 0, seriesEvicted: 1, seriesRemoved: 1 });
  assert.equal(s.store.index.byId[id], undefined);
  assert.equal(s.store.heads.has(id), false);
  assert.equal(s.store.index.postings.get('run'), undefined);
  assert.deepEqual(listed(), { series: 0, names: ['__name__'], runs: [] });
  // Only kept's row is left in SQLite, and only its label pair.
  assert.deepEqual(
    [...storedSeriesRows(s.store)].map((r) => r.id),
    [s.store.index.findByKey([['__name__', 'kept']])],
  );
  const pairs = s.store.db.prepare('SELECT name, value FROM label_pairs').all();
  assert.deepEqual(pairs, [{ name: '__name__', value: 'kept' }]);
  // Pushed again: a new series (its row was removed with its samples), the earlier sample gone.
  await push(2, 10 * 60_000);
  assert.notEqual(
    s.store.index.findByKey([
      ['__name__', 'batch_done'],
      ['run', 'nightly'],
    ]),
    id,
  );
  const [back] = s.source.select([name('batch_done')], T0 - HOUR, now);
  assert.deepEqual(back.values, [2]);
  assert.deepEqual(back.timestamps, [now]);
  s.store.checkpoint();
  assert.deepEqual(listed(), { series: 1, names: ['__name__', 'run'], runs: ['nightly'] });
  await s.close();
});

test('an evicted series stays queryable from its rollups over an old range, and a new sample revives it', async () => {
  let now = T0;
  const s = openStore(undefined, { clock: () => now });
  const job = new RetentionJob(s.store, parseRetention('raw=2h'));
  const labels: [string, string][] = [
    ['__name__', 'old_counter'],
    ['pod', 'a'],
  ];
  // Two hours of a counter, one sample a minute; it stops, its open chunk is never cut.
  const samples: PlainSample[] = [];
  for (let i = 0; i < 120; i++) samples.push({ labels, t: T0 + i * 60_000, v: i });
  await s.store.appendSamples(samples);
  const id = s.store.index.findByKey(labels)!;
  now = T0 + 5 * HOUR;
  s.store.checkpoint();
  assert.equal(job.run(now).seriesEvicted, 1);
  assert.equal(s.store.index.size, 0);
  // The raw samples were rolled up before they were deleted (the open chunk too): 5 m bucket lasts.
  const [old] = s.source.select([name('old_counter')], T0, T0 + 2 * HOUR);
  assert.deepEqual(old.labels, { __name__: 'old_counter', pod: 'a' });
  assert.equal(old.values.length, 24);
  assert.equal(old.values[23], 119);
  assert.deepEqual(s.source.series([[name('old_counter')]], T0, T0 + HOUR), [old.labels]);
  assert.deepEqual(s.source.labelValues('pod', [], T0, T0 + HOUR), ['a']);
  const [hourly] = s.source.selectRollups([name('old_counter')], HOUR, T0, now);
  assert.deepEqual(hourly.count, [60, 60]);
  // A range after its rolled-up period does not list it.
  assert.deepEqual(s.source.series([[name('old_counter')]], T0 + 3 * HOUR, now), []);
  // The pod comes back: same id, rollups and the new sample in one series.
  await s.store.appendSamples([{ labels, t: now, v: 0 }]);
  assert.equal(s.store.index.findByKey(labels), id);
  const all = s.source.select([name('old_counter')], T0, now);
  assert.equal(all.length, 1);
  assert.equal(all[0].values.length, 25);
  assert.equal(all[0].timestamps[24], now);
  await s.close();
});

test('after a restart a TTL series past its TTL stays out of memory and is removed; pushed again it is a new series', async () => {
  let now = T0;
  const first = openStore(undefined, { clock: () => now });
  await first.store.appendSamples([
    {
      labels: [
        ['__name__', 'gone'],
        ['pod', 'x'],
      ],
      t: now,
      v: 1,
      ttlMs: 60_000,
    },
    {
      labels: [
        ['__name__', 'stays'],
        ['pod', 'y'],
      ],
      t: now,
      v: 1,
    },
  ]);
  const goneId = first.store.index.findByKey([
    ['__name__', 'gone'],
    ['pod', 'x'],
  ])!;
  await first.close();
  now += 2 * 60_000;
  const s = openStore(first.dir, { clock: () => now });
  // The TTL series has a head snapshot (its open chunk): it leaves at the next retention pass.
  assert.equal(s.store.index.size, 2);
  new RetentionJob(s.store, parseRetention('raw=1d')).run(now);
  assert.equal(s.store.index.size, 1);
  await s.close();
  const again = openStore(first.dir, { clock: () => now });
  assert.equal(again.store.index.size, 1);
  assert.equal(again.store.index.byId[goneId], undefined);
  await again.store.appendSamples([
    {
      labels: [
        ['pod', 'x'],
        ['__name__', 'gone'],
      ],
      t: now,
      v: 2,
      ttlMs: 60_000,
    },
  ]);
  // A new series under a new id.
  assert.equal(
    again.store.index.findByKey([
      ['__name__', 'gone'],
      ['pod', 'x'],
    ]),
    goneId + 2,
  );
  const [back] = again.source.select([name('gone')], T0, now);
  assert.deepEqual(back.values, [2]);
  await again.close();
});

test('the chunks of an evicted TTL series leave with its row, before raw retention', async () => {
  let now = T0;
  const s = openStore(undefined, { clock: () => now });
  const job = new RetentionJob(s.store, parseRetention('raw=3h'));
  const samples: PlainSample[] = [];
  for (let i = 0; i < 60; i++)
    samples.push({ labels: [['__name__', 'short_lived']], t: T0 + i * 60_000, v: i, ttlMs: 60_000 });
  await s.store.appendSamples(samples);
  now = T0 + 2 * HOUR;
  s.store.checkpoint();
  assert.deepEqual(job.run(now), { chunksExpired: 0, seriesEvicted: 1, seriesRemoved: 1 });
  const chunks = () => (s.store.db.prepare('SELECT COUNT(*) AS n FROM chunks').get() as { n: number }).n;
  assert.equal(chunks(), 0);
  await s.close();
});

test('a series pushed without a TTL after one with a TTL no longer expires (also after a restart)', async () => {
  let now = T0;
  const first = openStore(undefined, { clock: () => now });
  const labels: [string, string][] = [['__name__', 'worker_up']];
  await first.store.appendSamples([{ labels, t: now, v: 1, ttlMs: 60_000 }]);
  first.store.checkpoint();
  now += 30_000;
  await first.store.appendSamples([{ labels, t: now, v: 2 }]);
  now += 5 * 60_000;
  assert.equal(first.source.series([[name('worker_up')]], T0, now).length, 1);
  new RetentionJob(first.store, parseRetention('raw=1d')).run(now);
  assert.equal(first.store.index.size, 1);
  await first.close();
  const s = openStore(first.dir, { clock: () => now });
  const [back] = s.source.select([name('worker_up')], T0, now);
  assert.deepEqual(back.values, [1, 2]);
  // A TTL on a later push applies again.
  await s.store.appendSamples([{ labels, t: now, v: 3, ttlMs: 60_000 }]);
  now += 2 * 60_000;
  assert.deepEqual(s.source.series([[name('worker_up')]], T0, now), []);
  await s.close();
});

test('a restart indexes only the series with something to serve from memory; rolled-up ones stay readable', async () => {
  let now = T0;
  const first = openStore(undefined, { clock: () => now });
  const samples: PlainSample[] = [];
  for (let i = 0; i < 120; i++) {
    samples.push({
      labels: [
        ['__name__', 'old_gauge'],
        ['pod', 'a'],
      ],
      t: T0 + i * 60_000,
      v: i,
    });
    samples.push({
      labels: [
        ['__name__', 'old_gauge'],
        ['pod', 'b'],
      ],
      t: T0 + i * 60_000,
      v: -i,
    });
  }
  await first.store.appendSamples(samples);
  now = T0 + 5 * HOUR;
  await first.store.appendSamples([{ labels: [['__name__', 'fresh']], t: now, v: 1 }]);
  first.store.checkpoint();
  assert.equal(new RetentionJob(first.store, parseRetention('raw=2h')).run(now).seriesEvicted, 2);
  await first.close();
  const s = openStore(first.dir, { clock: () => now });
  assert.equal(s.store.index.size, 1);
  assert.equal(s.store.heads.slotCount, 1);
  assert.equal(s.store.labelPairs.size, 1);
  assert.deepEqual(s.source.labelValues('pod', [], T0, T0 + HOUR), ['a', 'b']);
  const [a] = s.source.select([name('old_gauge'), { name: 'pod', type: '=', value: 'a' }], T0, now);
  assert.equal(a.values.length, 24);
  await s.store.appendSamples([
    {
      labels: [
        ['__name__', 'old_gauge'],
        ['pod', 'b'],
      ],
      t: now,
      v: 7,
    },
  ]);
  assert.equal(s.store.index.size, 2);
  s.store.checkpoint();
  assert.equal((s.store.db.prepare('SELECT COUNT(*) AS n FROM label_pairs').get() as { n: number }).n, 4);
  const [b] = s.source.select([name('old_gauge'), { name: 'pod', type: '=', value: 'b' }], T0, now);
  assert.equal(b.values.length, 25);
  assert.equal(b.values[24], 7);
  await s.close();
});

test('a sample older than the rolled-up period of an evicted series revives it without hiding its rollups', async () => {
  let now = T0;
  const s = openStore(undefined, { clock: () => now });
  const labels: [string, string][] = [['__name__', 'backfilled']];
  await s.store.appendSamples(Array.from({ length: 120 }, (_, i) => ({ labels, t: T0 + i * 60_000, v: i })));
  now = T0 + 5 * HOUR;
  s.store.checkpoint();
  assert.equal(new RetentionJob(s.store, parseRetention('raw=1h')).run(now).seriesEvicted, 1);
  const read = () => s.source.select([name('backfilled')], T0, now)[0];
  const lasts = read().values; // 24 five-minute bucket lasts: 4, 9, …, 119
  assert.equal(lasts.length, 24);
  // A client backfills one sample inside that period: the series comes back with no raw chunk to
  // bound it. The read used rollups only before its oldest raw sample, so every bucket after it
  // vanished (7 samples instead of 25).
  await s.store.appendSamples([{ labels, t: T0 + 30 * 60_000 + 1, v: 999 }]);
  const after = read();
  assert.deepEqual(after.values, [...lasts.slice(0, 6), 999, ...lasts.slice(6)]);
  assert.equal(after.timestamps[6], T0 + 30 * 60_000 + 1);
  await s.close();
});

test('a revived series is found by every matcher, also beside series created while it was evicted', async () => {
  let now = T0;
  const s = openStore(undefined, { clock: () => now });
  const job = new RetentionJob(s.store, parseRetention('raw=1d'));
  const nightly = (pod: string, v: number, ttlMs?: number): PlainSample => ({
    labels: [
      ['__name__', 'nightly_rows'],
      ['pod', pod],
    ],
    t: now,
    v,
    ttlMs,
  });
  await s.store.appendSamples([nightly('a', 1, HOUR), nightly('b', 2, HOUR)]);
  now += 2 * HOUR;
  s.store.checkpoint();
  assert.equal(job.run(now).seriesEvicted, 2);
  // A new series of the metric, then the evicted one pushed again (its older id comes back).
  await s.store.appendSamples([nightly('c', 3)]);
  await s.store.appendSamples([nightly('a', 4, HOUR)]);
  const pods = (matchers: LabelMatcher[]) =>
    s.source
      .select(matchers, now - 1, now)
      .map((r) => `${r.labels.pod}=${r.values.join(',')}`)
      .sort();
  assert.deepEqual(pods([name('nightly_rows')]), ['a=4', 'c=3']);
  assert.deepEqual(pods([name('nightly_rows'), { name: 'pod', type: '=', value: 'a' }]), ['a=4']);
  assert.deepEqual(pods([{ name: 'pod', type: '=~', value: 'a|c' }, name('nightly_rows')]), ['a=4', 'c=3']);
  await s.close();
});

test('an evicted series revived by a malformed remote_write is evicted again, and a good one revives it', async () => {
  let now = T0;
  const s = openStore(undefined, { clock: () => now });
  const labels: [string, string][] = [
    ['__name__', 'old_counter'],
    ['pod', 'a'],
  ];
  const samples: PlainSample[] = [];
  for (let i = 0; i < 120; i++) samples.push({ labels, t: T0 + i * 60_000, v: i });
  await s.store.appendSamples(samples);
  const id = s.store.index.findByKey(labels)!;
  now = T0 + 5 * HOUR;
  s.store.checkpoint();
  assert.equal(new RetentionJob(s.store, parseRetention('raw=2h')).run(now).seriesEvicted, 1);
  const write = encodeWriteRequest([{ labels, timestamps: [now], values: [7] }]);
  // The same request with a TimeSeries whose length runs past the end.
  const bad = Buffer.from([...write, 0x0a, 0x7f, 0x0a, 0x02]);
  await assert.rejects(s.store.appendRemoteWrite(compressSync(bad)));
  assert.equal(s.store.index.size, 0);
  assert.equal(s.store.heads.has(id), false);
  assert.deepEqual(s.source.series([[name('old_counter')]], T0 + 3 * HOUR, now + 1), []);
  assert.equal(s.store.index.evictedIdsFor(labels)[0], id);
  await s.store.appendRemoteWrite(compressSync(Buffer.from(write)));
  assert.equal(s.store.index.findByKey(labels), id);
  const [back] = s.source.select([name('old_counter')], T0, now);
  assert.deepEqual([back.values.length, back.values[24]], [25, 7]);
  await s.close();
});

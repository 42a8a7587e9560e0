// Series gone for good leave SQLite (series-removal.ts): under pod churn the database's series
// rows, label pairs and watermarks stop growing, a restart brings none of them back, and series
// whose rollups are still within retention keep answering queries over their old range. Driven over
// real HTTP (remote_write, the Prometheus API) with the maintenance pass run on an explicit clock.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestApp } from '@flowrent/shared/testing';
import { compressSync } from 'snappy';
import type { Config } from '../src/config.js';
import { encodeWriteRequest } from '../src/ingest/remote-write-encode.js';
import { storedSeriesRows } from '../src/store/store-load.js';
import { postRemoteWrite, startCollector } from './ingest-helpers.js';
import { openStore } from './store-helpers.js';

const HOUR = 3_600_000;
const T0 = 1_764_000_000_000 - (1_764_000_000_000 % HOUR);

async function writePods(t: TestApp<Config>, round: number, from: number): Promise<void> {
  for (let m = 0; m < 60; m += 5) {
    const series = Array.from({ length: 20 }, (_, i) => ({
      labels: [
        ['__name__', 'pod_cpu'],
        ['pod', `pod-${round}-${i}`],
      ] as [string, string][],
      timestamps: [from + m * 60_000],
      values: [m + i],
    }));
    const res = await postRemoteWrite(t, compressSync(Buffer.from(encodeWriteRequest(series))));
    assert.equal(res.status, 204, await res.text());
  }
}

function diskFigures(t: TestApp<Config>) {
  const db = t.app.ingestion.store.db;
  const count = (table: string) =>
    (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  return {
    seriesRows: [...storedSeriesRows(t.app.ingestion.store)].length,
    labelPairs: count('label_pairs'),
    watermarks: count('rollup_watermarks'),
    rollups: count('rollups'),
    chunks: count('chunks'),
    // In memory: the label hashes kept to revive evicted series.
    keyHashes: t.app.ingestion.store.index.keyHashCount,
  };
}

async function seriesOf(t: TestApp<Config>, match: string, startMs: number, endMs: number) {
  const res = await fetch(
    `${t.url}/api/v1/series?match[]=${encodeURIComponent(match)}&start=${startMs / 1000}&end=${endMs / 1000}`,
    { headers: t.adminHeaders },
  );
  assert.equal(res.status, 200);
  return ((await res.json()) as { data: Record<string, string>[] }).data;
}

test('under pod churn the stored series, label pairs and watermarks stop growing; a restart brings none back', async () => {
  let now = T0;
  const t = await startCollector({ RETENTION: 'raw=1h,5m=2h,1h=3h', WAL_FSYNC: 'false' }, () => now);
  const figures: ReturnType<typeof diskFigures>[] = [];
  for (let round = 0; round < 16; round++) {
    await writePods(t, round, now);
    now += HOUR;
    await t.app.ingestion.maintenance.runOnce();
    figures.push(diskFigures(t));
  }
  // Each round's pods: in memory for an hour, rolled up, evicted, their rollups kept 3 hours, then
  // removed with their row and pairs. Before, every figure but chunks grew by 20 per round.
  const steady = figures[6];
  assert.deepEqual(figures[15], steady, JSON.stringify(figures));
  assert.ok(steady.seriesRows <= 5 * 20, JSON.stringify(steady));
  assert.ok(steady.labelPairs <= 5 * 20 + 1, JSON.stringify(steady));
  // What retention promises: the last rounds' rollups still answer over their old range.
  const threeHoursAgo = now - 3 * HOUR;
  assert.equal((await seriesOf(t, 'pod_cpu', threeHoursAgo, threeHoursAgo + HOUR - 1)).length, 20);
  // Older rounds are gone (their rollups expired, then their rows).
  assert.deepEqual(await seriesOf(t, 'pod_cpu', T0, T0 + HOUR - 1), []);
  const labelValues = await fetch(`${t.url}/api/v1/label/pod/values`, { headers: t.adminHeaders });
  const pods = ((await labelValues.json()) as { data: string[] }).data;
  assert.ok(pods.length <= 4 * 20 && !pods.includes('pod-0-0'), pods.join(' '));
  const before = diskFigures(t);
  await t.close();
  const again = openStore(t.dataDir, {
    walDir: join(t.config.DATA_DIR, 'metrics-wal'),
    clock: () => now,
  });
  try {
    assert.equal([...storedSeriesRows(again.store)].length, before.seriesRows);
    assert.deepEqual(
      again.source.series([[{ name: '__name__', type: '=', value: 'pod_cpu' }]], T0, T0 + HOUR),
      [],
    );
    assert.equal(
      again.source.series(
        [[{ name: '__name__', type: '=', value: 'pod_cpu' }]],
        threeHoursAgo,
        threeHoursAgo + HOUR - 1,
      ).length,
      20,
    );
  } finally {
    await again.close();
  }
});

test('a removed series leaves no row, watermark or pair behind, its label pairs shared with live series stay, and the file gives pages back', async () => {
  let now = T0;
  const t = await startCollector({ RETENTION: 'raw=1h,5m=1h,1h=1h' }, () => now);
  // Many pods with long label values (a lot of pages), all with `zone=a`, which a live series keeps.
  const big = Array.from({ length: 2000 }, (_, i) => ({
    labels: [
      ['__name__', 'old_job'],
      ['pod', `pod-${i}-${'x'.repeat(200)}`],
      ['zone', 'a'],
    ] as [string, string][],
    timestamps: [now],
    values: [i],
  }));
  let res = await postRemoteWrite(t, compressSync(Buffer.from(encodeWriteRequest(big))));
  assert.equal(res.status, 204);
  const store = t.app.ingestion.store;
  store.checkpoint();
  const pagesFull = store.db.pragma('page_count', { simple: true }) as number;
  now += 3 * HOUR;
  const live = [
    {
      labels: [
        ['__name__', 'live_job'],
        ['zone', 'a'],
      ] as [string, string][],
      timestamps: [now],
      values: [1],
    },
  ];
  res = await postRemoteWrite(t, compressSync(Buffer.from(encodeWriteRequest(live))));
  assert.equal(res.status, 204);
  await t.app.ingestion.maintenance.runOnce(); // evicts (rolls up); the rollups are already past 1h
  await t.app.ingestion.maintenance.runOnce();
  const figures = diskFigures(t);
  assert.deepEqual(figures, {
    seriesRows: 1,
    labelPairs: 2,
    watermarks: 0,
    rollups: 0,
    chunks: 0,
    keyHashes: 1,
  });
  const pairs = store.db.prepare('SELECT name, value FROM label_pairs ORDER BY name').all();
  assert.deepEqual(pairs, [
    { name: '__name__', value: 'live_job' },
    { name: 'zone', value: 'a' },
  ]);
  const pagesAfter = store.db.pragma('page_count', { simple: true }) as number;
  assert.ok(pagesAfter * 2 < pagesFull, `${pagesAfter} pages after, ${pagesFull} before`);
  // The same labels again: a new series with only the new sample.
  res = await postRemoteWrite(
    t,
    compressSync(Buffer.from(encodeWriteRequest([{ ...big[0], timestamps: [now], values: [7] }]))),
  );
  assert.equal(res.status, 204);
  const q = await fetch(
    `${t.url}/api/v1/query_range?query=old_job&start=${(T0 - HOUR) / 1000}&end=${now / 1000}&step=300`,
    {
      headers: t.adminHeaders,
    },
  );
  const result = ((await q.json()) as { data: { result: { values: [number, string][] }[] } }).data.result;
  assert.equal(result.length, 1);
  assert.deepEqual(result[0].values, [[now / 1000, '7']]);
  await t.close();
});

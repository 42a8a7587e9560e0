// A series pushed with ttl_seconds over POST /api/metrics, seen through the Prometheus API while
// its TTL runs and once it has passed (issue 5: "no longer returned"). The clock is a parameter.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { TestApp } from '@flowrent/shared/testing';
import type { Config } from '../src/config.js';
import { startCollector } from './ingest-helpers.js';
import { openStore } from './store-helpers.js';

const T0 = 1_795_000_000_000;
let now = T0;
let t: TestApp<Config>;
before(async () => {
  t = await startCollector({}, () => now);
});
after(async () => {
  await t.close();
});

async function getData(path: string): Promise<unknown> {
  const res = await fetch(`${t.url}${path}`, { headers: t.adminHeaders });
  assert.equal(res.status, 200, path);
  return ((await res.json()) as { data: unknown }).data;
}

test('/api/v1/series, /labels, label values and queries stop returning a pushed series once its TTL passed', async () => {
  const res = await fetch(`${t.url}/api/metrics`, {
    method: 'POST',
    headers: { ...t.adminHeaders, 'content-type': 'application/json' },
    body: JSON.stringify({
      metrics: [
        { name: 'nightly_done', type: 'gauge', labels: { run: 'r42' }, value: 1, ttl_seconds: 60 },
        { name: 'kept_gauge', type: 'gauge', value: 2 },
      ],
    }),
  });
  assert.equal(res.status, 204, await res.text());
  const view = async () => ({
    series: await getData('/api/v1/series?match[]=nightly_done'),
    labels: await getData('/api/v1/labels'),
    runs: await getData('/api/v1/label/run/values'),
    query: await getData(`/api/v1/query?query=nightly_done&time=${now / 1000}`),
  });
  now += 30_000;
  assert.deepEqual(await view(), {
    series: [{ __name__: 'nightly_done', run: 'r42' }],
    labels: ['__name__', 'run'],
    runs: ['r42'],
    query: {
      resultType: 'vector',
      result: [{ metric: { __name__: 'nightly_done', run: 'r42' }, value: [(T0 + 30_000) / 1000, '1'] }],
    },
  });
  now += 60_000;
  assert.deepEqual(await view(), {
    series: [],
    labels: ['__name__'],
    runs: [],
    query: { resultType: 'vector', result: [] },
  });
  // Over the range the series was pushed in as well.
  assert.deepEqual(
    await getData(`/api/v1/series?match[]=nightly_done&start=${T0 / 1000}&end=${(T0 + 1000) / 1000}`),
    [],
  );
});

test('a series pushed with a fractional or overflowing ttl_seconds is still listed after a restart', async () => {
  const first = await startCollector({}, () => T0);
  const push = async (metric: string) => {
    const res = await fetch(`${first.url}/api/metrics`, {
      method: 'POST',
      headers: { ...first.adminHeaders, 'content-type': 'application/json' },
      body: `{"metrics":[${metric}]}`,
    });
    assert.equal(res.status, 204, await res.text());
  };
  const { store } = first.app.ingestion;
  await push('{"name":"ttl_frac","value":1,"ttl_seconds":86400.0006}');
  store.checkpoint(); // its row is in SQLite, the log segment gone
  await push('{"name":"ttl_huge","value":2,"ttl_seconds":1e309}'); // a valid JSON number: Infinity
  await first.close();
  assert.equal(store.checkpointTrouble.consecutiveFailures, 0, 'the last checkpoint wrote both rows');
  // The same database and log opened again (startTestApp always starts on a fresh database).
  const again = openStore(first.dataDir, {
    walDir: join(first.config.DATA_DIR, 'metrics-wal'),
    clock: () => T0 + 60_000,
  });
  try {
    assert.deepEqual(again.source.series([[{ name: '__name__', type: '=~', value: 'ttl_.*' }]], T0, T0), [
      { __name__: 'ttl_frac' },
      { __name__: 'ttl_huge' },
    ]);
  } finally {
    await again.close();
  }
});

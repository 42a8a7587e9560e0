// /api/v1/metadata, /labels, label values and /series list only what the store still returns:
// metrics whose series all passed their TTL, or were evicted and whose rollups left retention, are
// not listed (Prometheus answers from live series and its targets' current metadata). Over real
// HTTP, with the clock and the maintenance pass as parameters.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startCollector } from './ingest-helpers.js';

const HOUR = 3_600_000;
const T0 = 1_764_000_000_000 - (1_764_000_000_000 % HOUR);

test('metadata, label names, label values and series leave out metrics whose series are all gone', async () => {
  let now = T0;
  const t = await startCollector({ RETENTION: 'raw=1h,5m=1h,1h=1h' }, () => now);
  const get = async (path: string) => {
    const res = await fetch(`${t.url}${path}`, { headers: t.adminHeaders });
    assert.equal(res.status, 200, path);
    return ((await res.json()) as { data: unknown }).data;
  };
  const push = async (metrics: object[]) => {
    const res = await fetch(`${t.url}/api/metrics`, {
      method: 'POST',
      headers: { ...t.adminHeaders, 'content-type': 'application/json' },
      body: JSON.stringify({ metrics }),
    });
    assert.equal(res.status, 204, await res.text());
  };
  const latency = {
    name: 'lat_seconds',
    type: 'histogram',
    help: 'Latency.',
    buckets: [
      { le: 1, count: 1 },
      { le: '+Inf', count: 2 },
    ],
    sum: 3,
    count: 2,
  };
  await push([
    { name: 'batch_ttl', type: 'gauge', help: 'TTL.', labels: { run: 'r1' }, value: 1, ttl_seconds: 60 },
    { name: 'old_gauge', type: 'gauge', help: 'Old.', labels: { pod: 'p1' }, value: 1 },
    latency,
  ]);
  const view = async () => ({
    metadata: Object.keys((await get('/api/v1/metadata')) as object).sort(),
    labels: await get('/api/v1/labels'),
    names: await get('/api/v1/label/__name__/values'),
    series: ((await get('/api/v1/series?match[]={__name__=~".%2B"}')) as { __name__: string }[])
      .map((l) => l.__name__)
      .sort(),
  });
  now = T0 + 30_000;
  assert.deepEqual(await view(), {
    metadata: ['batch_ttl', 'lat_seconds', 'old_gauge'],
    labels: ['__name__', 'le', 'pod', 'run'],
    names: ['batch_ttl', 'lat_seconds_bucket', 'lat_seconds_count', 'lat_seconds_sum', 'old_gauge'],
    series: [
      'batch_ttl',
      'lat_seconds_bucket',
      'lat_seconds_bucket',
      'lat_seconds_count',
      'lat_seconds_sum',
      'old_gauge',
    ],
  });
  now = T0 + 2 * 60_000; // batch_ttl's TTL has passed
  const withoutTtl = await view();
  assert.deepEqual(withoutTtl.metadata, ['lat_seconds', 'old_gauge']);
  assert.deepEqual(withoutTtl.labels, ['__name__', 'le', 'pod']);
  assert.deepEqual(await get('/api/v1/metadata?metric=batch_ttl'), {});
  assert.deepEqual(await get('/api/v1/metadata?metric=lat_seconds'), {
    lat_seconds: [{ type: 'histogram', help: 'Latency.', unit: '' }],
  });
  // Three hours on, only the histogram is written: old_gauge leaves memory (raw retention), its
  // rollups leave their retention, and the pass removes it.
  now = T0 + 3 * HOUR;
  await push([latency]);
  await t.app.ingestion.maintenance.runOnce();
  assert.deepEqual(await view(), {
    metadata: ['lat_seconds'],
    labels: ['__name__', 'le'],
    names: ['lat_seconds_bucket', 'lat_seconds_count', 'lat_seconds_sum'],
    series: ['lat_seconds_bucket', 'lat_seconds_bucket', 'lat_seconds_count', 'lat_seconds_sum'],
  });
  assert.deepEqual(await get('/api/v1/label/pod/values'), []);
  await t.close();
});

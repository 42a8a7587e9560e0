// POST /api/metrics keeps one type per metric name across batches (store/metric-types.ts): a name
// whose stored series are a counter (or histogram, ...) pushed as another type is a 400 naming it;
// that metric alone is refused and the rest of the batch is stored (a client pushes all its metrics
// every interval); two types within one batch refuse the whole batch. Once the name's series are
// gone (TTL) it may take another type. Real server on loopback, real SQLite file, the test's clock.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestApp } from '@flowrent/shared/testing';
import type { Config } from '../src/config.js';
import { pushMetrics, startCollector } from './ingest-helpers.js';

const T0_S = 1_764_000_000;
let nowMs = T0_S * 1000;
let t: TestApp<Config>;

before(async () => {
  t = await startCollector({}, () => nowMs);
});

after(async () => {
  await t?.close();
});

function push(metrics: unknown[]): Promise<Response> {
  return pushMetrics(t, metrics);
}

async function refusal(r: Response): Promise<{ metric: string; message: string }> {
  assert.equal(r.status, 400);
  const { error } = (await r.json()) as {
    error: { code: string; message: string; details: { metric: string } };
  };
  assert.equal(error.code, 'bad_request');
  return { metric: error.details.metric, message: error.message };
}

async function query(q: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const r = await fetch(`${t.url}/api/v1/query?query=${encodeURIComponent(q)}&time=${nowMs / 1000}`, {
    headers: t.adminHeaders,
  });
  return (await r.json()).data.result;
}

async function metadataType(name: string): Promise<string | undefined> {
  const r = await fetch(`${t.url}/api/v1/metadata?metric=${name}`, { headers: t.adminHeaders });
  return (await r.json()).data[name]?.[0]?.type;
}

test('a counter pushed again as a gauge in a later batch is refused alone, with its name; the rest of the batch is stored', async () => {
  assert.equal((await push([{ name: 'jobs_done', type: 'counter', value: 5 }])).status, 204);
  const r = await push([
    { name: 'other_gauge', type: 'gauge', value: 1 },
    { name: 'jobs_done', type: 'gauge', value: 2 },
    { name: 'jobs_done', type: 'gauge', labels: { shard: 'b' }, value: 3 },
    { name: 'later_gauge', type: 'gauge', value: 4 },
  ]);
  const body = (await r.clone().json()) as {
    error: { details: { accepted: number; refused: Array<{ metric: string }> } };
  };
  const { metric, message } = await refusal(r);
  assert.equal(metric, 'jobs_done');
  assert.match(
    message,
    /"jobs_done": jobs_done is stored as a counter and pushed as a gauge \(a name has one type/,
  );
  assert.equal(body.error.details.accepted, 2);
  assert.deepEqual(
    body.error.details.refused.map((x) => x.metric),
    ['jobs_done'],
  );
  assert.deepEqual(await query('other_gauge'), [
    { metric: { __name__: 'other_gauge' }, value: [nowMs / 1000, '1'] },
  ]);
  assert.deepEqual(await query('later_gauge'), [
    { metric: { __name__: 'later_gauge' }, value: [nowMs / 1000, '4'] },
  ]);
  assert.deepEqual(await query('jobs_done'), [
    { metric: { __name__: 'jobs_done' }, value: [nowMs / 1000, '5'] },
  ]);
  assert.equal(await metadataType('jobs_done'), 'counter');
  // Without a type a metric is a gauge: refused too. As a counter it goes on.
  assert.equal((await refusal(await push([{ name: 'jobs_done', value: 7 }]))).metric, 'jobs_done');
  nowMs += 1000;
  assert.equal((await push([{ name: 'jobs_done', type: 'counter', value: 6 }])).status, 204);
  assert.deepEqual(await query('jobs_done'), [
    { metric: { __name__: 'jobs_done' }, value: [nowMs / 1000, '6'] },
  ]);
});

test('a histogram name pushed as a counter is refused', async () => {
  const histogram = {
    name: 'wait_seconds',
    type: 'histogram',
    buckets: [{ le: '+Inf', count: 2 }],
    sum: 3,
    count: 2,
  };
  assert.equal((await push([histogram])).status, 204);
  const { metric, message } = await refusal(
    await push([{ name: 'wait_seconds', type: 'counter', value: 1 }]),
  );
  assert.equal(metric, 'wait_seconds');
  assert.match(message, /stored as a histogram and pushed as a counter/);
  assert.equal(await metadataType('wait_seconds'), 'histogram');
});

test('once the name has no series left (TTL passed) it may be pushed as another type', async () => {
  assert.equal((await push([{ name: 'nightly', type: 'gauge', value: 1, ttl_seconds: 60 }])).status, 204);
  assert.equal(
    (await refusal(await push([{ name: 'nightly', type: 'counter', value: 1 }]))).metric,
    'nightly',
  );
  nowMs += 61_000;
  assert.equal((await push([{ name: 'nightly', type: 'counter', value: 3 }])).status, 204);
  assert.equal(await metadataType('nightly'), 'counter');
  assert.deepEqual(await query('nightly'), [{ metric: { __name__: 'nightly' }, value: [nowMs / 1000, '3'] }]);
});

test("a histogram's own series pushed as a counter or gauge are refused, in a later batch or the same one", async () => {
  const histogram = (name: string) => ({
    name,
    type: 'histogram',
    buckets: [
      { le: 1, count: 1 },
      { le: '+Inf', count: 2 },
    ],
    sum: 3,
    count: 2,
  });
  assert.equal((await push([histogram('tc')])).status, 204);
  for (const m of [
    { name: 'tc_count', type: 'counter', value: 9 },
    { name: 'tc_sum', type: 'gauge', value: 9 },
    { name: 'tc_bucket', type: 'gauge', labels: { le: '1' }, value: 9 },
  ]) {
    const { metric, message } = await refusal(await push([m]));
    assert.equal(metric, m.name);
    assert.match(message, new RegExp(`would write ${m.name}, a series of the histogram tc`));
  }
  assert.deepEqual(
    (await query('tc_count')).map((s) => s.value[1]),
    ['2'],
  );
  assert.deepEqual(
    (await query('tc_bucket{le="1"}')).map((s) => s.value[1]),
    ['1'],
  );
  const batch = await refusal(await push([histogram('h3'), { name: 'h3_count', value: 1 }]));
  assert.equal(batch.metric, 'h3_count');
  assert.match(batch.message, /a series of the histogram h3 in this batch/);
  assert.deepEqual(await query('{__name__=~"h3.*"}'), []);
});

test('a histogram refused for its labels or buckets stores none of its series', async () => {
  const bad = [
    { labels: { le: '7' }, buckets: [{ le: 1, count: 1 }], sum: 1, count: 1 },
    {
      buckets: [
        { le: 1, count: 5 },
        { le: 2, count: 3 },
      ],
      sum: 1,
      count: 2,
    },
  ];
  for (const [k, m] of bad.entries()) {
    const name = `refused_h${k}`;
    const { metric } = await refusal(await push([{ name, type: 'histogram', ...m }]));
    assert.equal(metric, name);
    assert.deepEqual(await query(`{__name__=~"${name}.*"}`), []);
  }
});

test('a new series over a limit is refused alone: the rest of the batch is kept, existing series keep flowing', async () => {
  // Unlike malformed input (the whole batch is refused), as issue 5's limits and remote_write: a
  // client pushing all its metrics every time would otherwise lose every one of them.
  const limited = await startCollector({ SERIES_LIMITS: 'per_metric=2' }, () => nowMs);
  try {
    const pushTo = (metrics: unknown[]) => pushMetrics(limited, metrics);
    const stored = async (q: string) => {
      const r = await fetch(
        `${limited.url}/api/v1/query?query=${encodeURIComponent(q)}&time=${nowMs / 1000}`,
        {
          headers: limited.adminHeaders,
        },
      );
      return (await r.json()).data.result.length;
    };
    const pod = (i: number) => ({ name: 'pods_up', labels: { pod: `p${i}` }, value: 1 });
    const r = await pushTo([{ name: 'other_ok', value: 1 }, pod(1), pod(2), pod(3)]);
    assert.equal(r.status, 400);
    const { error } = (await r.json()) as { error: { message: string; details: { accepted: number } } };
    assert.match(error.message, /pods_up\{pod="p3"\}.*already has 2 series \(limit\)/);
    assert.equal(error.details.accepted, 3);
    assert.equal(await stored('other_ok'), 1);
    assert.equal(await stored('pods_up'), 2);
  } finally {
    await limited.close();
  }
});

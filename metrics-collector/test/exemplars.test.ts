// Exemplars end to end over real HTTP: pushed in the JSON batch and in remote_write TimeSeries,
// read back through /api/v1/query_exemplars in Prometheus' shape (GET and form POST).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestApp } from '@flowrent/shared/testing';
import { compressSync } from 'snappy';
import type { Config } from '../src/config.js';
import { encodeWriteRequest } from '../src/ingest/remote-write-encode.js';
import { postRemoteWrite, startCollector } from './ingest-helpers.js';

let t: TestApp<Config>;
before(async () => {
  t = await startCollector();
});
after(async () => {
  await t.close();
});

const TRACE_A = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACE_B = '0af7651916cd43dd8448eb211c80319c';
const TRACE_C = 'c0ffee00c0ffee00c0ffee00c0ffee00';

async function exemplars(query: string, start = '1764100000', end = '1764200000', method = 'GET') {
  const form = new URLSearchParams({ query, start, end });
  const res =
    method === 'GET'
      ? await fetch(`${t.url}/api/v1/query_exemplars?${form}`, { headers: t.adminHeaders })
      : await fetch(`${t.url}/api/v1/query_exemplars`, {
          method: 'POST',
          headers: { ...t.adminHeaders, 'content-type': 'application/x-www-form-urlencoded' },
          body: form.toString(),
        });
  return {
    status: res.status,
    body: (await res.json()) as { status: string; data: unknown; errorType?: string },
  };
}

test('an exemplar pushed with a histogram lands on its bucket and reads back in Prometheus shape', async () => {
  const res = await fetch(`${t.url}/api/metrics`, {
    method: 'POST',
    headers: { ...t.adminHeaders, 'content-type': 'application/json' },
    body: JSON.stringify({
      metrics: [
        {
          name: 'checkout_seconds',
          type: 'histogram',
          labels: { service: 'shop' },
          buckets: [
            { le: 0.1, count: 3 },
            { le: 0.5, count: 7 },
            { le: '+Inf', count: 8 },
          ],
          sum: 2.5,
          count: 8,
          timestamp: 1764110000.5,
          exemplar: { labels: { trace_id: TRACE_A }, value: 0.12, timestamp: 1764110000.123 },
        },
        {
          name: 'orders_total',
          type: 'counter',
          value: 4,
          timestamp: 1764110001,
          exemplar: { labels: { trace_id: TRACE_B, span_id: '00f067aa0ba902b7' }, value: 1 },
        },
      ],
    }),
  });
  assert.equal(res.status, 204, await res.text());
  const { status, body } = await exemplars('histogram_quantile(0.9, rate(checkout_seconds_bucket[5m]))');
  assert.equal(status, 200);
  assert.deepEqual(body, {
    status: 'success',
    data: [
      {
        seriesLabels: { __name__: 'checkout_seconds_bucket', le: '0.5', service: 'shop' },
        exemplars: [{ labels: { trace_id: TRACE_A }, value: '0.12', timestamp: 1764110000.123 }],
      },
    ],
  });
  // A counter's exemplar without a timestamp takes the metric's; POST form works the same.
  const counter = await exemplars('orders_total or checkout_seconds_sum', undefined, undefined, 'POST');
  assert.deepEqual(counter.body.data, [
    {
      seriesLabels: { __name__: 'orders_total' },
      exemplars: [
        { labels: { span_id: '00f067aa0ba902b7', trace_id: TRACE_B }, value: '1', timestamp: 1764110001 },
      ],
    },
  ]);
  // Outside the time range: nothing.
  assert.deepEqual((await exemplars('orders_total', '1764110002', '1764110003')).body.data, []);
});

test('remote_write exemplars are kept per series and selected by the query matchers', async () => {
  const body = encodeWriteRequest([
    {
      labels: [
        ['__name__', 'rpc_seconds_bucket'],
        ['job', 'api'],
        ['le', '0.25'],
      ],
      timestamps: [1764120000000],
      values: [10],
      exemplars: [{ labels: [['trace_id', TRACE_C]], value: 0.2, timestampMs: 1764119999500 }],
    },
    {
      labels: [
        ['__name__', 'rpc_seconds_bucket'],
        ['job', 'worker'],
        ['le', '0.25'],
      ],
      timestamps: [1764120000000],
      values: [1],
      exemplars: [{ labels: [['trace_id', TRACE_A]], value: 0.1, timestampMs: 1764119999000 }],
    },
  ]);
  const res = await postRemoteWrite(t, compressSync(Buffer.from(body)));
  assert.equal(res.status, 204, await res.text());
  const { body: got } = await exemplars('sum by (le) (rate(rpc_seconds_bucket{job=~"a.*"}[5m]))');
  assert.deepEqual(got.data, [
    {
      seriesLabels: { __name__: 'rpc_seconds_bucket', job: 'api', le: '0.25' },
      exemplars: [{ labels: { trace_id: TRACE_C }, value: '0.2', timestamp: 1764119999.5 }],
    },
  ]);
  // The samples themselves still arrived.
  const [series] = t.app.ingestion.source.select(
    [{ name: 'job', type: '=', value: 'api' }],
    0,
    1764200000000,
  );
  assert.deepEqual(series.values, [10]);
});

test('query_exemplars answers bad_data for a bad query or time range, like Prometheus', async () => {
  const bad = await exemplars('sum(');
  assert.equal(bad.status, 400);
  assert.equal(bad.body.errorType, 'bad_data');
  const range = await exemplars('up', '20', '10');
  assert.equal(range.status, 400);
  assert.equal(range.body.errorType, 'bad_data');
  const malformed = await fetch(`${t.url}/api/metrics`, {
    method: 'POST',
    headers: { ...t.adminHeaders, 'content-type': 'application/json' },
    body: JSON.stringify({ metrics: [{ name: 'g', value: 1, exemplar: { labels: { trace_id: 'x' } } }] }),
  });
  assert.equal(malformed.status, 400);
  assert.match(await malformed.text(), /exemplar value/);
});

test('/metrics counts kept and dropped exemplars', async () => {
  const text = await (await fetch(`${t.url}/metrics`, { headers: t.adminHeaders })).text();
  assert.match(text, /^metrics_exemplars_appended_total 4$/m);
  assert.match(text, /^metrics_exemplars_dropped_total\{reason="out_of_order"\} 0$/m);
});

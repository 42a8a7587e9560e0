// Counters only go up, whatever the door they come in by: the real collector on loopback, a StatsD
// decrement over real UDP (dropped and counted on /metrics, as statsd_exporter does; so is a gauge
// line for a counter's name) and a negative counter in a JSON push (refused with a 400 naming the
// metric).
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, test } from 'node:test';
import type { TestApp } from '@flowrent/shared/testing';
import StatsD from 'hot-shots';
import type { Config } from '../src/config.js';
import { startCollector } from './ingest-helpers.js';

let t: TestApp<Config>;

/** A UDP port free on 127.0.0.1 right now (the collector binds it next). */
async function freeUdpPort(): Promise<number> {
  const probe = createSocket('udp4');
  await new Promise<void>((r) => probe.bind(0, '127.0.0.1', () => r()));
  const { port } = probe.address();
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

before(async () => {
  const port = await freeUdpPort();
  t = await startCollector({
    STATSD_PORT: String(port),
    STATSD_HOST: '127.0.0.1',
    STATSD_FLUSH_INTERVAL: '1h',
  });
});
after(() => t.close());

const query = async (q: string) => {
  const res = await fetch(`${t.url}/api/v1/query?query=${encodeURIComponent(q)}`, {
    headers: t.adminHeaders,
  });
  const body = (await res.json()) as {
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  return body.data.result;
};

test('a StatsD decrement on a counter is dropped and counted in metrics_statsd_dropped_total', async () => {
  const statsd = t.app.ingestion.statsd;
  assert.ok(statsd);
  const client = new StatsD({ host: '127.0.0.1', port: t.config.STATSD_PORT, errorHandler: () => {} });
  client.increment('checkout.inflight', 3);
  client.decrement('checkout.inflight'); // hot-shots sends "checkout.inflight:-1|c"
  client.decrement('checkout.gone'); // only ever decremented: no series is created
  client.gauge('checkout.inflight', 10); // the name is a counter's: dropped, not written into it
  await statsd.waitForDatagrams(4);
  await new Promise<void>((r) => client.close(() => r()));
  await statsd.flush();
  const inflight = await query('checkout_inflight');
  assert.deepEqual(
    inflight.map((s) => s.value[1]),
    ['3'],
  );
  assert.deepEqual(await query('checkout_gone'), []);
  const text = await (await fetch(`${t.url}/metrics`, { headers: t.adminHeaders })).text();
  assert.match(text, /^metrics_statsd_dropped_total\{reason="negative_counter"\} 2$/m);
  assert.match(text, /^metrics_statsd_dropped_total\{reason="bad_line"\} 0$/m);
  assert.match(text, /^metrics_statsd_dropped_total\{reason="type_conflict"\} 1$/m);
});

test('POST /api/metrics refuses a negative counter value with 400 naming the metric and stores nothing of the batch', async () => {
  const push = (metrics: unknown[]) =>
    fetch(`${t.url}/api/metrics`, {
      method: 'POST',
      headers: { ...t.adminHeaders, 'content-type': 'application/json' },
      body: JSON.stringify({ metrics }),
    });
  const bad = await push([
    { name: 'refunds_ok', type: 'gauge', value: -1 }, // a gauge may go below zero
    { name: 'refunds_total', type: 'counter', labels: { shop: 'eu' }, value: -1 },
  ]);
  assert.equal(bad.status, 400);
  const { error } = (await bad.json()) as {
    error: { code: string; message: string; details: { metric: string } };
  };
  assert.equal(error.code, 'bad_request');
  assert.equal(error.details.metric, 'refunds_total');
  assert.match(error.message, /"refunds_total": counter value -1 is negative \(a counter is monotonic\)/);
  assert.deepEqual(await query('refunds_ok'), []);
  const histogram = await push([
    { name: 'wait_seconds', type: 'histogram', buckets: [{ le: '+Inf', count: 1 }], count: -1 },
  ]);
  assert.equal(histogram.status, 400);
  assert.match(await histogram.text(), /wait_seconds/);
  const ok = await push([{ name: 'refunds_total', type: 'counter', value: 0 }]);
  assert.equal(ok.status, 204);
});

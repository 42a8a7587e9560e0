// One type per metric name across StatsD and the JSON push (black-box finding 5, 26 Nov 2026): a
// StatsD line whose name the store holds as another type (pushed by JSON, scraped, ...) is dropped
// and counted as type_conflict, as one of another StatsD type is; and a name StatsD writes is typed
// in the metadata, so a JSON push of it as another type is refused. Before, a StatsD counter and a
// JSON gauge wrote alternating values into one series. Real collector on loopback, real UDP, real
// SQLite file; flushes are called, not waited for.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, test } from 'node:test';
import type { TestApp } from '@flowrent/shared/testing';
import type { Config } from '../src/config.js';
import { pushMetrics, startCollector } from './ingest-helpers.js';

const T0_MS = 1_764_000_000_000;
let nowMs = T0_MS;
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
  t = await startCollector(
    { STATSD_PORT: String(port), STATSD_HOST: '127.0.0.1', STATSD_FLUSH_INTERVAL: '1h' },
    () => nowMs,
  );
});
after(() => t.close());

let sent = 0;
/** Sends StatsD lines over UDP, waits until the listener has them, then flushes. */
async function statsd(...datagrams: string[]): Promise<void> {
  const server = t.app.ingestion.statsd;
  assert.ok(server);
  const socket = createSocket('udp4');
  for (const d of datagrams)
    await new Promise<void>((r, j) =>
      socket.send(d, t.config.STATSD_PORT, '127.0.0.1', (err) => (err ? j(err) : r())),
    );
  socket.close();
  sent += datagrams.length;
  await server.waitForDatagrams(sent);
  await server.flush();
}

async function values(q: string): Promise<string[]> {
  const res = await fetch(`${t.url}/api/v1/query?query=${encodeURIComponent(q)}&time=${nowMs / 1000}`, {
    headers: t.adminHeaders,
  });
  const body = (await res.json()) as { data: { result: Array<{ values: [number, string][] }> } };
  return body.data.result.flatMap((s) => s.values.map((v) => v[1]));
}

async function metadataType(name: string): Promise<string | undefined> {
  const r = await fetch(`${t.url}/api/v1/metadata?metric=${name}`, { headers: t.adminHeaders });
  return ((await r.json()) as { data: Record<string, Array<{ type: string }>> }).data[name]?.[0]?.type;
}

async function typeConflicts(): Promise<number> {
  const text = await (await fetch(`${t.url}/metrics`, { headers: t.adminHeaders })).text();
  return Number(/^metrics_statsd_dropped_total\{reason="type_conflict"\} (\d+)$/m.exec(text)?.[1]);
}

test('a StatsD counter for a name pushed as a gauge by JSON is dropped as type_conflict, not written into the gauge', async () => {
  const before = await typeConflicts();
  assert.equal((await pushMetrics(t, [{ name: 'bb_ok', value: 3 }])).status, 204);
  nowMs += 10_000;
  await statsd('bb.ok:1|c');
  nowMs += 10_000;
  assert.equal((await pushMetrics(t, [{ name: 'bb_ok', value: 7 }])).status, 204);
  nowMs += 10_000;
  await statsd('bb.ok:1|c', 'bb.ok:2|g'); // a gauge line of the same type is written
  assert.deepEqual(await values('bb_ok[1m]'), ['3', '7', '2']);
  assert.equal(await metadataType('bb_ok'), 'gauge');
  assert.equal(await typeConflicts(), before + 2);
  // a timer `bb_lat` would write bb_lat_count: a JSON gauge of that name keeps it
  assert.equal((await pushMetrics(t, [{ name: 'bb_lat_count', value: 1 }])).status, 204);
  await statsd('bb.lat:250|ms');
  assert.deepEqual(await values('bb_lat_sum[1m]'), []);
  assert.equal(await typeConflicts(), before + 3);
});

test('a name StatsD writes as a counter is typed in the metadata; a JSON push of it as a gauge is refused', async () => {
  nowMs += 10_000;
  await statsd('jobs.run:4|c');
  assert.equal(await metadataType('jobs_run'), 'counter');
  const r = await pushMetrics(t, [{ name: 'jobs_run', type: 'gauge', value: 1 }]);
  assert.equal(r.status, 400);
  assert.match(await r.text(), /jobs_run is stored as a counter and pushed as a gauge/);
  assert.equal((await pushMetrics(t, [{ name: 'jobs_run', type: 'counter', value: 9 }])).status, 204);
  await statsd('timing.x:250|ms');
  assert.equal(await metadataType('timing_x'), 'histogram');
  assert.deepEqual(await values('timing_x_count[1m]'), ['1']);
});

// StatsD over real UDP on 127.0.0.1: the hot-shots client sends, the listener aggregates, a flush
// writes series that read back through the sample source.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { test } from 'node:test';
import StatsD from 'hot-shots';
import { evaluateInstant } from '../src/promql/query.js';
import { StatsdServer } from '../src/statsd/statsd-server.js';
import { openStore } from './store-helpers.js';

test('hot-shots datagrams to the UDP port are counted, tagged and flushed into series', async () => {
  const s = openStore();
  const T = 1_764_000_000_000;
  const server = new StatsdServer({
    host: '127.0.0.1',
    port: 0,
    store: s.store,
    clock: () => T,
    flushIntervalMs: 3600_000,
  });
  const { port } = await server.start();
  const client = new StatsD({ host: '127.0.0.1', port, globalTags: { env: 'test' }, errorHandler: () => {} });
  client.increment('shop.orders', 2, { region: 'eu' });
  client.increment('shop.orders', 2, { region: 'eu' });
  client.gauge('shop.queue', 10);
  client.gauge('shop.queue', -4); // hot-shots sends a negative absolute gauge as "-4|g": a delta
  client.timing('shop.latency', 250);
  client.histogram('shop.size', 3000);
  client.set('shop.users', 'u1');
  client.set('shop.users', 'u2');
  client.set('shop.users', 'u1');
  await server.waitForDatagrams(9);
  await new Promise<void>((r) => client.close(() => r()));
  await server.flush();
  const read = (name: string) => s.source.select([{ name: '__name__', type: '=', value: name }], 0, T * 2);
  const orders = read('shop_orders');
  assert.deepEqual(orders[0].labels, { __name__: 'shop_orders', env: 'test', region: 'eu' });
  assert.deepEqual(orders[0].values, [4]);
  assert.deepEqual(orders[0].timestamps, [T]);
  assert.deepEqual(read('shop_queue')[0].values, [6]);
  assert.deepEqual(read('shop_latency_sum')[0].values, [0.25]);
  const le = (name: string, bound: string) => read(name).find((x) => x.labels.le === bound)?.values[0];
  assert.equal(le('shop_latency_bucket', '0.25'), 1);
  assert.equal(le('shop_latency_bucket', '0.1'), 0);
  assert.equal(le('shop_size_bucket', '2500'), 0);
  assert.equal(le('shop_size_bucket', '5000'), 1);
  assert.deepEqual(read('shop_users')[0].values, [2]);
  assert.equal(server.badLines, 0);
  await server.stop();
  await s.close();
});

test('a negative StatsD counter increment (hot-shots decrement) is dropped and counted; the counter stays monotonic', async () => {
  const s = openStore();
  let now = 1_764_000_000_000;
  const server = new StatsdServer({
    host: '127.0.0.1',
    port: 0,
    store: s.store,
    clock: () => now,
    flushIntervalMs: 3600_000,
  });
  const { port } = await server.start();
  const client = new StatsD({ host: '127.0.0.1', port, errorHandler: () => {} });
  const T0 = now;
  client.increment('jobs.done', 5);
  await server.waitForDatagrams(1);
  await server.flush();
  now += 10_000;
  client.decrement('jobs.done'); // "jobs.done:-1|c"
  client.decrement('jobs.only_down', 2); // a counter that only ever went down: no series at all
  client.increment('jobs.done', 2);
  await server.waitForDatagrams(4);
  await new Promise<void>((r) => client.close(() => r()));
  await server.flush();
  const read = (name: string) => s.source.select([{ name: '__name__', type: '=', value: name }], 0, now * 2);
  const done = read('jobs_done');
  assert.deepEqual(done[0].timestamps, [T0, now]);
  assert.deepEqual(done[0].values, [5, 7]); // never below 5: rate() sees no reset
  assert.deepEqual(read('jobs_only_down'), []);
  assert.equal(server.aggregator.negativeCounters, 2);
  assert.equal(server.badLines, 0);
  await server.stop();
  await s.close();
});

test('a timed StatsD flush whose log sync fails is reported, the listener keeps running and the next flush writes the values', async () => {
  const s = openStore();
  const realFdatasync = fs.fdatasync;
  let failing = true;
  Reflect.set(fs, 'fdatasync', (fd: number, cb: (err: Error | null) => void) => {
    if (!failing) return realFdatasync(fd, cb);
    process.nextTick(() => cb(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' })));
  });
  syncBuiltinESMExports();
  let reported: (err: Error) => void = () => {};
  const failure = new Promise<Error>((r) => {
    reported = r;
  });
  const now = 1_764_000_000_000;
  const server = new StatsdServer({
    host: '127.0.0.1',
    port: 0,
    store: s.store,
    clock: () => now,
    flushIntervalMs: 5, // the timer path under test; the test waits on its report, not on time
    onFlushError: (err) => reported(err),
  });
  try {
    const { port } = await server.start();
    const client = new StatsD({ host: '127.0.0.1', port, errorHandler: () => {} });
    client.increment('flush.jobs', 3);
    await server.waitForDatagrams(1);
    assert.match((await failure).message, /EIO/);
    assert.ok(server.flushFailures >= 1);
    failing = false;
    client.increment('flush.jobs', 1); // still listening
    await server.waitForDatagrams(2);
    await new Promise<void>((r) => client.close(() => r()));
    await server.flush();
    const jobs = s.source.select([{ name: '__name__', type: '=', value: 'flush_jobs' }], 0, now * 2);
    assert.deepEqual(jobs[0].values, [4]);
  } finally {
    Reflect.set(fs, 'fdatasync', realFdatasync);
    syncBuiltinESMExports();
    await server.stop();
    await s.close();
  }
});

test('a StatsD series not updated for STATSD_IDLE_TTL ends with a staleness marker and is no longer written; one that comes back starts over', async () => {
  const s = openStore();
  const T0 = 1_764_000_000_000;
  let now = T0;
  const server = new StatsdServer({
    host: '127.0.0.1',
    port: 0,
    store: s.store,
    clock: () => now,
    flushIntervalMs: 3600_000,
    idleTtlMs: 60_000,
  });
  const { port } = await server.start();
  let sent = 0;
  const udp = async (...lines: string[]) => {
    const sock = createSocket('udp4');
    for (const line of lines)
      await new Promise<void>((r, j) => sock.send(line, port, '127.0.0.1', (e) => (e ? j(e) : r())));
    sock.close();
    sent += lines.length;
    await server.waitForDatagrams(sent);
  };
  await udp('pod.hits:1|c|#pod:a', 'busy.hits:1|c', 'pod.temp:5|g|#pod:a', 'pod.lat:100|ms|#pod:a');
  await server.flush(); // T0: all four written
  now = T0 + 30_000;
  await udp('busy.hits:1|c');
  await server.flush(); // 30 s idle < 60 s: still written
  now = T0 + 70_000;
  await udp('busy.hits:1|c');
  await server.flush(); // 70 s idle: the pod's series get their staleness marker
  now = T0 + 80_000;
  await server.flush(); // and are not written any more
  const read = (name: string) => s.source.select([{ name: '__name__', type: '=', value: name }], 0, T0 * 2);
  const hits = read('pod_hits')[0];
  assert.deepEqual(hits.timestamps, [T0, T0 + 30_000, T0 + 70_000]);
  assert.deepEqual([...(hits.stale ?? [])], [0, 0, 1]);
  assert.deepEqual(read('pod_temp')[0].timestamps, [T0, T0 + 30_000, T0 + 70_000]);
  assert.equal(read('pod_lat_bucket').length, 21);
  for (const b of read('pod_lat_bucket')) assert.equal(b.stale?.[2], 1);
  assert.deepEqual(read('busy_hits')[0].values, [1, 2, 3, 3]);
  assert.equal(server.aggregator.expired, 3);
  // PromQL stops returning them at the marker, not 5 minutes later.
  const at = (q: string, t: number) => evaluateInstant(s.source, q, t).result as { v: number }[];
  assert.equal(at('pod_hits', T0 + 69_000).length, 1);
  assert.deepEqual(at('pod_hits', T0 + 75_000), []);
  assert.deepEqual(at('pod_temp', T0 + 75_000), []);
  assert.equal(at('busy_hits', T0 + 80_000)[0].v, 3);
  // Back after going idle: a fresh counter (rate() sees a reset), and the name may change type.
  now = T0 + 90_000;
  await udp('pod.hits:2|c|#pod:a', 'pod.temp:1|c|#pod:a');
  await server.flush();
  assert.deepEqual(read('pod_hits')[0].values.slice(-1), [2]);
  assert.deepEqual(read('pod_temp')[0].values.slice(-1), [1]);
  assert.equal(server.aggregator.typeConflicts, 0);
  await server.stop();
  await s.close();
});

test('an idle StatsD series whose last flush failed gets its staleness marker from the next flush', async () => {
  const s = openStore();
  const T0 = 1_764_000_000_000;
  let now = T0;
  const server = new StatsdServer({
    host: '127.0.0.1',
    port: 0,
    store: s.store,
    clock: () => now,
    flushIntervalMs: 3600_000,
    idleTtlMs: 60_000,
  });
  await server.start();
  server.receive(Buffer.from('gone:1|c'));
  await server.flush();
  now = T0 + 60_000;
  const append = s.store.appendSamples.bind(s.store);
  s.store.appendSamples = () => Promise.reject(new Error('EIO'));
  await assert.rejects(server.flush(), /EIO/);
  s.store.appendSamples = append;
  now = T0 + 70_000;
  await server.flush();
  const gone = s.source.select([{ name: '__name__', type: '=', value: 'gone' }], 0, T0 * 2)[0];
  assert.deepEqual(gone.timestamps, [T0, T0 + 70_000]);
  assert.deepEqual([...(gone.stale ?? [])], [0, 1]);
  now = T0 + 80_000;
  await server.flush();
  assert.equal(
    s.source.select([{ name: '__name__', type: '=', value: 'gone' }], 0, T0 * 2)[0].timestamps.length,
    2,
  );
  await server.stop();
  await s.close();
});

// remote_write over real HTTP: the captured Prometheus 2.42 requests, status codes for bad input,
// and the JSON push batch.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { TestApp } from '@flowrent/shared/testing';
import { compressSync } from 'snappy';
import type { Config } from '../src/config.js';
import {
  MAX_PUSH_BYTES,
  MAX_REMOTE_WRITE_BYTES,
  MAX_REMOTE_WRITE_DECODED_BYTES,
} from '../src/http/ingest-routes.js';
import { encodeWriteRequest } from '../src/ingest/remote-write-encode.js';
import { FIXTURES, type HttpFixture, startCollector } from './ingest-helpers.js';

let t: TestApp<Config>;
before(async () => {
  t = await startCollector();
});
after(async () => {
  await t.close();
});

function fixture(name: string): HttpFixture {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as HttpFixture;
}

async function replay(name: string): Promise<Response> {
  const f = fixture(name);
  const headers: Record<string, string> = { ...t.adminHeaders };
  for (const h of ['content-type', 'content-encoding', 'x-prometheus-remote-write-version', 'user-agent']) {
    if (f.headers[h]) headers[h] = f.headers[h];
  }
  return fetch(`${t.url}${f.url}`, { method: 'POST', headers, body: Buffer.from(f.body_base64, 'base64') });
}

const rwHeaders = () => ({
  ...t.adminHeaders,
  'content-type': 'application/x-protobuf',
  'content-encoding': 'snappy',
  'x-prometheus-remote-write-version': '0.1.0',
});

test('captured Prometheus 2.42 remote_write requests are stored with their labels and values', async () => {
  for (const n of [1, 2, 3]) {
    const res = await replay(`prometheus-2.42.0-remote-write-${n}.json`);
    assert.equal(res.status, 204, await res.text());
  }
  const source = t.app.ingestion.source;
  const ups = source.select([{ name: '__name__', type: '=', value: 'up' }], 0, Date.now() * 2);
  const byInstance = Object.fromEntries(ups.map((s) => [s.labels.instance, s]));
  assert.deepEqual(byInstance['127.0.0.1:18080'].labels, {
    __name__: 'up',
    cluster: 'capture',
    instance: '127.0.0.1:18080',
    job: 'scrape-probe',
  });
  // A value of 0 is absent on the wire and must read back as 0.
  assert.deepEqual(byInstance['127.0.0.1:18080'].values, [0]);
  assert.deepEqual(byInstance['127.0.0.1:18080'].timestamps, [1795635903274]);
  assert.deepEqual(byInstance['127.0.0.1:19090'].timestamps, [1795635903956, 1795635904956, 1795635905956]);
  assert.deepEqual(byInstance['127.0.0.1:19090'].values, [1, 1, 1]);
  const build = source.select(
    [{ name: '__name__', type: '=', value: 'prometheus_build_info' }],
    0,
    Date.now() * 2,
  );
  assert.equal(build[0].labels.revision, '2.42.0+ds-5+deb12u1');
  const all = source.series([[{ name: 'cluster', type: '=', value: 'capture' }]], 0, Date.now() * 2);
  assert.ok(all.length >= 438, `${all.length} series`);
  assert.ok(source.labelValues('__name__', [], 0, Date.now() * 2).length >= 241);
});

test('a metadata-only remote_write request is accepted with 204', async () => {
  const res = await replay('prometheus-2.42.0-remote-write-metadata.json');
  assert.equal(res.status, 204);
});

test('remote_write answers 400 for bodies that can never succeed and 415 for 2.0', async () => {
  const post = (body: Uint8Array, headers: Record<string, string> = rwHeaders()) =>
    fetch(`${t.url}/api/v1/write`, { method: 'POST', headers, body });
  let res = await post(Buffer.from('not snappy at all'));
  assert.equal(res.status, 400);
  assert.match(await res.text(), /snappy/);
  res = await post(compressSync(Buffer.from([0x0a, 0x05, 0x0a])));
  assert.equal(res.status, 400);
  assert.match(await res.text(), /malformed WriteRequest/);
  // A block that declares 4 GB of output is refused before anything is decompressed, with 413 (the
  // sender does not retry it: it can never fit) and the limit in the body.
  res = await post(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]));
  assert.equal(res.status, 413);
  const body = (await res.json()) as { error: { code: string; message: string; details: unknown } };
  assert.equal(body.error.code, 'too_large');
  assert.match(body.error.message, /decoded WriteRequest too large: 4294967295 bytes/);
  assert.deepEqual(body.error.details, {
    limit: 'MAX_REMOTE_WRITE_DECODED_BYTES',
    limit_bytes: MAX_REMOTE_WRITE_DECODED_BYTES,
  });
  res = await post(Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80]));
  assert.equal(res.status, 400);
  assert.match(await res.text(), /not snappy block data/);
  res = await post(compressSync(Buffer.from([])), {
    ...rwHeaders(),
    'content-type': 'application/x-protobuf;proto=io.prometheus.write.v2.Request',
  });
  assert.equal(res.status, 415);
  res = await fetch(`${t.url}/api/v1/write`, { method: 'POST', body: compressSync(Buffer.from([])) });
  assert.equal(res.status, 401);
});

test('ingest routes answer 413 naming the limit when Content-Length is over it', async () => {
  // The declared length alone decides: the body is refused before it is read.
  for (const [path, name, limit] of [
    ['/api/v1/write', 'MAX_REMOTE_WRITE_BYTES', MAX_REMOTE_WRITE_BYTES],
    ['/api/metrics', 'MAX_PUSH_BYTES', MAX_PUSH_BYTES],
  ] as const) {
    const { status, text } = await postDeclaring(path, limit + 1);
    assert.equal(status, 413, path);
    const body = JSON.parse(text) as { error: { code: string; message: string; details: unknown } };
    assert.equal(body.error.code, 'too_large');
    assert.match(body.error.message, new RegExp(`${limit + 1} bytes`));
    assert.deepEqual(body.error.details, { limit: name, limit_bytes: limit });
  }
});

/** POSTs a few bytes to `path` with a Content-Length of `declared` and reads the answer. */
function postDeclaring(path: string, declared: number): Promise<{ status: number; text: string }> {
  const url = new URL(`${t.url}${path}`);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { ...rwHeaders(), 'content-length': String(declared) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
        });
        res.on('end', () => {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, text });
        });
      },
    );
    req.on('error', reject);
    req.write(Buffer.alloc(16));
  });
}

test('remote_write keeps valid samples and answers 400 naming a series over a limit', async () => {
  const long = 'x'.repeat(5000);
  const body = encodeWriteRequest([
    { labels: [['__name__', 'ok_metric']], timestamps: [1_700_000_000_000], values: [7] },
    {
      labels: [
        ['__name__', 'bad_metric'],
        ['v', long],
      ],
      timestamps: [1_700_000_000_000],
      values: [1],
    },
  ]);
  const res = await fetch(`${t.url}/api/v1/write`, {
    method: 'POST',
    headers: rwHeaders(),
    body: compressSync(Buffer.from(body)),
  });
  assert.equal(res.status, 400);
  const err = (await res.json()) as { error: { message: string } };
  assert.match(err.error.message, /bad_metric\{v=/);
  const ok = t.app.ingestion.source.select([{ name: '__name__', type: '=', value: 'ok_metric' }], 0, 2e12);
  assert.deepEqual(ok[0].values, [7]);
});

test('POST /api/metrics stores counters, gauges and histograms and names a bad metric', async () => {
  const now = Date.now() / 1000;
  const res = await fetch(`${t.url}/api/metrics`, {
    method: 'POST',
    headers: { ...t.adminHeaders, 'content-type': 'application/json' },
    body: JSON.stringify({
      metrics: [
        { name: 'jobs_total', type: 'counter', labels: { queue: 'emails' }, value: 12, timestamp: now },
        { name: 'temp', type: 'gauge', value: -3.5, ttl_seconds: 300 },
        {
          name: 'latency_seconds',
          type: 'histogram',
          buckets: [
            { le: 0.1, count: 3 },
            { le: '+Inf', count: 10 },
          ],
          sum: 1.2,
          count: 10,
        },
      ],
    }),
  });
  assert.equal(res.status, 204, await res.text());
  const source = t.app.ingestion.source;
  const read = (name: string) =>
    source.select([{ name: '__name__', type: '=', value: name }], 0, Date.now() + 60_000);
  assert.deepEqual(read('jobs_total')[0].labels, { __name__: 'jobs_total', queue: 'emails' });
  assert.deepEqual(read('temp')[0].values, [-3.5]);
  assert.deepEqual(
    read('latency_seconds_bucket').map((s) => [s.labels.le, s.values[0]]),
    [
      ['0.1', 3],
      ['+Inf', 10],
    ],
  );
  assert.deepEqual(read('latency_seconds_count')[0].values, [10]);
  const bad = await fetch(`${t.url}/api/metrics`, {
    method: 'POST',
    headers: { ...t.adminHeaders, 'content-type': 'application/json' },
    body: JSON.stringify({ metrics: [{ name: 'broken_gauge', type: 'gauge', value: 'abc' }] }),
  });
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /broken_gauge/);
});

test('the collector reports its store and log figures on /metrics', async () => {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  assert.match(text, /^metrics_active_series \d+/m);
  assert.match(text, /^metrics_wal_fsyncs_total \d+/m);
  assert.match(text, /^metrics_wal_writes_total \d+/m);
});

test('a staleness marker sent over remote_write ends the series for /api/v1/query at once', async () => {
  const T = 1_795_700_000_000;
  const body = encodeWriteRequest([
    {
      labels: [
        ['__name__', 'stale_probe'],
        ['job', 'rw-stale'],
      ],
      timestamps: [T, T + 15_000, T + 30_000],
      values: [1, 2, Number.NaN],
      stale: [0, 0, 1],
    },
  ]);
  const res = await fetch(`${t.url}/api/v1/write`, {
    method: 'POST',
    headers: rwHeaders(),
    body: compressSync(Buffer.from(body)),
  });
  assert.equal(res.status, 204, await res.text());
  const query = async (at: number) => {
    const params = new URLSearchParams({ query: 'stale_probe', time: String(at / 1000) });
    const r = await fetch(`${t.url}/api/v1/query?${params}`, { headers: t.adminHeaders });
    const json = (await r.json()) as { data: { result: Array<{ value: [number, string] }> } };
    return json.data.result.map((x) => x.value[1]);
  };
  assert.deepEqual(await query(T + 29_999), ['2']);
  assert.deepEqual(await query(T + 30_000), []);
  assert.deepEqual(await query(T + 120_000), []); // without the marker: '2' for 5 minutes
  const [s] = t.app.ingestion.source.select([{ name: 'job', type: '=', value: 'rw-stale' }], T, T + 30_000);
  assert.deepEqual(Array.from(s.stale ?? []), [0, 0, 1]);
});

// POST /api/v1/write is served by node:http before Fastify routes (remote-write-listener.ts): what
// the shared hooks gave the route must still hold — request ids, the error body, Content-Encoding,
// the request and ingest-byte metrics — and every other request still reaches Fastify.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { TestApp } from '@flowrent/shared/testing';
import { compressSync } from 'snappy';
import type { Config } from '../src/config.js';
import { encodeWriteRequest } from '../src/ingest/remote-write-encode.js';
import { startCollector } from './ingest-helpers.js';

const INGEST_KEY = 'ingest-only-key';
let t: TestApp<Config>;
before(async () => {
  t = await startCollector({ INGEST_API_KEY: INGEST_KEY });
});
after(async () => {
  await t.close();
});

const T = 1_795_700_000_000;

function body(name: string, value: number): Buffer {
  return compressSync(
    Buffer.from(encodeWriteRequest([{ labels: [['__name__', name]], timestamps: [T], values: [value] }])),
  );
}

function post(bytes: Uint8Array, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${t.url}/api/v1/write`, {
    method: 'POST',
    headers: {
      ...t.adminHeaders,
      'content-type': 'application/x-protobuf',
      'content-encoding': 'snappy',
      ...headers,
    },
    body: bytes,
  });
}

function read(name: string): number[] {
  const [s] = t.app.ingestion.source.select([{ name: '__name__', type: '=', value: name }], 0, 2e12);
  return s ? Array.from(s.values) : [];
}

test('remote_write echoes a sane X-Request-Id and makes one up otherwise, on 204 and on errors', async () => {
  let res = await post(body('rid_probe', 1), { 'x-request-id': 'abc-123' });
  assert.equal(res.status, 204);
  assert.equal(res.headers.get('x-request-id'), 'abc-123');
  res = await post(body('rid_probe', 1), { 'x-request-id': 'not ok!' });
  assert.equal(res.status, 204);
  assert.match(res.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  res = await post(Buffer.from('not snappy'), { 'x-request-id': 'bad-1' });
  assert.equal(res.status, 400);
  assert.equal(res.headers.get('x-request-id'), 'bad-1');
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  const err = (await res.json()) as { error: { code: string; message: string } };
  assert.equal(err.error.code, 'parse_error');
  assert.match(err.error.message, /not snappy block data/);
});

test('remote_write answers 401 in the shared error shape for a missing or wrong key', async () => {
  for (const [headers, message] of [
    [{}, 'missing API key'],
    [{ authorization: 'Bearer wrong' }, 'invalid API key'],
  ] as const) {
    const res = await fetch(`${t.url}/api/v1/write`, {
      method: 'POST',
      headers: { 'content-encoding': 'snappy', ...headers },
      body: body('unauthorized_probe', 1),
    });
    assert.equal(res.status, 401);
    assert.deepEqual(await res.json(), { error: { code: 'unauthorized', message } });
  }
  assert.deepEqual(read('unauthorized_probe'), []);
});

test('remote_write and the JSON push take INGEST_API_KEY as well as the admin key', async () => {
  for (const auth of [
    `Bearer ${INGEST_KEY}`,
    `Basic ${Buffer.from(`prom:${INGEST_KEY}`).toString('base64')}`,
  ]) {
    const res = await post(body('ingest_key_probe', 1), { authorization: auth });
    assert.equal(res.status, 204, await res.text());
  }
  const push = await fetch(`${t.url}/api/metrics`, {
    method: 'POST',
    headers: { 'x-api-key': INGEST_KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ metrics: [{ name: 'ingest_key_push', type: 'gauge', value: 2 }] }),
  });
  assert.equal(push.status, 204, await push.text());
  // The ingest key is not an admin key.
  const query = await fetch(`${t.url}/api/v1/query?query=up`, {
    headers: { authorization: `Bearer ${INGEST_KEY}` },
  });
  assert.equal(query.status, 401);
  assert.deepEqual(read('ingest_key_probe'), [1]);
});

test('a remote_write body wrapped in gzip (Content-Encoding: gzip) is undone before snappy', async () => {
  const res = await post(gzipSync(body('gzip_probe', 42)), { 'content-encoding': 'gzip' });
  assert.equal(res.status, 204, await res.text());
  assert.deepEqual(read('gzip_probe'), [42]);
});

test('a chunked remote_write body (no Content-Length) is read whole', async () => {
  const bytes = body('chunked_probe', 7);
  const stream = new ReadableStream({
    start(controller) {
      controller.enqueue(bytes.subarray(0, 5));
      controller.enqueue(bytes.subarray(5));
      controller.close();
    },
  });
  const res = await fetch(`${t.url}/api/v1/write`, {
    method: 'POST',
    headers: { ...t.adminHeaders, 'content-encoding': 'snappy' },
    body: stream,
    duplex: 'half',
  } as RequestInit);
  assert.equal(res.status, 204, await res.text());
  assert.deepEqual(read('chunked_probe'), [7]);
});

test('remote_write requests are counted on /metrics as the shared hooks count other routes', async () => {
  const metrics = async () => (await fetch(`${t.url}/metrics`)).text();
  const value = (text: string, series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line ? Number(line.slice(series.length + 1)) : 0;
  };
  const ok = 'http_requests_total{method="POST",route="/api/v1/write",status="204"}';
  const bad = 'http_requests_total{method="POST",route="/api/v1/write",status="400"}';
  const bytes = 'ingest_received_bytes_total{route="/api/v1/write"}';
  const count = 'http_request_duration_seconds_count{method="POST",route="/api/v1/write"}';
  const before = await metrics();
  const sent = body('metrics_probe', 3);
  assert.equal((await post(sent)).status, 204);
  assert.equal((await post(Buffer.from('x'))).status, 400);
  const afterText = await metrics();
  assert.equal(value(afterText, ok) - value(before, ok), 1);
  assert.equal(value(afterText, bad) - value(before, bad), 1);
  assert.equal(value(afterText, bytes) - value(before, bytes), sent.length + 1);
  assert.equal(value(afterText, count) - value(before, count), 2);
});

test('a client that leaves mid-body is counted as a 400 and applies nothing; the server goes on', async () => {
  const series = 'http_requests_total{method="POST",route="/api/v1/write",status="400"}';
  const count = async () => {
    const text = await (await fetch(`${t.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line ? Number(line.slice(series.length + 1)) : 0;
  };
  const before = await count();
  const { port } = new URL(t.url);
  const req = httpRequest({
    host: '127.0.0.1',
    port,
    path: '/api/v1/write',
    method: 'POST',
    headers: { ...t.adminHeaders, 'content-encoding': 'snappy', 'content-length': '1000' },
  });
  req.on('error', () => {}); // our own destroy
  const bytes = body('aborted_probe', 1);
  req.write(bytes.subarray(0, 8), () => req.destroy());
  // The server sees the reset on its own schedule: ask until it has counted the request.
  while ((await count()) === before) await new Promise((r) => setImmediate(r));
  assert.equal((await count()) - before, 1);
  assert.deepEqual(read('aborted_probe'), []);
  assert.equal((await post(body('after_abort_probe', 2))).status, 204);
});

test('other methods and paths next to /api/v1/write still go through Fastify', async () => {
  // a GET is routed like Prometheus' other API methods (api-methods-oracle.test.ts): 405, POST allowed
  let res = await fetch(`${t.url}/api/v1/write`, { headers: t.adminHeaders });
  assert.equal(res.status, 405);
  assert.equal(res.headers.get('allow'), 'OPTIONS, POST');
  res = await fetch(`${t.url}/api/v1/writes`, { method: 'POST', headers: t.adminHeaders, body: 'x' });
  assert.equal(res.status, 404);
  res = await fetch(`${t.url}/api/v1/write?x=1`, {
    method: 'POST',
    headers: { ...t.adminHeaders, 'content-encoding': 'snappy' },
    body: body('query_string_probe', 6),
  });
  assert.equal(res.status, 204);
  assert.deepEqual(read('query_string_probe'), [6]);
});

import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import zlib from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { ValidationError } from '../errors.js';
import { Registry } from '../metrics.js';
import { createServiceApp } from './app.js';
import { keysMatch } from './auth.js';

const API_KEY = 'admin-key-0123456789';
let app: FastifyInstance;
let base: string;
let ready = true;

before(async () => {
  app = createServiceApp({
    service: { name: 'test', version: '1.2.3' },
    config: { API_KEY, LOG_LEVEL: 'silent' },
    registry: new Registry(),
    isReady: () => ready,
    logger: false,
  });
  app.post('/echo', async (request) => ({ body: request.body ?? null }));
  app.post(
    '/ingest',
    { config: { auth: 'public', ingest: { maxBodyBytes: 64 * 1024, maxDecodedBytes: 256 * 1024 } } },
    async (request) => ({
      bytes: (request.body as Buffer).length,
      text: (request.body as Buffer).toString().slice(0, 20),
    }),
  );
  app.post('/raw', { config: { rawBody: true } }, async (request) => ({
    raw: Buffer.isBuffer(request.body) ? (request.body as Buffer).toString() : null,
  }));
  app.get('/boom', async () => {
    throw new Error('secret internals');
  });
  app.get('/invalid', async () => {
    throw new ValidationError('limit must be positive', { field: 'limit' });
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
after(() => app.close());

const admin = { authorization: `Bearer ${API_KEY}` };

async function post(path: string, body: Buffer | string, headers: Record<string, string> = {}) {
  const res = await fetch(base + path, { method: 'POST', body, headers: { ...admin, ...headers } });
  return { status: res.status, headers: res.headers, json: await res.json() };
}

test('admin routes accept the key as Bearer, X-API-Key or Basic password', async () => {
  const basic = `Basic ${Buffer.from(`user:${API_KEY}`).toString('base64')}`;
  for (const headers of [admin, { 'x-api-key': API_KEY }, { authorization: basic }]) {
    const res = await fetch(`${base}/echo`, { method: 'POST', headers });
    assert.equal(res.status, 200, JSON.stringify(headers));
  }
});

test('a wrong or missing key gets 401 with a JSON error body', async () => {
  for (const headers of [{}, { authorization: 'Bearer nope' }, { 'x-api-key': `${API_KEY}x` }]) {
    const res = await fetch(`${base}/echo`, { method: 'POST', headers });
    assert.equal(res.status, 401);
    const body = await res.json();
    assert.equal(body.error.code, 'unauthorized');
    assert.match(body.error.message, /API key/);
  }
});

test('keysMatch() compares fixed-length digests, so keys of any length compare without throwing', () => {
  assert.equal(keysMatch('a', 'a-much-longer-expected-key'), false);
  assert.equal(keysMatch('a-much-longer-presented-key-than-expected', 'b'), false);
  assert.equal(keysMatch(undefined, 'x'), false);
  assert.equal(keysMatch('', ''), false);
  assert.equal(keysMatch('same', 'same'), true);
  // expected digests are remembered; many distinct expected keys still compare correctly
  for (let i = 0; i < 200; i++) {
    assert.equal(keysMatch(`key-${i}`, `key-${i}`), true);
    assert.equal(keysMatch(`key-${i}`, `key-${i + 1}`), false);
  }
  assert.equal(keysMatch('same', 'same'), true);
});

test('JSON bodies are parsed, and malformed JSON gets 400 naming the position', async () => {
  const ok = await post('/echo', '{"a":[1,2]}', { 'content-type': 'application/json' });
  assert.deepEqual(ok.json, { body: { a: [1, 2] } });
  const bad = await post('/echo', '{"a":\n [1,,2]}', { 'content-type': 'application/json' });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, 'parse_error');
  assert.deepEqual(bad.json.error.details.position, { offset: 10, line: 2, column: 5 });
});

test('ingest routes decode gzip, deflate (zlib and raw) and br bodies', async () => {
  const text = 'hello ingest '.repeat(100);
  const encodings: Array<[string, Buffer]> = [
    ['gzip', zlib.gzipSync(text)],
    ['deflate', zlib.deflateSync(text)],
    ['deflate', zlib.deflateRawSync(text)],
    ['br', zlib.brotliCompressSync(text)],
    ['identity', Buffer.from(text)],
  ];
  for (const [encoding, body] of encodings) {
    const res = await post('/ingest', body, { 'content-encoding': encoding });
    assert.equal(res.status, 200, encoding);
    assert.deepEqual(res.json, { bytes: text.length, text: text.slice(0, 20) });
  }
});

test('a body over the wire limit gets 413 before it is parsed', async () => {
  const res = await post('/ingest', Buffer.alloc(65 * 1024, 'a'));
  assert.equal(res.status, 413);
  assert.equal(res.json.error.code, 'too_large');
  assert.equal(res.json.error.details.limit_bytes, 64 * 1024);
  assert.match(res.json.error.message, /65536-byte limit/);
});

test('a chunked body without Content-Length over the limit gets 413', async () => {
  const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest(`${base}/ingest`, { method: 'POST' }, (res) => {
      let data = '';
      res.on('data', (c) => {
        data += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
    });
    req.on('error', reject);
    for (let i = 0; i < 80; i++) req.write(Buffer.alloc(1024, 'b'));
    req.end();
  });
  assert.equal(status, 413);
  assert.equal(JSON.parse(body).error.code, 'too_large');
  assert.equal(JSON.parse(body).error.details.limit_bytes, 64 * 1024);
});

test('a decompression bomb gets 413, not an out-of-memory', async () => {
  const bomb = zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024)); // 64 MiB of zeros in ~64 KB
  assert.ok(bomb.length < 64 * 1024);
  const res = await post('/ingest', bomb, { 'content-encoding': 'gzip' });
  assert.equal(res.status, 413);
  assert.match(res.json.error.message, /decompressed body exceeds 262144 bytes/);
});

test('an unknown Content-Encoding gets 415, corrupt gzip gets 400', async () => {
  const unknown = await post('/ingest', 'x', { 'content-encoding': 'zstd-ish' });
  assert.equal(unknown.status, 415);
  assert.equal(unknown.json.error.code, 'unsupported_media_type');
  const corrupt = await post('/ingest', 'not gzip at all', { 'content-encoding': 'gzip' });
  assert.equal(corrupt.status, 400);
});

test('typed errors map to their status; other errors to a 500 that hides internals', async () => {
  const invalid = await fetch(`${base}/invalid`, { headers: admin });
  assert.equal(invalid.status, 422);
  assert.deepEqual(await invalid.json(), {
    error: { code: 'validation_error', message: 'limit must be positive', details: { field: 'limit' } },
  });
  const boom = await fetch(`${base}/boom`, { headers: admin });
  assert.equal(boom.status, 500);
  assert.doesNotMatch(await boom.text(), /secret internals/);
});

test('requests get an id, echoed from X-Request-Id when the client sends a sane one', async () => {
  const res = await fetch(`${base}/healthz`, { headers: { 'x-request-id': 'abc-123' } });
  assert.equal(res.headers.get('x-request-id'), 'abc-123');
  const generated = await fetch(`${base}/healthz`);
  assert.match(generated.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
});

test('/healthz, /readyz and /metrics need no key; /readyz follows readiness', async () => {
  assert.equal((await fetch(`${base}/healthz`)).status, 200);
  assert.equal((await fetch(`${base}/readyz`)).status, 200);
  ready = false;
  assert.equal((await fetch(`${base}/readyz`)).status, 503);
  ready = true;
  const metrics = await fetch(`${base}/metrics`);
  assert.equal(metrics.status, 200);
  assert.match(metrics.headers.get('content-type') ?? '', /text\/plain; version=0.0.4/);
  const text = await metrics.text();
  assert.match(text, /http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
  assert.match(text, /http_request_duration_seconds_bucket\{method="POST",route="\/ingest",le="0.005"\}/);
  assert.match(text, /ingest_received_bytes_total\{route="\/ingest"\} \d+/);
  assert.match(text, /process_resident_memory_bytes \d+/);
});

test('unknown routes get a JSON 404', async () => {
  const res = await fetch(`${base}/nope`, { headers: admin });
  assert.equal(res.status, 404);
  assert.equal((await res.json()).error.code, 'not_found');
});

test('an unknown route gets 404 even when the request has a Content-Encoding', async () => {
  const res = await post('/nowhere', Buffer.from('x'), { 'content-encoding': 'gzip' });
  assert.equal(res.status, 404);
});

test('a rawBody route gets the bytes as sent, e.g. a form with repeated keys', async () => {
  const res = await post('/raw', 'match[]=a&match[]=b', {
    'content-type': 'application/x-www-form-urlencoded',
  });
  assert.deepEqual(res.json, { raw: 'match[]=a&match[]=b' });
});

test('successful requests are logged at debug only; a rejected one at info', async () => {
  const linesAt = async (level: string) => {
    const lines: Array<{ msg: string; status?: number; url?: string }> = [];
    const logged = createServiceApp({
      service: { name: 'test', version: '1' },
      config: { API_KEY, LOG_LEVEL: level },
      registry: new Registry(),
      isReady: () => true,
      logStream: { write: (line) => lines.push(JSON.parse(line)) },
    });
    logged.get('/ok', async () => ({ ok: true }));
    assert.equal((await logged.inject({ url: '/ok', headers: admin })).statusCode, 200);
    assert.equal((await logged.inject({ url: '/ok' })).statusCode, 401);
    await logged.close();
    return lines;
  };
  const info = await linesAt('info');
  assert.deepEqual(
    info.map((l) => l.msg),
    ['missing API key'],
  );
  const debug = await linesAt('debug');
  assert.deepEqual(
    debug.filter((l) => l.msg === 'request').map((l) => [l.url, l.status]),
    [
      ['/ok', 200],
      ['/ok', 401],
    ],
  );
});

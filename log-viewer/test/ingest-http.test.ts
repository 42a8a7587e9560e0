// The ingest endpoints over real HTTP: captures replayed as sent, answers per protocol, auth, limits,
// and the Elasticsearch probes shippers make.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { TEST_API_KEY } from '@flowrent/shared/testing';
import { compressSync } from 'snappy';
import { ProtoReader } from '../src/ingest/protobuf.js';
import { INGEST_KEY, type IngestServer, startIngestServer } from './ingest-helpers.js';

let server: IngestServer;
const ingest = { authorization: `Bearer ${INGEST_KEY}` };

before(async () => {
  server = await startIngestServer();
});
after(async () => {
  await server.close();
});

function post(path: string, body: string | Buffer, headers: Record<string, string> = {}) {
  return fetch(server.url + path, { method: 'POST', body, headers: { ...ingest, ...headers } });
}

test('every fixture capture replayed with its own headers is accepted and stored', async () => {
  const dir = new URL('./fixtures/logs/', import.meta.url);
  let expected = 0;
  for (const name of readdirSync(dir)) {
    const c = JSON.parse(readFileSync(new URL(name, dir), 'utf8'));
    const headers: Record<string, string> = { ...ingest, 'content-type': c.headers['content-type'] };
    if (c.headers['content-encoding']) headers['content-encoding'] = c.headers['content-encoding'];
    const arrived = server.waitForRecords(name.includes('unbatched') ? 1 : 5);
    const res = await fetch(server.url + c.url, {
      method: 'POST',
      headers,
      body: Buffer.from(c.body_base64, 'base64'),
    });
    assert.equal(res.status, c.url === '/v1/logs' ? 200 : 204, name);
    if (c.url === '/v1/logs' && c.headers['content-type'] === 'application/json')
      assert.deepEqual(await res.json(), {});
    if (c.url === '/v1/logs' && c.headers['content-type'] === 'application/x-protobuf') {
      assert.equal(res.headers.get('content-type'), 'application/x-protobuf');
      assert.equal((await res.arrayBuffer()).byteLength, 0);
    }
    expected += (await arrived).length;
  }
  assert.equal(expected, 4 * 5 + 5 + 5 + 5 + 5);
  const traced = server.all().filter((r) => r.traceId === '5b8efff798038103d269b633813fc60c');
  assert.ok(
    traced.length >= 4 + 2,
    `otlp error records and pino metadata carry the trace id (${traced.length})`,
  );
});

test('POST /api/logs takes NDJSON with the ingest key; bad lines are a 400 naming the line', async () => {
  const arrived = server.waitForRecords(2);
  const ok = await post(
    '/api/logs',
    '{"ts":1795635894.5,"msg":"a","service":"curl"}\n{"@t":"2026-11-25T19:44:54Z","@m":"b","@l":"Warning"}\n',
    {
      'content-type': 'application/x-ndjson',
    },
  );
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), { accepted: 2 });
  assert.deepEqual(
    (await arrived).map((r) => [r.message, r.level]),
    [
      ['a', 'info'],
      ['b', 'warn'],
    ],
  );
  const bad = await post('/api/logs', '{"msg":"a"}\n{"msg":', { 'content-type': 'application/x-ndjson' });
  assert.equal(bad.status, 400);
  const body = (await bad.json()) as { error: { code: string; message: string } };
  assert.match(body.error.message, /^line 2/);
  const tooLong = await post('/api/logs', JSON.stringify({ msg: 'x'.repeat(300_000) }));
  assert.equal(tooLong.status, 413);
  assert.match(((await tooLong.json()) as { error: { message: string } }).error.message, /MAX_LINE_BYTES/);
});

test('ingest routes need a key; the ingest key does not open the read API', async () => {
  assert.equal((await fetch(`${server.url}/api/logs`, { method: 'POST', body: '{"msg":"x"}' })).status, 401);
  assert.equal((await post('/loki/api/v1/push', '{}', { authorization: 'Bearer wrong' })).status, 401);
  const basic = `Basic ${Buffer.from(`tenant:${INGEST_KEY}`).toString('base64')}`;
  const arrived = server.waitForRecords(1);
  const res = await post('/api/logs', '{"msg":"basic auth"}', { authorization: basic });
  assert.equal(res.status, 200);
  await arrived;
  const admin = await post('/api/logs', '[{"msg":"admin key"}]', {
    authorization: `Bearer ${TEST_API_KEY}`,
    'content-type': 'application/json',
  });
  assert.equal(admin.status, 200);
  await server.waitForRecords(1);
  const read = await fetch(`${server.url}/api/fields`, { headers: ingest });
  assert.ok(read.status === 401 || read.status === 404, `read API refuses the ingest key (${read.status})`);
});

test('Loki push: JSON and snappy protobuf with or without Content-Encoding; label limit is a 400', async () => {
  const arrived = server.waitForRecords(1);
  const json = JSON.stringify({
    streams: [
      {
        stream: { app: 'loki-json' },
        values: [['1795635894000000000', 'hello', { trace_id: 'cd'.repeat(16) }]],
      },
    ],
  });
  assert.equal((await post('/loki/api/v1/push', json, { 'content-type': 'application/json' })).status, 204);
  assert.equal((await arrived)[0].traceId, 'cd'.repeat(16));
  const capture = JSON.parse(
    readFileSync(new URL('./fixtures/logs/winston-loki-6.1.7-protobuf.json', import.meta.url), 'utf8'),
  );
  const body = Buffer.from(capture.body_base64, 'base64');
  // The fixture test above stored this capture already: every entry of its 4 streams is still in its
  // stream's head window, so the whole push is dropped, as Loki drops it.
  const res = await post('/loki/api/v1/push', body, {
    'content-type': 'application/x-protobuf',
    'content-encoding': 'snappy',
  });
  assert.equal(res.status, 204);
  // another time: the same entry again would be a duplicate of the stream's last one (dropped, as Loki)
  const later = json.replace('1795635894000000000', '1795635894000000001');
  const next = server.waitForRecords(1);
  const snappyJson = await post('/loki/api/v1/push', compressSync(Buffer.from(later)), {
    'content-type': 'application/json',
    'content-encoding': 'snappy',
  });
  assert.equal(snappyJson.status, 204);
  // the first record stored after the capture's second push is this one: the capture added none
  assert.deepEqual(
    (await next).map((r) => r.message),
    ['hello'],
  );
  const labels = Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`l${i}`, 'v']));
  const many = await post(
    '/loki/api/v1/push',
    JSON.stringify({ streams: [{ stream: labels, values: [['1', 'x']] }] }),
    { 'content-type': 'application/json' },
  );
  assert.equal(many.status, 400);
  assert.match(
    ((await many.json()) as { error: { message: string } }).error.message,
    /MAX_LABELS_PER_STREAM/,
  );
  assert.equal(
    (await post('/loki/api/v1/push', 'garbage', { 'content-type': 'application/x-protobuf' })).status,
    400,
  );
});

// Black-box 8: an OTel Collector with k8sattributes + resourcedetection sends 30+ resource
// attributes; every record was rejected (partialSuccess, which collectors do not retry).
test('OTLP: a resource with more attributes than labels allow keeps its records', async () => {
  const attributes = [
    { key: 'service.name', value: { stringValue: 'k8sapp' } },
    ...Array.from({ length: 34 }, (_, i) => ({ key: `k8s.attr${i}`, value: { stringValue: `v${i}` } })),
  ];
  const doc = JSON.stringify({
    resourceLogs: [
      {
        resource: { attributes },
        scopeLogs: [{ logRecords: [{ body: { stringValue: 'many resource attrs' } }] }],
      },
    ],
  });
  const arrived = server.waitForRecords(1);
  const res = await post('/v1/logs', doc, { 'content-type': 'application/json' });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {});
  const [r] = await arrived;
  assert.equal(r.message, 'many resource attrs');
  assert.equal(r.service, 'k8sapp');
  assert.equal(Object.keys(r.labels).length, 30);
  assert.equal(r.attributes['k8s.attr33'], 'v33');
});

test('OTLP partial success is answered in the request encoding', async () => {
  const records = [{ body: { stringValue: 'ok' } }, { timeUnixNano: 'soon', body: { stringValue: 'bad' } }];
  const doc = JSON.stringify({
    resourceLogs: [{ resource: { attributes: [] }, scopeLogs: [{ logRecords: records }] }],
  });
  const arrived = server.waitForRecords(1);
  const res = await post('/v1/logs', gzipSync(doc), {
    'content-type': 'application/json',
    'content-encoding': 'gzip',
  });
  assert.equal(res.status, 200);
  const body = (await res.json()) as { partialSuccess: { rejectedLogRecords: string; errorMessage: string } };
  assert.equal(body.partialSuccess.rejectedLogRecords, '1');
  assert.match(body.partialSuccess.errorMessage, /timeUnixNano/);
  assert.equal((await arrived)[0].message, 'ok');
  assert.equal(
    (await post('/v1/logs', '{"resourceLogs":', { 'content-type': 'application/json' })).status,
    400,
  );
  // A protobuf request with a record timed past 2^63-1 ns (a resource of 31 attributes is no
  // reason any more: the rest beyond the labels is kept on each record).
  const kv = (k: string) =>
    Buffer.concat([
      Buffer.from([0x0a, k.length]),
      Buffer.from(k),
      Buffer.from([0x12, 0x03, 0x0a, 0x01, 0x76]),
    ]);
  const attrs = Buffer.concat(
    Array.from({ length: 31 }, (_, i) =>
      Buffer.concat([Buffer.from([0x0a]), Buffer.from([kv(`k${i}`).length]), kv(`k${i}`)]),
    ),
  );
  const resource = Buffer.concat([Buffer.from([0x0a]), encodeLen(attrs.length), attrs]);
  // ScopeLogs.log_records = a LogRecord whose time_unix_nano (fixed64) is 2^64-1
  const record = Buffer.from([0x12, 0x09, 0x09, ...Array(8).fill(0xff)]);
  const rl = Buffer.concat([resource, Buffer.from([0x12, record.length]), record]);
  const req = Buffer.concat([Buffer.from([0x0a]), encodeLen(rl.length), rl]);
  const pres = await post('/v1/logs', req, { 'content-type': 'application/x-protobuf' });
  assert.equal(pres.status, 200);
  const r = new ProtoReader(new Uint8Array(await pres.arrayBuffer()));
  r.tag();
  const partial = r.sub();
  assert.deepEqual(partial.tag(), [1, 0]);
  assert.equal(partial.varint(), 1);
});

function encodeLen(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}

test('Elasticsearch probes and _bulk answer like Elasticsearch, with X-Elastic-Product', async () => {
  const get = (path: string, init: RequestInit = {}) =>
    fetch(server.url + path, { ...init, headers: { ...ingest, accept: 'application/json' } });
  const root = await get('/');
  assert.equal(root.headers.get('x-elastic-product'), 'Elasticsearch');
  assert.match(((await root.json()) as { version: { number: string } }).version.number, /^8\./);
  assert.equal((await get('/', { method: 'HEAD' })).status, 200);
  const browser = await fetch(`${server.url}/`, { headers: { accept: 'text/html' } });
  assert.equal(
    browser.headers.get('x-elastic-product'),
    null,
    'a browser asking for / gets the UI, not the probe',
  );
  await browser.arrayBuffer();
  assert.equal(
    ((await (await get('/_license')).json()) as { license: { status: string } }).license.status,
    'active',
  );
  assert.equal(((await (await get('/_cluster/health')).json()) as { status: string }).status, 'green');
  assert.equal((await get('/_index_template/filebeat-8', { method: 'PUT' })).status, 200);
  assert.equal((await get('/_ilm/policy/filebeat', { method: 'GET' })).status, 200);
  assert.equal((await get('/insert/elasticsearch/')).status, 200);
  const arrived = server.waitForRecords(2);
  const bulk = await post(
    '/_bulk',
    '{"create":{"_index":"logs"}}\n{"@timestamp":"2026-11-25T19:44:54Z","message":"from filebeat","log.level":"warn"}\n{"index":{}}\n{"message":"second"}\n{"index":{}}\n{"message":"bad","@timestamp":"never"}\n',
    { 'content-type': 'application/x-ndjson' },
  );
  assert.equal(bulk.headers.get('x-elastic-product'), 'Elasticsearch');
  const body = (await bulk.json()) as { errors: boolean; items: Record<string, { status: number }>[] };
  assert.equal(body.errors, true);
  assert.deepEqual(
    body.items.map((i) => Object.values(i)[0].status),
    [201, 201, 400],
  );
  assert.deepEqual(
    (await arrived).map((r) => [r.message, r.protocol]),
    [
      ['from filebeat', 'elasticsearch'],
      ['second', 'elasticsearch'],
    ],
  );
});

test("_bulk items echo the index asked for: the action's _index, else the URL's /<index>/_bulk", async () => {
  const arrived = server.waitForRecords(3);
  const res = await post(
    '/filebeat-8.15.0/_bulk',
    '{"create":{"_index":"app-logs-2026.11.26"}}\n{"message":"own index"}\n{"index":{}}\n{"message":"url index"}\n{"create":{"_index":"other"}}\n{"message":"bad","@timestamp":"never"}\n{"index":{"_index":"x"}}\n{"message":"x index"}\n',
    { 'content-type': 'application/x-ndjson' },
  );
  assert.equal(res.status, 200);
  const body = (await res.json()) as { items: Record<string, { _index: string; status: number }>[] };
  // Elasticsearch's shape: one {"<action>": {"_index", "status", ...}} per action, in request order.
  assert.deepEqual(
    body.items.map((i) => [Object.keys(i)[0], Object.values(i)[0]._index, Object.values(i)[0].status]),
    [
      ['create', 'app-logs-2026.11.26', 201],
      ['index', 'filebeat-8.15.0', 201],
      ['create', 'other', 400],
      ['index', 'x', 201],
    ],
  );
  await arrived;
  const plain = await post('/_bulk', '{"index":{}}\n{"message":"no index anywhere"}\n', {
    'content-type': 'application/x-ndjson',
  });
  const plainBody = (await plain.json()) as { items: Record<string, { _index: string }>[] };
  assert.equal(Object.values(plainBody.items[0])[0]._index, 'logs');
  await server.waitForRecords(1);
});

test('a body that decompresses past 10 MB is a 413 naming the limit', async () => {
  const bomb = gzipSync(Buffer.alloc(11 * 1024 * 1024, 0x20));
  const res = await post('/api/logs', bomb, { 'content-encoding': 'gzip' });
  assert.equal(res.status, 413);
});

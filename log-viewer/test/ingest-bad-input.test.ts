// Bad input over real HTTP, through the ingest workers as in production: event times outside the
// accepted range (0 .. 2^63-1 ns) are refused per record by every protocol, and what was accepted
// beside them still seals into blocks.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { compressSync } from 'snappy';
import { ProtoReader, ProtoWriter, WIRE_I64, WIRE_LEN, WIRE_VARINT } from '../src/ingest/protobuf.js';
import { INGEST_KEY, type IngestServer, startIngestServer } from './ingest-helpers.js';

let server: IngestServer;
const ingest = { authorization: `Bearer ${INGEST_KEY}` };

before(async () => {
  server = await startIngestServer({ sealWorker: true });
});
after(async () => {
  await server.close();
});

function post(path: string, body: string | Buffer, headers: Record<string, string> = {}) {
  return fetch(server.url + path, { method: 'POST', body, headers: { ...ingest, ...headers } });
}

/** POSTs an OTLP JSON document to /v1/logs, which answers 200, and gives its partialSuccess. */
async function postOtlpJson(doc: string): Promise<{ rejectedLogRecords: string; errorMessage: string }> {
  const res = await post('/v1/logs', doc, { 'content-type': 'application/json' });
  assert.equal(res.status, 200);
  const body = (await res.json()) as { partialSuccess: { rejectedLogRecords: string; errorMessage: string } };
  return body.partialSuccess;
}

/** POSTs ExportLogsServiceRequest { resource_logs { scope_logs } } as protobuf to /v1/logs, which
 * answers 200, and gives a reader of its answer. */
async function postOtlpProto(scopeLogs: Uint8Array): Promise<ProtoReader> {
  const request = new ProtoWriter()
    .bytesField(1, new ProtoWriter().bytesField(2, scopeLogs).finish())
    .finish();
  const res = await post('/v1/logs', request, { 'content-type': 'application/x-protobuf' });
  assert.equal(res.status, 200);
  return new ProtoReader(new Uint8Array(await res.arrayBuffer()));
}

async function errorOf(res: Response): Promise<string> {
  return ((await res.json()) as { error: { message: string } }).error.message;
}

/** Seals everything open and gives the stored messages: a bad time that got in would fail here. */
async function sealedMessages(): Promise<string[]> {
  await server.store.sealOpen();
  server.store.flush();
  const out: string[] = [];
  server.store.scan({ fromNs: 0n, toNs: 2n ** 63n, order: 'asc' }, (r) => {
    out.push(r.message);
    return true;
  });
  return out;
}

test('POST /api/logs refuses a timestamp outside 1970 .. 2262 with a 400 naming the line', async () => {
  for (const ts of [
    '1e300',
    '"99999999999999999999"',
    '"9223372036854775808"',
    '"2263-01-01T00:00:00.000Z"',
  ]) {
    const body = `{"msg":"fine","ts":"2026-11-25T10:00:00.000Z"}\n{"msg":"x","ts":${ts}}\n`;
    const res = await post('/api/logs', body, { 'content-type': 'application/x-ndjson' });
    assert.equal(res.status, 400, ts);
    assert.match(await errorOf(res), /^line 2: unreadable timestamp .*2262-04-11/, ts);
  }
  const edge = await post('/api/logs', '{"msg":"last ns","ts":"9223372036854775807"}', {
    'content-type': 'application/x-ndjson',
  });
  assert.equal(edge.status, 200);
  assert.ok((await sealedMessages()).includes('last ns'));
});

test('_bulk answers a per-item 400 for "@timestamp": 1e300 and stores the other document', async () => {
  const body =
    '{"create":{}}\n{"@timestamp":1e300,"message":"far"}\n{"create":{}}\n{"@timestamp":"2026-11-25T10:00:00Z","message":"bulk ok"}\n';
  const res = await post('/_bulk', body, { 'content-type': 'application/x-ndjson' });
  assert.equal(res.status, 200);
  const answer = (await res.json()) as {
    errors: boolean;
    items: { create: { status: number; error?: { reason: string } } }[];
  };
  assert.equal(answer.errors, true);
  assert.deepEqual(
    answer.items.map((i) => i.create.status),
    [400, 201],
  );
  assert.match(answer.items[0].create.error!.reason, /unreadable timestamp 1e\+300/);
  assert.ok((await sealedMessages()).includes('bulk ok'));
});

test('Loki JSON and protobuf pushes with a far-future entry are a 400 naming the entry, the others stored', async () => {
  const json = JSON.stringify({
    streams: [
      {
        stream: { app: 'a' },
        values: [
          ['1795635894000000000', 'ok'],
          [1e300, 'x'],
        ],
      },
    ],
  });
  const res = await post('/loki/api/v1/push', json, { 'content-type': 'application/json' });
  assert.equal(res.status, 400);
  assert.match(
    await errorOf(res),
    /^entry for stream '\{app="a"\}' has timestamp too new: 1e\+300 ns since the epoch$/,
  );
  const digits = JSON.stringify({ streams: [{ stream: {}, values: [['9999999999999999999', 'x']] }] });
  const dres = await post('/loki/api/v1/push', digits, { 'content-type': 'application/json' });
  assert.equal(dres.status, 400);
  assert.equal(await errorOf(dres), "entry for stream '{}' has timestamp too new: 2286-11-20T17:46:39Z");

  // PushRequest { streams { labels, entries { timestamp { seconds: 1e16 }, line } } }, snappy block format
  const timestamp = new ProtoWriter().tag(1, WIRE_VARINT).varint(1e16).finish();
  const entry = new ProtoWriter().bytesField(1, timestamp).bytesField(2, Buffer.from('x')).finish();
  const stream = new ProtoWriter().bytesField(1, Buffer.from('{app="p"}')).bytesField(2, entry).finish();
  const push = compressSync(new ProtoWriter().bytesField(1, stream).finish());
  const pres = await post('/loki/api/v1/push', push, { 'content-type': 'application/x-protobuf' });
  assert.equal(pres.status, 400);
  assert.equal(
    await errorOf(pres),
    `entry for stream '{app="p"}' has timestamp too new: 1e+25 ns since the epoch`,
  );
  assert.ok((await sealedMessages()).includes('ok'), 'the good entry of the JSON push is stored');
});

test('OTLP rejects records timed past 2^63-1 ns through partialSuccess, JSON and protobuf', async () => {
  const records = [
    { timeUnixNano: '18446744073709551615', body: { stringValue: 'max uint64' } },
    { timeUnixNano: 1e300, body: { stringValue: 'huge number' } },
    { timeUnixNano: '1795635894000000000', body: { stringValue: 'otlp ok' } },
  ];
  const doc = JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: records }] }] });
  const partialSuccess = await postOtlpJson(doc);
  assert.equal(partialSuccess.rejectedLogRecords, '2');
  assert.match(partialSuccess.errorMessage, /timeUnixNano .*outside 1970/);

  // LogRecord { time_unix_nano (fixed64) = 2^64-1, body { string_value } }
  const anyValue = new ProtoWriter().bytesField(1, Buffer.from('proto far')).finish();
  const record = Buffer.concat([
    new ProtoWriter().tag(1, WIRE_I64).finish(),
    Buffer.alloc(8, 0xff),
    new ProtoWriter().bytesField(5, anyValue).finish(),
  ]);
  const scopeLogs = new ProtoWriter().bytesField(2, record).finish();
  const r = await postOtlpProto(scopeLogs);
  assert.deepEqual(r.tag(), [1, WIRE_LEN]);
  const partial = r.sub();
  assert.deepEqual(partial.tag(), [1, WIRE_VARINT]);
  assert.equal(partial.varint(), 1);
  const messages = await sealedMessages();
  assert.ok(messages.includes('otlp ok'));
  assert.ok(!messages.includes('proto far') && !messages.includes('max uint64'));
});

const DEEP = 20_000; // 120 KB of brackets: under every size limit

test('POST /api/logs refuses a line nested past MAX_NESTING_DEPTH with a 400 naming it, NDJSON or array', async () => {
  const deep = `${'['.repeat(DEEP)}${']'.repeat(DEEP)}`;
  const res = await post('/api/logs', `{"msg":"ok"}\n{"msg":"x","a":${deep}}\n`, {
    'content-type': 'application/x-ndjson',
  });
  assert.equal(res.status, 400);
  assert.match(await errorOf(res), /^line 2: record nested deeper than MAX_NESTING_DEPTH = 128/);
  const array = await post('/api/logs', `[{"msg":"ok"},{"msg":"x","a":${deep}}]`, {
    'content-type': 'application/json',
  });
  assert.equal(array.status, 400);
  assert.match(await errorOf(array), /^element 1: record nested deeper than MAX_NESTING_DEPTH/);
  // 127 levels under the record object: accepted, and sealed.
  const fits = `{"msg":"deep but fits","a":${'['.repeat(127)}${']'.repeat(127)}}`;
  assert.equal((await post('/api/logs', fits, { 'content-type': 'application/x-ndjson' })).status, 200);
  assert.ok((await sealedMessages()).includes('deep but fits'));
});

test('_bulk answers a per-item 400 for a document nested too deep; a Loki line too deep stays text', async () => {
  const deep = `${'{"a":'.repeat(DEEP)}1${'}'.repeat(DEEP)}`;
  const bulk = `{"create":{}}\n{"message":"too deep","x":${deep}}\n{"create":{}}\n{"message":"bulk shallow"}\n`;
  const res = await post('/_bulk', bulk, { 'content-type': 'application/x-ndjson' });
  const answer = (await res.json()) as {
    items: { create: { status: number; error?: { reason: string } } }[];
  };
  assert.deepEqual(
    answer.items.map((i) => i.create.status),
    [400, 201],
  );
  assert.match(answer.items[0].create.error!.reason, /MAX_NESTING_DEPTH/);

  const line = `{"msg":"x","a":${'['.repeat(DEEP)}${']'.repeat(DEEP)}}`;
  const push = JSON.stringify({
    streams: [{ stream: { app: 'deep' }, values: [['1795635894000000000', line]] }],
  });
  assert.equal((await post('/loki/api/v1/push', push, { 'content-type': 'application/json' })).status, 204);
  const messages = await sealedMessages();
  assert.ok(messages.includes('bulk shallow') && !messages.includes('too deep'));
  assert.ok(messages.includes(line), 'the Loki line is kept whole as the message');
});

test('OTLP rejects a record whose AnyValue nests too deep through partialSuccess, JSON and protobuf', async () => {
  const deepJson = `${'{"arrayValue":{"values":['.repeat(DEEP)}{"stringValue":"x"}${']}}'.repeat(DEEP)}`;
  const doc = `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":${deepJson}},{"body":{"stringValue":"otlp shallow"}}]}]}]}`;
  const partialSuccess = await postOtlpJson(doc);
  assert.equal(partialSuccess.rejectedLogRecords, '1');
  assert.match(partialSuccess.errorMessage, /MAX_NESTING_DEPTH/);

  let value = new ProtoWriter().bytesField(1, Buffer.from('x')).finish(); // AnyValue { string_value }
  for (let k = 0; k < 2000; k++) {
    const array = new ProtoWriter().bytesField(1, value).finish(); // ArrayValue { values }
    value = new ProtoWriter().bytesField(5, array).finish(); // AnyValue { array_value }
  }
  const records = [value, new ProtoWriter().bytesField(1, Buffer.from('proto shallow')).finish()].map((v) =>
    new ProtoWriter().bytesField(5, v).finish(),
  );
  const scopeLogs = Buffer.concat(records.map((r) => new ProtoWriter().bytesField(2, r).finish()));
  const r = await postOtlpProto(scopeLogs);
  r.tag();
  const partial = r.sub();
  assert.deepEqual(partial.tag(), [1, WIRE_VARINT]);
  assert.equal(partial.varint(), 1);
  const messages = await sealedMessages();
  assert.ok(messages.includes('otlp shallow') && messages.includes('proto shallow'));
});

test('OTLP JSON rejects a record whose timeUnixNano is a fractional number through partialSuccess, not a 500', async () => {
  const records = [
    { timeUnixNano: 1795635894000000.5, body: { stringValue: 'fractional ns' } },
    {
      timeUnixNano: '1795635894000000000',
      observedTimeUnixNano: 0.25,
      body: { stringValue: 'fractional observed' },
    },
    { timeUnixNano: '1795635894000000000', body: { stringValue: 'otlp whole ns' } },
  ];
  const doc = JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: records }] }] });
  const partialSuccess = await postOtlpJson(doc);
  assert.equal(partialSuccess.rejectedLogRecords, '2');
  assert.match(partialSuccess.errorMessage, /timeUnixNano is not an unsigned 64-bit integer/);
  const messages = await sealedMessages();
  assert.ok(messages.includes('otlp whole ns'));
  assert.ok(!messages.includes('fractional ns') && !messages.includes('fractional observed'));
});

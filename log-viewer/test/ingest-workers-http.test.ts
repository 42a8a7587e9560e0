// Loki push and Elasticsearch bulk through the store's ingest workers over real HTTP: the same
// 204/200/400/413 answers, byte for byte, as a server that parses on the main thread, and the accepted
// lines stored alike.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { compressSync } from 'snappy';
import { ProtoWriter } from '../src/ingest/protobuf.js';
import { INGEST_KEY, type IngestServer, startIngestServer } from './ingest-helpers.js';

let inWorkers: IngestServer;
let onMain: IngestServer;

before(async () => {
  [inWorkers, onMain] = await Promise.all([
    startIngestServer({ sealWorker: true }),
    startIngestServer({ sealWorker: false }),
  ]);
});
after(async () => {
  await Promise.all([inWorkers.close(), onMain.close()]);
});

async function post(
  server: IngestServer,
  body: Buffer,
  headers: Record<string, string>,
  path = '/loki/api/v1/push',
) {
  const res = await fetch(server.url + path, {
    method: 'POST',
    body,
    headers: { authorization: `Bearer ${INGEST_KEY}`, ...headers },
  });
  return [res.status, await res.text()];
}

function push(labels: string, lines: string[]): Buffer {
  const stream = new ProtoWriter().bytesField(1, Buffer.from(labels));
  for (const line of lines) stream.bytesField(2, new ProtoWriter().bytesField(2, Buffer.from(line)).finish());
  return compressSync(new ProtoWriter().bytesField(1, stream.finish()).finish());
}

const PROTOBUF = { 'content-type': 'application/x-protobuf' };
const JSON_TYPE = { 'content-type': 'application/json' };

test('bad Loki pushes get the same answer with and without ingest workers', async () => {
  const manyLabels = `{${Array.from({ length: 31 }, (_, i) => `l${i}="v"`).join(', ')}}`;
  const cases: [string, Buffer, Record<string, string>, number, RegExp][] = [
    ['not snappy', Buffer.from('garbage'), PROTOBUF, 400, /snappy/],
    ['not protobuf', compressSync(Buffer.from([0x0a, 0x05, 0x01])), PROTOBUF, 400, /malformed protobuf/],
    ['31 labels', push(manyLabels, ['x']), PROTOBUF, 400, /MAX_LABELS_PER_STREAM/],
    ['long line', push('{app="a"}', ['x'.repeat(300_000)]), PROTOBUF, 400, /Max entry size '262144' bytes/],
    ['1 GB announced', Buffer.from([0x80, 0x80, 0x80, 0x80, 0x04, 0]), PROTOBUF, 413, /MAX_REQUEST_BYTES/],
    ['bad labels', push('app="a"', ['x']), PROTOBUF, 400, /stream labels/],
    ['malformed JSON', Buffer.from('{"streams":'), JSON_TYPE, 400, /malformed JSON/],
    [
      'JSON label limit',
      Buffer.from(
        JSON.stringify({
          streams: [
            {
              stream: Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`l${i}`, 'v'])),
              values: [['1', 'x']],
            },
          ],
        }),
      ),
      JSON_TYPE,
      400,
      /MAX_LABELS_PER_STREAM/,
    ],
  ];
  for (const [name, body, headers, status, message] of cases) {
    const answer = await post(inWorkers, body, headers);
    assert.deepEqual(answer, await post(onMain, body, headers), name);
    assert.equal(answer[0], status, name);
    assert.match(answer[1], message, name);
  }
  assert.equal(inWorkers.all().length, 0);
});

test('an over-long Loki entry is dropped alone, the rest of the push stored, with and without ingest workers (black-box #13)', async () => {
  // Loki's distributor discards an entry over the line limit (line_too_long), pushes the others and
  // answers 400 naming it; the whole push was refused with a 413 and the shipper lost its batch.
  const big = 'x'.repeat(300_000);
  const json = Buffer.from(
    JSON.stringify({
      streams: [
        {
          stream: { app: 'big' },
          values: [
            ['1795645000000000001', 'before'],
            ['1795645000000000002', big],
          ],
        },
        { stream: { app: 'other' }, values: [['1795645000000000003', 'after']] },
      ],
    }),
  );
  const proto = push('{app="bigp"}', ['before p', big, 'after p']);
  const stored: unknown[] = [];
  for (const server of [inWorkers, onMain]) {
    const arrived = server.waitForRecords(4);
    const [status, text] = await post(server, json, JSON_TYPE);
    assert.equal(status, 400, String(text));
    assert.match(
      String(text),
      /Max entry size '262144' bytes exceeded for stream '\{app=\\"big\\"\}' while adding an entry with length '300000' bytes/,
    );
    const [pStatus, pText] = await post(server, proto, PROTOBUF);
    assert.equal(pStatus, 400, String(pText));
    assert.match(String(pText), /"rejected":1/);
    stored.push((await arrived).map((r) => [r.message, r.labels]));
  }
  assert.deepEqual(stored[0], [
    ['before', { app: 'big' }],
    ['after', { app: 'other' }],
    ['before p', { app: 'bigp' }],
    ['after p', { app: 'bigp' }],
  ]);
  assert.deepEqual(stored[1], stored[0]);
});

test('a Loki entry with a malformed or out-of-range timestamp is dropped alone, the rest stored, with and without ingest workers', async () => {
  // Loki's distributor drops an entry timed out of its limits and answers 400 naming it; a time that
  // is not a number at all refused the whole push here, and the shipper lost its good entries.
  const json = Buffer.from(
    JSON.stringify({
      streams: [
        {
          stream: { app: 'ts' },
          values: [
            ['1795645000000000001', 'good a'],
            ['2026-11-26T20:00:00Z', 'rfc3339 is not Loki'],
            ['1795645000000000002', 'good b'],
            ['99999999999999999999', 'past 2262'],
          ],
        },
      ],
    }),
  );
  const answers: unknown[] = [];
  const stored: unknown[] = [];
  for (const server of [inWorkers, onMain]) {
    const arrived = server.waitForRecords(2);
    const [status, text] = await post(server, json, JSON_TYPE);
    assert.equal(status, 400, String(text));
    answers.push(text);
    stored.push((await arrived).map((r) => [r.message, String(r.timeNs)]));
  }
  const { error } = JSON.parse(String(answers[0])) as {
    error: { message: string; details: { accepted: number; rejected: number } };
  };
  assert.deepEqual(error.details, { accepted: 2, rejected: 2 });
  assert.equal(
    error.message,
    `entry for stream '{app="ts"}' has malformed timestamp: "2026-11-26T20:00:00Z", expected a string of Unix epoch nanoseconds (streams[0].values[1]),\n` +
      `entry for stream '{app="ts"}' has timestamp too new: 5138-11-16T09:46:39Z`,
  );
  assert.equal(answers[1], answers[0]);
  assert.deepEqual(stored[0], [
    ['good a', '1795645000000000001'],
    ['good b', '1795645000000000002'],
  ]);
  assert.deepEqual(stored[1], stored[0]);
});

test('the winston-loki protobuf capture is stored alike with and without ingest workers', async () => {
  const capture = JSON.parse(
    readFileSync(new URL('./fixtures/logs/winston-loki-6.1.7-protobuf.json', import.meta.url), 'utf8'),
  );
  const body = Buffer.from(capture.body_base64, 'base64');
  const stored: unknown[][] = [];
  for (const server of [inWorkers, onMain]) {
    const arrived = server.waitForRecords(5);
    assert.deepEqual(await post(server, body, PROTOBUF), [204, '']);
    stored.push(
      (await arrived).map((r) => [
        r.timeNs,
        r.message,
        r.service,
        r.level,
        r.labels,
        r.attributes,
        r.protocol,
      ]),
    );
  }
  assert.deepEqual(stored[0], stored[1]);
});

const BULK = [
  '{"create":{"_index":"logs-app"}}',
  '{"@timestamp":"2026-11-25T19:44:54.077Z","message":"cannot open file","host":{"name":"h1"},"log.level":"error"}',
  '{"index":{}}',
  '{"log":"fluent bit line\\n","stream":"stderr"}',
  '{"delete":{"_id":"1"}}',
  '{"update":{"_id":"1"}}',
  '{"doc":{}}',
  '{"index":{}}',
  '{"message":"x","@timestamp":"never"}',
  '{"index":{}}',
  `{"message":"${'y'.repeat(300_000)}"}`,
  '',
].join('\n');

test('Elasticsearch bulk gets the same items and stores the same records with and without ingest workers', async () => {
  const ndjson = { 'content-type': 'application/x-ndjson' };
  const stored: unknown[][] = [];
  for (const server of [inWorkers, onMain]) {
    const arrived = server.waitForRecords(2);
    const [status, text] = await post(server, Buffer.from(BULK), ndjson, '/_bulk');
    assert.equal(status, 200);
    const answer = JSON.parse(String(text)) as { took: number; errors: boolean; items: unknown[] };
    stored.push([answer.errors, answer.items]);
    stored.push((await arrived).map((r) => [r.message, r.host, r.level, r.labels, r.attributes]));
  }
  assert.deepEqual(stored[0], stored[2]);
  assert.deepEqual(stored[1], stored[3]);
  assert.deepEqual(
    (stored[0][1] as Record<string, { status: number }>[]).map((i) => Object.values(i)[0].status),
    [201, 201, 400, 400, 400, 413],
  );
  const broken = Buffer.from('{"index":{}}\n{"message":"ok"}\nnot an action\n');
  const answer = await post(inWorkers, broken, ndjson, '/_bulk');
  assert.deepEqual(answer, await post(onMain, broken, ndjson, '/_bulk'));
  assert.equal(answer[0], 400);
  assert.match(String(answer[1]), /line 3: malformed action/);
});

// A UTF-8 byte order mark at the start of a body is skipped on every JSON and NDJSON route alike
// (black-box 29, ninth session: /api/logs refused it with a 400 while /_bulk and CLEF took it).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { INGEST_KEY, type IngestServer, startIngestServer } from './ingest-helpers.js';

let server: IngestServer;
before(async () => {
  server = await startIngestServer();
});
after(() => server.close());

const BOM = '\ufeff';
const iso = () => new Date().toISOString();
const ns = () => String(BigInt(Date.now()) * 1_000_000n);

const bodies: [string, string, () => string, number][] = [
  [
    '/api/logs',
    'application/x-ndjson',
    () => `{"service":"bom","msg":"ndjson one"}\r\n{"service":"bom","msg":"ndjson two"}\r\n`,
    2,
  ],
  ['/api/logs', 'application/json', () => '[{"service":"bom","msg":"array one"}]', 1],
  [
    '/loki/api/v1/push',
    'application/json',
    () => JSON.stringify({ streams: [{ stream: { app: 'bom' }, values: [[ns(), 'loki one']] }] }),
    1,
  ],
  [
    '/v1/logs',
    'application/json',
    () =>
      JSON.stringify({
        resourceLogs: [
          { scopeLogs: [{ logRecords: [{ timeUnixNano: ns(), body: { stringValue: 'otlp one' } }] }] },
        ],
      }),
    1,
  ],
  ['/_bulk', 'application/x-ndjson', () => '{"index":{}}\n{"message":"bulk one"}\n', 1],
  ['/ingest/clef', 'application/vnd.serilog.clef', () => `{"@t":"${iso()}","@mt":"clef one"}\r\n`, 1],
  [
    '/api/events/raw',
    'application/json',
    () => `{"Events":[{"Timestamp":"${iso()}","MessageTemplate":"raw one"}]}`,
    1,
  ],
];

for (const [path, type, body, count] of bodies) {
  test(`${path} (${type}) takes a body that starts with a BOM`, async () => {
    const arrived = server.waitForRecords(count);
    const res = await fetch(server.url + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${INGEST_KEY}`, 'content-type': type },
      body: Buffer.from(BOM + body(), 'utf8'),
    });
    assert.ok(res.status < 300, `${res.status} ${await res.text()}`);
    const records = await arrived;
    assert.ok(
      records.every((r) => !r.message.startsWith(BOM) && !JSON.stringify(r.attributes).includes(BOM)),
      records.map((r) => r.message).join(', '),
    );
  });
}

// Content-Encoding: zstd on the ingest routes (black-box 26, ninth session: a 415, which collectors
// treat as permanent and drop the batch), with the decoded size capped as for gzip.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { compress } from 'zstd-napi';
import { MAX_REQUEST_BYTES } from '../src/ingest/limits.js';
import { INGEST_KEY, type IngestServer, startIngestServer } from './ingest-helpers.js';

let server: IngestServer;
before(async () => {
  server = await startIngestServer();
});
after(() => server.close());

function post(path: string, type: string, body: Buffer, encoding = 'zstd'): Promise<Response> {
  return fetch(server.url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${INGEST_KEY}`, 'content-type': type, 'content-encoding': encoding },
    body,
  });
}

test('a zstd NDJSON body and a zstd OTLP JSON body are stored', async () => {
  const arrived = server.waitForRecords(3);
  const ndjson = '{"service":"zs","msg":"zstd one"}\n{"service":"zs","msg":"zstd two"}\n';
  const res = await post('/api/logs', 'application/x-ndjson', compress(Buffer.from(ndjson)));
  assert.equal(res.status, 200, await res.text());
  const otlp = JSON.stringify({
    resourceLogs: [
      {
        scopeLogs: [
          {
            logRecords: [
              { timeUnixNano: String(BigInt(Date.now()) * 1_000_000n), body: { stringValue: 'zstd otlp' } },
            ],
          },
        ],
      },
    ],
  });
  const res2 = await post('/v1/logs', 'application/json', compress(Buffer.from(otlp)));
  assert.equal(res2.status, 200, await res2.text());
  assert.deepEqual((await arrived).map((r) => r.message).sort(), ['zstd one', 'zstd otlp', 'zstd two']);
});

test('a zstd body that expands past MAX_REQUEST_BYTES is a 413, garbage a 400', async () => {
  const bomb = compress(Buffer.alloc(MAX_REQUEST_BYTES + 1024, 0x20));
  assert.ok(bomb.length < 100_000);
  const res = await post('/api/logs', 'application/x-ndjson', bomb);
  assert.equal(res.status, 413, await res.text());
  const bad = await post('/api/logs', 'application/x-ndjson', Buffer.from('not zstd at all'));
  assert.equal(bad.status, 400, await bad.text());
  const truncated = compress(Buffer.from('{"msg":"x"}\n'.repeat(1000)));
  const cut = await post('/api/logs', 'application/x-ndjson', truncated.subarray(0, truncated.length - 4));
  assert.equal(cut.status, 400, await cut.text());
});

test('an unknown encoding is a 415 that names zstd among the supported ones', async () => {
  const res = await post('/api/logs', 'application/x-ndjson', Buffer.from('{}'), 'lz4');
  assert.equal(res.status, 415);
  const body = (await res.json()) as { error: { details: { supported: string[] } } };
  assert.ok(body.error.details.supported.includes('zstd'), JSON.stringify(body));
});

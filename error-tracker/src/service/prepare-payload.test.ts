import assert from 'node:assert/strict';
import { test } from 'node:test';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { decompressPayload } from '../store/codec.js';
import { preparePayload } from './prepare-payload.js';

const event = JSON.stringify({
  message: 'checkout failed',
  extra: { lines: Array.from({ length: 200 }, (_, i) => `line ${i % 7} of the context`) },
});
const envelope = `{"event_id":"0123456789abcdef0123456789abcdef"}\n{"type":"event"}\n${event}\n`;

/** The format byte of what preparePayload() stores for `body` sent with `encoding`. */
function storedFormat(body: Buffer, encoding?: string): number {
  const prepared = preparePayload(
    { endpoint: 'envelope', projectId: 1, body, contentEncoding: encoding, nowMs: 1000 },
    () => 'f'.repeat(32),
  );
  const payload = prepared.entries[0].payload;
  assert.equal(decompressPayload(payload), event);
  return payload[0];
}

test('preparePayload() stores a gzip or br event as sent and anything else with zstd', () => {
  assert.equal(storedFormat(gzipSync(envelope), 'gzip'), 3);
  assert.equal(storedFormat(brotliCompressSync(envelope), 'br'), 4);
  assert.equal(storedFormat(deflateSync(envelope), 'deflate'), 2);
  assert.equal(storedFormat(Buffer.from(envelope)), 2);
  const twoEvents = `${envelope}{"type":"event"}\n${event}\n`;
  const prepared = preparePayload(
    { endpoint: 'envelope', projectId: 1, body: gzipSync(twoEvents), contentEncoding: 'gzip', nowMs: 1 },
    () => 'f'.repeat(32),
  );
  assert.deepEqual(
    prepared.entries.map((e) => e.payload[0]),
    [2, 2],
  );
});

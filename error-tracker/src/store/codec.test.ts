import assert from 'node:assert/strict';
import { test } from 'node:test';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { preparePayload } from '../service/prepare-payload.js';
import { compressPayload, decompressPayload, payloadAsSent } from './codec.js';

const event = JSON.stringify({
  message: 'checkout failed',
  extra: { lines: Array.from({ length: 200 }, (_, i) => `line ${i % 7} of the context`) },
});
const envelope = `{"event_id":"0123456789abcdef0123456789abcdef"}\n{"type":"event"}\n${event}\n`;
const offset = envelope.indexOf(event);
const where = { offset, length: event.length, decodedLength: envelope.length };

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

test('decompressPayload() reads back every stored format', () => {
  assert.equal(decompressPayload(compressPayload(event)), event);
  assert.equal(decompressPayload(compressPayload(Buffer.from(event))), event);
  const gzip = payloadAsSent(gzipSync(envelope), 'gzip', where);
  const br = payloadAsSent(brotliCompressSync(envelope), 'br', where);
  assert.ok(gzip && br);
  assert.equal(decompressPayload(gzip), event);
  assert.equal(decompressPayload(br), event);
  assert.equal(decompressPayload(Buffer.concat([Buffer.from([0]), Buffer.from(event)])), event);
});

test('payloadAsSent() keeps only a well compressed single-encoding body around one event', () => {
  const gzip = gzipSync(envelope);
  assert.ok(payloadAsSent(gzip, 'x-gzip', where));
  assert.equal(payloadAsSent(gzip, 'gzip, br', where), null);
  assert.equal(payloadAsSent(deflateSync(envelope), 'deflate', where), null);
  assert.equal(payloadAsSent(Buffer.from(envelope), undefined, where), null);
  // weakly compressed (over 16 % of the event): stored with zstd instead
  assert.equal(payloadAsSent(gzipSync(envelope, { level: 0 }), 'gzip', where), null);
  assert.equal(payloadAsSent(Buffer.alloc(Math.ceil(event.length * 0.17)), 'gzip', where), null);
  assert.ok(payloadAsSent(Buffer.alloc(Math.floor(event.length * 0.15)), 'gzip', where));
  // an envelope that decodes to much more than its event (an attachment, say)
  assert.equal(payloadAsSent(gzip, 'gzip', { ...where, decodedLength: envelope.length * 3 }), null);
});

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

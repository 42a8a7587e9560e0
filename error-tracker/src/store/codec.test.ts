import assert from 'node:assert/strict';
import { test } from 'node:test';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { compressPayload, decompressPayload, payloadAsSent } from './codec.js';

const event = JSON.stringify({
  message: 'checkout failed',
  extra: { lines: Array.from({ length: 200 }, (_, i) => `line ${i % 7} of the context`) },
});
const envelope = `{"event_id":"0123456789abcdef0123456789abcdef"}\n{"type":"event"}\n${event}\n`;
const offset = envelope.indexOf(event);
const where = { offset, length: event.length, decodedLength: envelope.length };

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

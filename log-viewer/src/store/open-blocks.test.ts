import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type OpenBatch, OpenBlocks, releaseBody, STREAM } from './open-blocks.js';

function batch(seqBase: number, count: number, bytes: Uint8Array): OpenBatch {
  return {
    seqBase,
    count,
    arrivedAt: 0,
    minMs: 0,
    maxMs: 0,
    levelCounts: [0, 0, count, 0, 0, 0],
    services: ['api'],
    rawBytes: bytes.byteLength,
    body: { kind: 'ndjson', bytes, nowNs: 0n },
    answered: true,
  };
}

test('sealed bodies are released (their memory freed at once), open ones kept', () => {
  const open = new OpenBlocks();
  const first = Buffer.alloc(100_000, 1);
  const second = Buffer.alloc(100_000, 2);
  open.add(STREAM, batch(1, 10, first));
  open.add(STREAM, batch(11, 10, second));
  open.dropUpTo(STREAM, 15); // the second batch is sealed in part: still open
  assert.equal(first.byteLength, 0, 'detached');
  assert.equal(first.buffer.byteLength, 0);
  assert.equal(second.byteLength, 100_000);
  assert.equal(second[0], 2);
  assert.equal(open.total, 5);
  open.dropUpTo(STREAM, 20);
  assert.equal(second.byteLength, 0);
  assert.equal(open.total, 0);
});

test('a body is kept while its request is not answered yet (a seal can come back before the fdatasync)', () => {
  const open = new OpenBlocks();
  const body = Buffer.alloc(100_000, 1);
  const b = batch(1, 10, body);
  b.answered = false;
  open.add(STREAM, b);
  open.dropUpTo(STREAM, 10);
  assert.equal(body.byteLength, 100_000);
  assert.equal(open.total, 0);
});

test('releaseBody leaves alone what the body does not own alone: small, pooled, views, shared memory', () => {
  const small = Buffer.from('{"msg":"x"}\n'); // may be a slice of Node's shared pool
  releaseBody(small);
  assert.equal(small.toString(), '{"msg":"x"}\n');
  const big = Buffer.alloc(200_000, 3);
  const view = big.subarray(10);
  releaseBody(view);
  assert.equal(view.byteLength, 199_990);
  assert.equal(big.byteLength, 200_000);
  const shared = new Uint8Array(new SharedArrayBuffer(100_000));
  releaseBody(shared);
  assert.equal(shared.byteLength, 100_000);
  releaseBody(big);
  assert.equal(big.byteLength, 0);
});

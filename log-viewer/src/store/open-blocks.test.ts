import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  forgetBodyBytes,
  type OpenBatch,
  OpenBlocks,
  parseBatchRows,
  releaseBody,
  releaseOwned,
  STREAM,
} from './open-blocks.js';

function batch(seqBase: number, count: number, bytes: Uint8Array, read = () => Buffer.alloc(0)): OpenBatch {
  return {
    seqBase,
    count,
    arrivedAt: 0,
    minMs: 0,
    maxMs: 0,
    levelCounts: [0, 0, count, 0, 0, 0],
    services: ['api'],
    rawBytes: bytes.byteLength,
    body: { kind: 'ndjson', bytes, read, nowNs: 0n },
  };
}

const line = (i: number) => JSON.stringify({ ts: '2026-11-26T06:00:00.000Z', msg: `line ${i}`, n: i });

test('an answered batch forgets its body (freed at once when it owns its buffer) and reads it back when its rows are needed', () => {
  const open = new OpenBlocks();
  const text = Array.from({ length: 2000 }, (_, i) => line(i)).join('\n');
  const body = Buffer.from(text);
  assert.ok(body.byteLength >= 64 * 1024);
  let reads = 0;
  const b = batch(1, 2000, body, () => {
    reads++;
    return Buffer.from(text);
  });
  open.add(STREAM, b);
  forgetBodyBytes(b);
  assert.equal(body.byteLength, 0, 'detached');
  assert.equal(b.body?.bytes, undefined);
  open.dropUpTo(STREAM, 1500); // sealed in part: the rest is still open
  const rows = open.rows(open.byService.get(STREAM)!);
  assert.deepEqual(
    rows.map((r) => r.message),
    Array.from({ length: 500 }, (_, i) => `line ${1500 + i}`),
  );
  assert.equal(open.columns(open.byService.get(STREAM)!).count, 500);
  assert.ok(reads >= 1);
  open.dropUpTo(STREAM, 2000);
  assert.equal(open.total, 0);
});

test('a batch whose request is not answered yet keeps its bytes, sealed or not (the live tail parses them after the fdatasync)', () => {
  const open = new OpenBlocks();
  const body = Buffer.alloc(100_000, 1);
  const b = batch(1, 10, body);
  open.add(STREAM, b);
  open.dropUpTo(STREAM, 10);
  assert.equal(body.byteLength, 100_000);
  assert.equal(b.body?.bytes, body);
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

test('releaseOwned frees a buffer of any size it spans alone; pooled slices, views and shared memory stay', () => {
  const pooled = Buffer.allocUnsafe(100).fill(1); // a slice of Node's shared pool
  releaseOwned(pooled);
  assert.equal(pooled.byteLength, 100);
  const bloom = Buffer.concat([Buffer.alloc(5000, 1), Buffer.alloc(15_000, 2)]); // an encoded block's filter
  const view = bloom.subarray(1);
  releaseOwned(view);
  assert.equal(view.byteLength, 19_999);
  const shared = new Uint8Array(new SharedArrayBuffer(20_000));
  releaseOwned(shared);
  assert.equal(shared.byteLength, 20_000);
  releaseOwned(bloom);
  assert.equal(bloom.byteLength, 0);
  assert.equal(view.byteLength, 0);
});

test('parseBatchRows() (the live tail) leaves no rows on the batch; a query (rows()) keeps them', () => {
  const open = new OpenBlocks();
  const b = batch(1, 2, Buffer.from([line(0), line(1)].join('\n')));
  const block = open.add(STREAM, b);
  assert.deepEqual(
    parseBatchRows(b).map((r) => [r.seq, r.message]),
    [
      [1, 'line 0'],
      [2, 'line 1'],
    ],
  );
  assert.equal(b.rows, undefined);
  const kept = open.rows(block);
  assert.deepEqual(b.rows, kept);
  assert.equal(parseBatchRows(b), b.rows);
});

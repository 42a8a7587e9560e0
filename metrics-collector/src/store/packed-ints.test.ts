import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BLOCK_LENGTH, ByteReader, ByteWriter, readPackedInts, writePackedInts } from './packed-ints.js';

function roundTrip(xs: number[]): number {
  const w = new ByteWriter(4);
  assert.equal(writePackedInts(w, xs, 0, xs.length), true);
  const bytes = w.bytes();
  const out = new Float64Array(xs.length);
  const r = new ByteReader(bytes);
  readPackedInts(r, xs.length, out, 0);
  assert.deepEqual([...out], xs);
  assert.equal(r.pos, bytes.length, 'reads exactly what was written');
  return bytes.length;
}

test('writePackedInts() round-trips every bit width from 0 to 32, negatives and block edges', () => {
  let seed = 7;
  const rnd = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  for (let width = 0; width <= 32; width++) {
    for (const n of [1, 2, 63, 64, 65, 200]) {
      const span = 2 ** width;
      roundTrip(Array.from({ length: n }, () => Math.floor(rnd() * span) - 2 ** 40));
    }
  }
  roundTrip([]);
  roundTrip([0, 2 ** 32 - 1, 5]);
  roundTrip([2 ** 50, 2 ** 50 + 3, 2 ** 50 - 1]);
});

test('writePackedInts() costs 2 bytes per block for a constant and 6 bits per sample below 64', () => {
  assert.equal(roundTrip(new Array(BLOCK_LENGTH * 3).fill(0)), 6);
  assert.equal(roundTrip(Array.from({ length: BLOCK_LENGTH }, (_, i) => i % 50)), 2 + (BLOCK_LENGTH * 6) / 8);
});

test('writePackedInts() refuses a block whose range needs more than 32 bits', () => {
  assert.equal(writePackedInts(new ByteWriter(8), [0, 2 ** 32], 0, 2), false);
  assert.equal(writePackedInts(new ByteWriter(8), [-(2 ** 31), 2 ** 31], 0, 2), false);
});

test('readPackedInts() throws on truncated input instead of inventing samples', () => {
  const w = new ByteWriter(4);
  writePackedInts(w, [1, 200, 3000, 7], 0, 4);
  const cut = w.bytes().subarray(0, w.pos - 1);
  assert.throws(() => readPackedInts(new ByteReader(cut), 4, new Float64Array(4), 0), /truncated/);
});

test('ByteWriter.zigzag() refuses ±Infinity and NaN instead of looping or writing garbage', () => {
  for (const n of [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN])
    assert.throws(() => new ByteWriter(16).zigzag(n), RangeError);
});

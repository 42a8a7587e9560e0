import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeChunk, ENCODING_INT_DELTA_ZSTD, ENCODING_XOR, encodeSealedChunk } from './chunk-codec.js';
import { XorAppender } from './xor-chunk.js';

function roundTrip(vs: number[]): number {
  const ts = vs.map((_, i) => 1_764_000_000_000 + i * 15_000 + (i % 7 === 3 ? 2 : 0));
  const app = new XorAppender();
  vs.forEach((v, i) => app.append(ts[i], v));
  const enc = encodeSealedChunk(app.bytes(), ts, vs);
  const outT: number[] = [];
  const outV: number[] = [];
  decodeChunk(enc.encoding, enc.data, outT, outV);
  assert.deepEqual(outT, ts);
  assert.deepEqual(outV, vs);
  return enc.encoding;
}

test('encodeSealedChunk() round-trips integers, decimals and arbitrary floats exactly', () => {
  assert.equal(roundTrip(Array.from({ length: 200 }, (_, i) => i * 17)), ENCODING_INT_DELTA_ZSTD);
  assert.equal(
    roundTrip(Array.from({ length: 200 }, (_, i) => Math.round(Math.sin(i) * 10_000) / 100)),
    ENCODING_INT_DELTA_ZSTD,
  );
  assert.equal(roundTrip([0.1 + 0.2, 1 / 3, Math.PI, Number.NaN]), ENCODING_XOR);
  roundTrip(Array.from({ length: 300 }, (_, i) => Math.sqrt(i)));
  roundTrip([-0, 0, 1e300, -5, 2 ** 52]);
  roundTrip([1.5, Number.POSITIVE_INFINITY]);
});

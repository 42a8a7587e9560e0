import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeChunk,
  ENCODING_DECIMAL_PACKED,
  ENCODING_INT_DELTA_STALE_ZSTD,
  ENCODING_INT_DELTA_ZSTD,
  ENCODING_XOR,
  ENCODING_XOR_ZSTD,
  encodeSealedChunk,
} from './chunk-codec.js';
import { decodeXorChunk, XorAppender } from './xor-chunk.js';

function roundTrip(vs: number[]): number {
  const ts = vs.map((_, i) => 1_764_000_000_000 + i * 15_000 + (i % 7 === 3 ? 2 : 0));
  const enc = encodeSealedChunk(ts, vs);
  const outT: number[] = [];
  const outV: number[] = [];
  decodeChunk(enc.encoding, enc.data, outT, outV);
  assert.deepEqual(outT, ts);
  assert.deepEqual(outV, vs);
  return enc.encoding;
}

test('encodeSealedChunk() round-trips integers, decimals and arbitrary floats exactly', () => {
  assert.equal(roundTrip(Array.from({ length: 200 }, (_, i) => i * 17)), ENCODING_DECIMAL_PACKED);
  assert.equal(
    roundTrip(Array.from({ length: 200 }, (_, i) => Math.round(Math.sin(i) * 10_000) / 100)),
    ENCODING_DECIMAL_PACKED,
  );
  // Deltas too wide to bit-pack (> 32 bits) fall back to zstd of varints.
  assert.equal(roundTrip(Array.from({ length: 200 }, (_, i) => (i % 2) * 2 ** 40)), ENCODING_INT_DELTA_ZSTD);
  assert.equal(roundTrip([0.1 + 0.2, 1 / 3, Math.PI, Number.NaN]), ENCODING_XOR);
  roundTrip(Array.from({ length: 300 }, (_, i) => Math.sqrt(i)));
  roundTrip([-0, 0, 1e300, -5, 2 ** 52]);
  roundTrip([1.5, Number.POSITIVE_INFINITY]);
});

function noisyCounter(n: number): number[] {
  let seed = 42;
  let c = 0;
  return Array.from({ length: n }, () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    c += seed % 51;
    return c;
  });
}

/** Encodes samples with markers at `staleAt` through the XOR appender and the sealed-chunk codec. */
function roundTripStale(vs: number[], staleAt: number[], want: number): void {
  const ts = vs.map((_, i) => 1_764_000_000_000 + i * 15_000);
  const app = new XorAppender();
  for (let i = 0; i < vs.length; i++) app.append(ts[i], vs[i], staleAt.includes(i));
  // The open chunk and its sealed bytes both report the markers.
  const openT: number[] = [];
  const openV: number[] = [];
  const openS: number[] = [];
  app.decodeInto(openT, openV, openS);
  assert.deepEqual(openS, staleAt);
  const xor = app.bytes();
  const xorS: number[] = [];
  decodeXorChunk(xor, [], [], xorS);
  assert.deepEqual(xorS, staleAt);
  const enc = encodeSealedChunk(ts, vs, staleAt);
  assert.equal(enc.encoding, want);
  // Decoding appends: indexes are positions in the output arrays, after what they held.
  const outT = [42];
  const outV = [42];
  const outS: number[] = [];
  decodeChunk(enc.encoding, enc.data, outT, outV, outS);
  assert.deepEqual(outT.slice(1), ts);
  assert.deepEqual(
    outS,
    staleAt.map((i) => i + 1),
  );
  outV.slice(1).forEach((v, i) => {
    if (staleAt.includes(i)) assert.ok(Number.isNaN(v), `sample ${i} is NaN`);
    else assert.equal(v, vs[i], `sample ${i}`);
  });
}

test('staleness markers survive every chunk encoding', () => {
  const counter = noisyCounter(200);
  // Integer counter ending in a marker, with one in the middle: encoding 5 (packed + markers).
  roundTripStale(counter, [100, 199], ENCODING_DECIMAL_PACKED);
  // Two markers in a row (same bits twice: the XOR stream writes a zero bit for the second).
  roundTripStale(counter, [150, 151], ENCODING_DECIMAL_PACKED);
  roundTripStale(counter, [0], ENCODING_DECIMAL_PACKED);
  // Too wide to pack: encoding 4 (zstd of varints + markers).
  roundTripStale(
    counter.map((v, i) => v + (i % 2) * 2 ** 40),
    [3],
    ENCODING_INT_DELTA_STALE_ZSTD,
  );
  // Arbitrary floats: XOR + zstd keeps the marker's own bits.
  roundTripStale(
    Array.from({ length: 300 }, (_, i) => (i % 5) / 3),
    [0, 299],
    ENCODING_XOR_ZSTD,
  );
  // Short chunk: raw XOR.
  roundTripStale([0.1 + 0.2, Number.NaN, 1 / 3], [2], ENCODING_XOR);
});

test('a plain NaN never decodes as a staleness marker', () => {
  const ts = [1000, 2000, 3000];
  const vs = [Number.NaN, 1, Number.NaN];
  const app = new XorAppender();
  for (let i = 0; i < vs.length; i++) app.append(ts[i], vs[i]);
  // Even a NaN with the marker's bits, when the caller did not say stale, is stored canonical.
  const bits = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer)[0];
  app.append(4000, bits);
  const stale: number[] = [];
  decodeXorChunk(app.bytes(), [], [], stale);
  assert.deepEqual(stale, []);
  const enc = encodeSealedChunk([...ts, 4000], [...vs, bits], []);
  const outS: number[] = [];
  decodeChunk(enc.encoding, enc.data, [], [], outS);
  assert.deepEqual(outS, []);
});

test('chunks written as encodings 3 and 4 before encoding 5 existed still decode', () => {
  // Bytes written by the previous release (20 samples each, 15 s apart with 2 ms jitter at i % 7 = 3).
  const ts = Array.from({ length: 20 }, (_, i) => 1_764_000_000_000 + i * 15_000 + (i % 7 === 3 ? 2 : 0));
  const check = (encoding: number, b64: string, vs: number[], stale: number[]) => {
    const outT: number[] = [];
    const outV: number[] = [];
    const outS: number[] = [];
    decodeChunk(encoding, Buffer.from(b64, 'base64'), outT, outV, outS);
    assert.deepEqual(outT, ts);
    assert.deepEqual(outS, stale);
    for (let i = 0; i < outV.length; i++) {
      if (stale.includes(i)) assert.ok(Number.isNaN(outV[i]));
      else assert.equal(outV[i], vs[i]);
    }
  };
  check(
    ENCODING_INT_DELTA_ZSTD,
    'KLUv/SBMYQIAABQCgKC/6dZmALDqAb6DAQDMCgSDeAeljAEEyR8AlmoAqJIBAPgzAJlaBLGVAQefRwS0SADAlQEAkFkAlTUAy5IBBJ1pB/AgBOKMAQ==',
    Array.from({ length: 20 }, (_, i) => Math.round(Math.sin(i) * 10_000) / 100),
    [],
  );
  check(
    ENCODING_INT_DELTA_STALE_ZSTD,
    'KLUv/SA1TQEA+AAUAAQKHICgv+nWZgCw6gEiACIEIgciBAAARAAiAAADAKCg5QKDmE4=',
    Array.from({ length: 20 }, (_, i) => i * 17),
    [5, 19],
  );
});

test('encoding 5 costs under a byte per sample for a counter and a 2-decimal gauge', () => {
  const ts = Array.from({ length: 360 }, (_, i) => 1_764_000_000_000 + i * 60_000);
  const counter = noisyCounter(360);
  const gauge = noisyCounter(360).map((v, i) => (v - i * 25) / 100);
  for (const vs of [counter, gauge]) {
    const enc = encodeSealedChunk(ts, vs, []);
    assert.equal(enc.encoding, ENCODING_DECIMAL_PACKED);
    assert.ok(enc.data.length < 360, `${enc.data.length} bytes`);
  }
});

test('decodeChunk refuses the in-memory head encodings 6 and 7: no persisted chunk carries them', () => {
  // Every chunk and head snapshot goes through encodeSealedChunk (1-5) on its way to SQLite.
  const ts = [1_764_000_000_000, 1_764_000_015_000];
  for (const vs of [
    [1, 2],
    [0.1, Number.NaN],
  ]) {
    const enc = encodeSealedChunk(ts, vs, []);
    assert.ok(enc.encoding >= ENCODING_XOR && enc.encoding <= ENCODING_DECIMAL_PACKED, `${enc.encoding}`);
  }
  for (const encoding of [6, 7]) {
    assert.throws(() => decodeChunk(encoding, Uint8Array.of(0), [], []), /unknown chunk encoding/);
  }
});

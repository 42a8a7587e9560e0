import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeXorChunk, XorAppender } from './xor-chunk.js';

function roundTrip(ts: number[], vs: number[]): { bytes: number } {
  const app = new XorAppender();
  for (let i = 0; i < ts.length; i++) app.append(ts[i], vs[i]);
  const buf = app.bytes();
  const outT: number[] = [];
  const outV: number[] = [];
  assert.equal(decodeXorChunk(buf, outT, outV), ts.length);
  assert.deepEqual(outT, ts);
  assert.deepEqual(outV, vs);
  return { bytes: buf.length };
}

function rng(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
}

test('XorAppender round-trips regular, jittered and irregular timestamps', () => {
  const r = rng(1);
  const regular = Array.from({ length: 120 }, (_, i) => 1_700_000_000_000 + i * 15_000);
  roundTrip(
    regular,
    regular.map((_, i) => i * 3),
  );
  const jitter = regular.map((t) => t + Math.floor(r() * 7) - 3);
  roundTrip(
    jitter,
    jitter.map(() => r()),
  );
  const wild = [-5_000_000_000_000, -1, 0, 1, 8193, 100_000, 10_000_000, 2 ** 45, 2 ** 52];
  roundTrip(
    wild,
    wild.map((_, i) => i),
  );
});

test('XorAppender round-trips special and extreme float values', () => {
  const vals = [
    0,
    -0,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    Number.MIN_VALUE,
    Number.MAX_VALUE,
    1,
    1,
    1.5,
    -2.25,
    1e-300,
    123456.789,
    2 ** 53,
    0.1 + 0.2,
  ];
  roundTrip(
    vals.map((_, i) => i * 1000),
    vals,
  );
  const r = rng(7);
  const many = Array.from({ length: 5000 }, () => (r() - 0.5) * 10 ** Math.floor(r() * 20 - 10));
  roundTrip(
    many.map((_, i) => i * 10),
    many,
  );
});

test('XorAppender stores a constant series at regular intervals in about 2 bits per sample', () => {
  const ts = Array.from({ length: 1000 }, (_, i) => 1_700_000_000_000 + i * 60_000);
  const { bytes } = roundTrip(
    ts,
    ts.map(() => 42),
  );
  assert.ok(bytes < 1000 * 0.3, `${bytes} bytes`);
});

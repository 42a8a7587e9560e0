import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeltaAppender, decodeDeltaChunk } from './delta-chunk.js';

function roundTrip(
  vs: number[],
  staleAt: number[] = [],
  ts = vs.map((_, i) => 1_764_000_000_000 + i * 15_000),
) {
  const app = new DeltaAppender(4);
  for (let i = 0; i < vs.length; i++) app.append(ts[i], vs[i], staleAt.includes(i));
  for (const decode of [
    (t: number[], v: number[], s: number[]) => app.decodeInto(t, v, s),
    (t: number[], v: number[], s: number[]) => decodeDeltaChunk(app.bytes(), t, v, s),
  ]) {
    const outT = [7];
    const outV = [7];
    const outS: number[] = [];
    assert.equal(decode(outT, outV, outS), vs.length);
    assert.deepEqual(outT.slice(1), ts);
    assert.deepEqual(
      outS,
      staleAt.map((i) => i + 1),
    );
    for (let i = 0; i < vs.length; i++) {
      if (staleAt.includes(i)) assert.ok(Number.isNaN(outV[i + 1]));
      else assert.ok(Object.is(outV[i + 1], vs[i]), `sample ${i}: ${outV[i + 1]} for ${vs[i]}`);
    }
  }
  return app.bytes().length;
}

test('DeltaAppender round-trips integers, decimals, exponent changes and raw floats exactly', () => {
  roundTrip([1]);
  roundTrip([0, 1, 2, 3, 1000, -5, 2 ** 49, -(2 ** 49)]);
  roundTrip([20, 20.5, 20.25, 19, 0.001, 0.000001, 3]);
  roundTrip([0.1 + 0.2, 1 / 3, Math.PI, 2.5, 2.75, 1 / 3, 4]);
  roundTrip([Number.NaN, 1, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, -0, 2 ** 60, 1.5]);
  roundTrip([2 ** 49, 0.5, 2 ** 49 + 1]);
  roundTrip([1e-7, 1.5, 1.25, 1e300, -1e-300]);
  roundTrip([5, 6, 7], [0, 2]);
  roundTrip([0.5, 1, 1.5], [1]);
  roundTrip([1 / 3, 2, 3], [0]);
  roundTrip([], []);
  roundTrip([1, 2, 3], [], [0, 1_000_000_000_000, 1_000_000_000_001]);
  roundTrip([1, 2, 3], [], [-5, 7, 3_000_000]);
});

test('DeltaAppender round-trips random mixes of every kind of value', () => {
  let seed = 1;
  const rnd = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  const kinds = [
    () => Math.floor(rnd() * 100),
    () => Math.round(rnd() * 1e6) / 100,
    () => Math.round(rnd() * 1e9) / 1e6,
    () => rnd(),
    () => [Number.NaN, -0, Number.POSITIVE_INFINITY, 2 ** 51][Math.floor(rnd() * 4)],
    () => Math.floor(rnd() * 2 ** 48) * (rnd() < 0.5 ? -1 : 1),
  ];
  for (let round = 0; round < 300; round++) {
    const n = 1 + Math.floor(rnd() * 200);
    const stick = Math.floor(rnd() * kinds.length);
    const vs: number[] = [];
    const staleAt: number[] = [];
    let t = Math.floor(rnd() * 2e12);
    const ts: number[] = [];
    for (let i = 0; i < n; i++) {
      vs.push(kinds[rnd() < 0.8 ? stick : Math.floor(rnd() * kinds.length)]());
      if (rnd() < 0.05) staleAt.push(i);
      ts.push(t);
      t += rnd() < 0.9 ? 15_000 : 1 + Math.floor(rnd() * 1e7);
    }
    roundTrip(vs, staleAt, ts);
  }
});

test('DeltaAppender takes 1 byte per sample for a counter growing by up to 50 per regular step', () => {
  let c = 0;
  const vs = Array.from({ length: 720 }, (_, i) => (c += (i * 37) % 51));
  // Header 3, first sample 8 (absolute timestamp), second 4 (first delta).
  assert.ok(roundTrip(vs) <= 3 + 8 + 4 + 718);
});

test('DeltaAppender takes 2 bytes per sample when timestamps jitter or values jump', () => {
  let c = 0;
  const ts = Array.from({ length: 720 }, (_, i) => 1_764_000_000_000 + i * 15_000 + (i % 3) * 7);
  const vs = Array.from({ length: 720 }, (_, i) => (c += (i * 37) % 51));
  assert.ok(roundTrip(vs, [], ts) <= 3 + 8 + 4 + 718 * 2);
  const jumps = Array.from({ length: 720 }, (_, i) => (i % 2) * 8000);
  assert.ok(roundTrip(jumps) <= 3 + 8 + 5 + 718 * 3);
});

test('DeltaAppender round-trips a marker or value at t = 0 and samples after a zero first delta', () => {
  roundTrip([5], [0], [0]);
  roundTrip([5, 6], [0], [0, 1]);
  roundTrip([5, 6, 7], [1], [0, 60_000, 120_000]);
  roundTrip([1.5, 1.5, 2.5, Number.NaN, 3], [3], [-120_000, -60_000, 0, 60_000, 120_000]);
});

test('decodeDeltaChunk() throws on truncated input', () => {
  const app = new DeltaAppender();
  app.append(1000, 0.1 + 0.2);
  app.append(2000, 5);
  const bytes = app.bytes();
  assert.throws(() => decodeDeltaChunk(bytes.subarray(0, bytes.length - 2), [], [], []), /truncated/);
});

test('DeltaAppender never reports a NaN with the marker bits as stale unless told so', () => {
  const bits = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer)[0];
  const app = new DeltaAppender();
  app.append(1000, bits);
  app.append(2000, Number.NaN);
  app.append(3000, 1, true);
  const stale: number[] = [];
  const vs: number[] = [];
  decodeDeltaChunk(app.bytes(), [], vs, stale);
  assert.deepEqual(stale, [2]);
  assert.ok(vs.every((v, i) => i === 2 || Number.isNaN(v)));
});

test('DeltaAppender grows once to about the size the chunk reaches at its interval, not ×1.75 each time', () => {
  // 60 s interval: the head cuts the chunk after 6 h, i.e. 360 samples of ~2 bytes.
  const app = new DeltaAppender();
  const capacities = new Set<number>();
  let c = 0;
  for (let i = 0; i < 360; i++) {
    c += (i * 37) % 51;
    app.append(1_764_000_000_000 + i * 60_000, c);
    capacities.add(app.capacity);
  }
  assert.ok(capacities.size <= 3, `reallocated ${capacities.size - 1} times`);
  // The arena rounds blocks up to 64 bytes below 2 KB.
  assert.ok(app.capacity <= app.size * 1.05 + 24 + 64, `capacity ${app.capacity} for ${app.size} bytes`);
});

test('a range-bounded decode returns exactly the whole decode cut to [from, to], at every boundary', () => {
  // Irregular intervals, exponent changes, raw floats (NaN, ±Inf, -0, non-decimals) and staleness
  // markers, so that the skipped prefix has to carry the value state (m, e) correctly.
  const values = [
    5,
    5.5,
    1 / 3,
    7,
    0.001,
    Number.NaN,
    -0,
    12,
    2 ** 60,
    3,
    3.25,
    Number.POSITIVE_INFINITY,
    4,
    100,
  ];
  const staleAt = new Set([3, 9]);
  const ts: number[] = [];
  let t = 1_764_000_000_000;
  for (let i = 0; i < values.length; i++) {
    t += 1000 + ((i * 7919) % 13) * 250;
    ts.push(t);
  }
  const app = new DeltaAppender(4);
  for (let i = 0; i < values.length; i++) app.append(ts[i], values[i], staleAt.has(i));
  const wholeT: number[] = [];
  const wholeV: number[] = [];
  const wholeS: number[] = [];
  decodeDeltaChunk(app.bytes(), wholeT, wholeV, wholeS);
  // Every sample timestamp, one before and one after it, and beyond both ends.
  const bounds = [ts[0] - 10_000, ...ts.flatMap((x) => [x - 1, x, x + 1]), ts[ts.length - 1] + 10_000];
  for (const from of bounds) {
    for (const to of bounds) {
      const keep = wholeT.map((_, i) => i).filter((i) => wholeT[i] >= from && wholeT[i] <= to);
      for (const decode of [
        (a: number[], b: number[], c: number[]) => decodeDeltaChunk(app.bytes(), a, b, c, from, to),
        (a: number[], b: number[], c: number[]) => app.decodeInto(a, b, c, from, to),
      ]) {
        // Output arrays that already hold a sample: stale indexes are positions in ts.
        const outT = [1];
        const outV = [1];
        const outS: number[] = [];
        assert.equal(decode(outT, outV, outS), keep.length, `[${from}, ${to}]`);
        assert.deepEqual(
          outT.slice(1),
          keep.map((i) => wholeT[i]),
        );
        keep.forEach((i, k) => {
          assert.ok(Object.is(outV[k + 1], wholeV[i]), `[${from}, ${to}] sample ${i}`);
        });
        assert.deepEqual(
          outS,
          keep.flatMap((i, k) => (wholeS.includes(i) ? [k + 1] : [])),
        );
      }
    }
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeSealedChunk } from './chunk-codec.js';
import { HeadBlockWriter, type HeadSnapshot, readHeadBlock } from './head-block.js';

function encodeHeadBlock(snapshots: HeadSnapshot[]): Uint8Array {
  const w = new HeadBlockWriter();
  for (const s of snapshots) w.add(s);
  return w.finish();
}

const decodeHeadBlock = (data: Uint8Array) => [...readHeadBlock(data)];

const T0 = 1_764_000_000_000;

function times(n: number, step = 60_000, from = T0): number[] {
  return Array.from({ length: n }, (_, i) => from + i * step);
}

function counter(n: number, seed: number): number[] {
  let s = seed >>> 0;
  let c = 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    c += s % 51;
    return c;
  });
}

function check(snapshots: HeadSnapshot[]): Uint8Array {
  const data = encodeHeadBlock(snapshots);
  const back = decodeHeadBlock(data);
  assert.deepEqual(
    back,
    snapshots.map((s) => {
      const out: HeadSnapshot = { id: s.id, appSeq: s.appSeq };
      if (s.app && s.app.ts.length > 0) out.app = s.app;
      if (s.ooo && s.ooo.ts.length > 0) out.ooo = s.ooo;
      return out;
    }),
  );
  return data;
}

test('head blocks round-trip aligned decimals, other floats, markers, out-of-order buffers and empty heads', () => {
  const ts = times(60);
  check([
    { id: 1024, appSeq: 7, app: { ts, vs: counter(60, 1), stale: [] } },
    {
      id: 1025,
      appSeq: 9,
      app: { ts, vs: ts.map((_, i) => Math.round(Math.sin(i) * 1e4) / 100), stale: [] },
    },
    // not decimals: a chunk of its own
    { id: 1027, appSeq: 3, app: { ts, vs: ts.map((_, i) => Math.sqrt(i + 0.5)), stale: [] } },
    // staleness markers (NaN at the marked indexes)
    {
      id: 1030,
      appSeq: 11,
      app: { ts, vs: ts.map((_, i) => (i === 5 || i === 59 ? Number.NaN : i)), stale: [5, 59] },
    },
    // other times than the column's: a second column
    { id: 1031, appSeq: 12, app: { ts: times(10, 15_000, T0 + 7), vs: counter(10, 2), stale: [] } },
    // irregular times that do not share a column
    { id: 1032, appSeq: 13, app: { ts: [T0, T0 + 1, T0 + 2, T0 + 2 ** 40], vs: [1, 2, 3, 4], stale: [] } },
    // only an out-of-order buffer, with its own sequence below the app's
    {
      id: 1040,
      appSeq: 20,
      ooo: { seq: 18, ts: [T0 - 1000, T0 - 500], vs: [1.5, Number.NaN], stale: [1] },
    },
    { id: 1041, appSeq: 21, app: { ts: [T0], vs: [-0], stale: [] } },
    // value deltas too wide to bit-pack
    { id: 1042, appSeq: 2, app: { ts: times(3), vs: [0, 2 ** 45, 0], stale: [] } },
    { id: 2047, appSeq: 0 },
  ]);
});

test('head blocks store the times of aligned series once: 100 series of 60 samples take ~45 bytes each', () => {
  const ts = times(60);
  const snapshots: HeadSnapshot[] = Array.from({ length: 100 }, (_, i) => ({
    id: i,
    appSeq: 1000 + i,
    app: { ts, vs: counter(60, i + 1), stale: [] },
  }));
  const data = check(snapshots);
  // One chunk per series (encoding 5) carries its own times and headers.
  const perSeries = snapshots.reduce((n, s) => n + encodeSealedChunk(s.app!.ts, s.app!.vs).data.length, 0);
  assert.ok(data.length < perSeries - 100 * 8, `${data.length} vs ${perSeries}`);
  assert.ok(data.length / 100 < 50, `${data.length / 100} bytes per series`);
});

test('readHeadBlock() refuses an unknown format and a missing timestamp column', () => {
  assert.throws(() => decodeHeadBlock(Uint8Array.of(9)), /unknown block format 9/);
  // format 1, no column, one series (id 0, seq 0) on column 0
  assert.throws(() => decodeHeadBlock(Uint8Array.of(1, 0, 2, 0, 0, 4)), /timestamp column/);
});

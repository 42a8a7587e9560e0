// Encodings of chunks (the `encoding` column). Head chunks are encoding 7 in memory (delta-chunk.ts,
// cheap to append); when a chunk is persisted it is re-encoded and the smallest of 1-5 wins (1 and
// 2 only for values that are not decimals, 5 for decimals, 3/4 for decimals too wide for 5):
//   1  XOR chunk as is (xor-chunk.ts)
//   2  zstd(XOR chunk)
//   3  zstd(varint stream): u16 count, u8 decimal exponent e, zigzag t0, then per sample zigzag
//      delta-of-delta of the timestamp and zigzag delta of value×10^e; only when every value×10^e
//      is an integer below 2^50 that divides back to exactly the same float64 (e = 0..6).
//      Integer counters and fixed-decimal gauges are most real series, and their deltas are tiny
//      where XOR of their float64 bit patterns is not (VictoriaMetrics converts floats to decimals
//      for the same reason).
//   4  encoding 3 with staleness markers: after the u8 exponent, varint n then n varints of
//      index gaps (first index, then differences) of the stale samples; those samples write a
//      value delta of 0 and decode as NaN. Encodings 1 and 2 keep markers as their own bits.
//   5  the samples of 3/4 bit-packed instead of zstd'd (packed-ints.ts): varint count, u8 e,
//      varint n + n index gaps of staleness markers (n may be 0), zigzag t0, zigzag first delta,
//      packed delta-of-deltas of samples 2.., zigzag m0, packed value deltas of samples 1...
//      Measured on the benchmark mix at 360 samples per chunk: 0.63 bytes/sample where 3 took 1.02.
//   6  the head chunk's format until 7 replaced it in memory; never written to a database (head
//      chunks and snapshots are re-encoded when persisted), so no decoder is kept.
//   7  the head chunk's own format (delta-chunk.ts), in memory only: like 6 it is re-encoded when
//      persisted (metrics-store.ts encodeHeadChunk), so it is never a column value and has no
//      branch here; head snapshots written before 6 are 1. Do not reuse 6 or 7.
// Persisted bytes: never change an encoding in place, add a number.
import { createRequire } from 'node:module';
import type * as Zstd from 'zstd-napi';
import { ByteReader, ByteWriter } from './packed-ints.js';
import {
  decimalExponent,
  readPackedTimes,
  readValueBody,
  readValueHeader,
  writePackedTimes,
  writeValueBody,
  writeValueHeader,
} from './packed-samples.js';
import { decodeXorChunk, XorAppender } from './xor-chunk.js';

export const ENCODING_XOR = 1;
export const ENCODING_XOR_ZSTD = 2;
export const ENCODING_INT_DELTA_ZSTD = 3;
export const ENCODING_INT_DELTA_STALE_ZSTD = 4;
export const ENCODING_DECIMAL_PACKED = 5;

const ZSTD_LEVEL = 3;
// zstd is loaded on first use (+3 MB of RSS once loaded): most chunks are bit-packed (encoding 5),
// so an ingesting collector needs it only at a checkpoint, for chunks that do not pack.
const require = createRequire(import.meta.url);
let zstd: typeof Zstd | undefined;
function zstdLib(): typeof Zstd {
  zstd ??= require('zstd-napi') as typeof Zstd;
  return zstd;
}
export function decompress(data: Uint8Array): Buffer {
  return zstdLib().decompress(data);
}
// One compressor with its parameters set once: the one-shot compress() re-applies them per call,
// which cost more than compressing a 300-byte chunk.
let compressor: Zstd.Compressor | undefined;
export function compress(data: Uint8Array): Buffer {
  if (!compressor) {
    compressor = new (zstdLib().Compressor)();
    compressor.setParameters({ compressionLevel: ZSTD_LEVEL, checksumFlag: false, contentSizeFlag: true });
  }
  return compressor.compress(data);
}

export interface EncodedChunk {
  encoding: number;
  data: Uint8Array;
}

/** Picks the smallest encoding for a chunk given its samples; `stale` lists the ascending indexes of
 * staleness markers. */
export function encodeSealedChunk(ts: number[], vs: number[], stale: number[] = []): EncodedChunk {
  const e = decimalExponent(vs, stale.length > 0 ? stale : undefined);
  if (e < 0) {
    // Not all decimals: Gorilla XOR, zstd'd when that helps.
    const app = new XorAppender();
    let k = 0;
    for (let i = 0; i < ts.length; i++) {
      const isStale = stale[k] === i;
      if (isStale) k++;
      app.append(ts[i], vs[i], isStale);
    }
    const xor = app.bytes();
    let best: EncodedChunk = { encoding: ENCODING_XOR, data: xor };
    if (xor.length > 32) {
      const z = compress(xor);
      if (z.length < best.data.length) best = { encoding: ENCODING_XOR_ZSTD, data: z };
    }
    return best;
  }
  // Bit-packing first; zstd of varints only where a block is too wide to pack. Trying both and
  // keeping the smaller gave the same file size on the bench mix (zstd won only on constants, by
  // ~5 bytes per chunk) and made a checkpoint of 100k heads take 4.1 s instead of 1.7 s.
  const packed = encodePacked(ts, vs, e, stale);
  if (packed) return { encoding: ENCODING_DECIMAL_PACKED, data: packed };
  const withStale = stale.length > 0;
  return {
    encoding: withStale ? ENCODING_INT_DELTA_STALE_ZSTD : ENCODING_INT_DELTA_ZSTD,
    data: compress(encodeIntDelta(ts, vs, e, withStale ? stale : undefined)),
  };
}

/** Appends a chunk's samples to ts/vs; `stale` receives the indexes (in ts) of staleness markers. */
export function decodeChunk(
  encoding: number,
  data: Uint8Array,
  ts: number[],
  vs: number[],
  stale?: number[],
): number {
  switch (encoding) {
    case ENCODING_XOR:
      return decodeXorChunk(data, ts, vs, stale);
    case ENCODING_XOR_ZSTD:
      return decodeXorChunk(decompress(data), ts, vs, stale);
    case ENCODING_INT_DELTA_ZSTD:
      return decodeIntDelta(decompress(data), ts, vs, false, stale);
    case ENCODING_INT_DELTA_STALE_ZSTD:
      return decodeIntDelta(decompress(data), ts, vs, true, stale);
    case ENCODING_DECIMAL_PACKED:
      return decodePacked(data, ts, vs, stale);
    default:
      throw new Error(`unknown chunk encoding ${encoding}`);
  }
}

const POW10 = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000];

function encodeIntDelta(ts: number[], vs: number[], e: number, stale?: number[]): Uint8Array {
  const scale = POW10[e];
  const out = new Uint8Array(3 + (ts.length + (stale?.length ?? 0)) * 20 + 10);
  out[0] = ts.length >>> 8;
  out[1] = ts.length & 0xff;
  out[2] = e;
  const c = { pos: 3 };
  if (stale) {
    writeZigzag(out, c, stale.length);
    for (let k = 0; k < stale.length; k++) writeZigzag(out, c, stale[k] - (k > 0 ? stale[k - 1] : 0));
  }
  let prevT = 0;
  let prevDelta = 0;
  let prevM = 0;
  let k = 0;
  for (let i = 0; i < ts.length; i++) {
    const delta = ts[i] - prevT;
    writeZigzag(out, c, i === 0 ? ts[i] : delta - prevDelta);
    if (i > 0) prevDelta = delta;
    prevT = ts[i];
    if (stale && stale[k] === i) {
      k++;
      writeZigzag(out, c, 0);
      continue;
    }
    const m = Math.round(vs[i] * scale);
    writeZigzag(out, c, m - prevM);
    prevM = m;
  }
  return out.subarray(0, c.pos);
}

function decodeIntDelta(
  buf: Uint8Array,
  ts: number[],
  vs: number[],
  withStale: boolean,
  staleOut?: number[],
): number {
  const count = (buf[0] << 8) | buf[1];
  const scale = POW10[buf[2]];
  const c = { pos: 3 };
  const base = ts.length;
  const staleAt: number[] = [];
  if (withStale) {
    const n = readZigzag(buf, c);
    let at = 0;
    for (let k = 0; k < n; k++) {
      at += readZigzag(buf, c);
      staleAt.push(at);
    }
  }
  let k = 0;
  let t = 0;
  let delta = 0;
  let m = 0;
  for (let i = 0; i < count; i++) {
    const d = readZigzag(buf, c);
    if (i === 0) t = d;
    else {
      delta += d;
      t += delta;
    }
    m += readZigzag(buf, c);
    ts.push(t);
    if (k < staleAt.length && staleAt[k] === i) {
      k++;
      vs.push(Number.NaN);
      staleOut?.push(base + i);
      continue;
    }
    vs.push(scale === 1 ? m : m / scale);
  }
  return count;
}

function encodePacked(ts: number[], vs: number[], e: number, stale: number[]): Uint8Array | undefined {
  const n = ts.length;
  if (n === 0) return undefined;
  const w = new ByteWriter(24 + n);
  w.zigzag(n);
  writeValueHeader(w, e, stale);
  if (!writePackedTimes(w, ts) || !writeValueBody(w, vs, e, stale)) return undefined;
  return w.bytes().slice();
}

function decodePacked(buf: Uint8Array, ts: number[], vs: number[], staleOut?: number[]): number {
  const r = new ByteReader(buf);
  const n = r.zigzag();
  const header = readValueHeader(r);
  readPackedTimes(r, n, ts);
  readValueBody(r, n, header, vs, staleOut);
  return n;
}

function writeZigzag(out: Uint8Array, c: { pos: number }, n: number): void {
  let z = n >= 0 ? n * 2 : -n * 2 - 1;
  while (z >= 0x80) {
    out[c.pos++] = (z % 128) | 0x80;
    z = Math.floor(z / 128);
  }
  out[c.pos++] = z;
}

function readZigzag(buf: Uint8Array, c: { pos: number }): number {
  let z = 0;
  let mul = 1;
  for (;;) {
    const b = buf[c.pos++];
    if (b === undefined) throw new Error('chunk truncated');
    z += (b & 0x7f) * mul;
    if (b < 0x80) break;
    mul *= 128;
  }
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}

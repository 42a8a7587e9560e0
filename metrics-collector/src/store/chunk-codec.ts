// Encodings of persisted chunks (the `encoding` column). Head chunks are always encoding 1 (Gorilla
// XOR, cheap to append). When a chunk is sealed a second stage may shrink it further; the smallest
// of these wins:
//   1  XOR chunk as is (xor-chunk.ts)
//   2  zstd(XOR chunk)
//   3  zstd(varint stream): u16 count, u8 decimal exponent e, zigzag t0, then per sample zigzag
//      delta-of-delta of the timestamp and zigzag delta of value×10^e; only when every value×10^e
//      is an integer below 2^50 that divides back to exactly the same float64 (e = 0..6).
//      Integer counters and fixed-decimal gauges are most real series, and their deltas are tiny
//      where XOR of their float64 bit patterns is not (VictoriaMetrics converts floats to decimals
//      for the same reason).
// Persisted bytes: never change an encoding in place, add a number.
import { Compressor, decompress } from 'zstd-napi';
import { decodeXorChunk } from './xor-chunk.js';

export const ENCODING_XOR = 1;
export const ENCODING_XOR_ZSTD = 2;
export const ENCODING_INT_DELTA_ZSTD = 3;

const ZSTD_LEVEL = 3;
// One compressor with its parameters set once: the one-shot compress() re-applies them per call,
// which cost more than compressing a 300-byte chunk.
let compressor: Compressor | undefined;
function compress(data: Uint8Array): Buffer {
  if (!compressor) {
    compressor = new Compressor();
    compressor.setParameters({ compressionLevel: ZSTD_LEVEL, checksumFlag: false, contentSizeFlag: true });
  }
  return compressor.compress(data);
}
const INT_LIMIT = 2 ** 50;

export interface EncodedChunk {
  encoding: number;
  data: Uint8Array;
}

/** Picks the smallest encoding for a sealed chunk given its decoded samples and XOR bytes. */
export function encodeSealedChunk(xor: Uint8Array, ts: number[], vs: number[]): EncodedChunk {
  let best: EncodedChunk = { encoding: ENCODING_XOR, data: xor };
  if (xor.length > 32) {
    const z = compress(xor);
    if (z.length < best.data.length) best = { encoding: ENCODING_XOR_ZSTD, data: z };
  }
  const ints = encodeIntDelta(ts, vs);
  if (ints) {
    const z = compress(ints);
    if (z.length < best.data.length) best = { encoding: ENCODING_INT_DELTA_ZSTD, data: z };
  }
  return best;
}

export function decodeChunk(encoding: number, data: Uint8Array, ts: number[], vs: number[]): number {
  switch (encoding) {
    case ENCODING_XOR:
      return decodeXorChunk(data, ts, vs);
    case ENCODING_XOR_ZSTD:
      return decodeXorChunk(decompress(data), ts, vs);
    case ENCODING_INT_DELTA_ZSTD:
      return decodeIntDelta(decompress(data), ts, vs);
    default:
      throw new Error(`unknown chunk encoding ${encoding}`);
  }
}

const POW10 = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000];

/** The smallest e such that every value is exactly m / 10^e with an integer |m| < 2^50. */
function decimalExponent(vs: number[]): number {
  let e = 0;
  for (const v of vs) {
    if (!Number.isFinite(v) || Object.is(v, -0)) return -1;
    while (e < POW10.length) {
      const m = Math.round(v * POW10[e]);
      if (Math.abs(m) < INT_LIMIT && m / POW10[e] === v) break;
      e++;
    }
    if (e === POW10.length) return -1;
  }
  return e;
}

function encodeIntDelta(ts: number[], vs: number[]): Uint8Array | undefined {
  const e = decimalExponent(vs);
  if (e < 0) return undefined;
  const scale = POW10[e];
  const out = new Uint8Array(3 + ts.length * 20);
  out[0] = ts.length >>> 8;
  out[1] = ts.length & 0xff;
  out[2] = e;
  const c = { pos: 3 };
  let prevT = 0;
  let prevDelta = 0;
  let prevM = 0;
  for (let i = 0; i < ts.length; i++) {
    const delta = ts[i] - prevT;
    writeZigzag(out, c, i === 0 ? ts[i] : delta - prevDelta);
    if (i > 0) prevDelta = delta;
    prevT = ts[i];
    const m = Math.round(vs[i] * scale);
    writeZigzag(out, c, m - prevM);
    prevM = m;
  }
  return out.subarray(0, c.pos);
}

function decodeIntDelta(buf: Uint8Array, ts: number[], vs: number[]): number {
  const count = (buf[0] << 8) | buf[1];
  const scale = POW10[buf[2]];
  const c = { pos: 3 };
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
    vs.push(scale === 1 ? m : m / scale);
  }
  return count;
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

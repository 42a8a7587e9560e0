// Encodings of persisted chunks (the `encoding` column). Head chunks are always encoding 1 (Gorilla
// XOR, cheap to append). When a chunk is sealed a second stage may shrink it further; the smallest
// of these wins:
//   1  XOR chunk as is (xor-chunk.ts)
//   2  zstd(XOR chunk)
//   3  zstd(varint stream): u16 count, zigzag t0, then per sample zigzag delta-of-delta of the
//      timestamp and zigzag delta of the value; only when every value is an integer below 2^50.
//      Integer counters and gauges are most real series, and their deltas are tiny where XOR of
//      their float64 bit patterns is not (VictoriaMetrics converts floats to decimals for this).
// Persisted bytes: never change an encoding in place, add a number.
import { compress, decompress } from 'zstd-napi';
import { decodeXorChunk } from './xor-chunk.js';

export const ENCODING_XOR = 1;
export const ENCODING_XOR_ZSTD = 2;
export const ENCODING_INT_DELTA_ZSTD = 3;

const ZSTD_LEVEL = 3;
const INT_LIMIT = 2 ** 50;

export interface EncodedChunk {
  encoding: number;
  data: Uint8Array;
}

/** Picks the smallest encoding for a sealed chunk given its decoded samples and XOR bytes. */
export function encodeSealedChunk(xor: Uint8Array, ts: number[], vs: number[]): EncodedChunk {
  let best: EncodedChunk = { encoding: ENCODING_XOR, data: xor };
  if (xor.length > 32) {
    const z = compress(xor, { compressionLevel: ZSTD_LEVEL });
    if (z.length < best.data.length) best = { encoding: ENCODING_XOR_ZSTD, data: z };
  }
  const ints = encodeIntDelta(ts, vs);
  if (ints) {
    const z = compress(ints, { compressionLevel: ZSTD_LEVEL });
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

function encodeIntDelta(ts: number[], vs: number[]): Uint8Array | undefined {
  for (const v of vs) {
    if (!Number.isInteger(v) || Math.abs(v) >= INT_LIMIT || Object.is(v, -0)) return undefined;
  }
  const out = new Uint8Array(2 + ts.length * 20);
  out[0] = ts.length >>> 8;
  out[1] = ts.length & 0xff;
  const c = { pos: 2 };
  let prevT = 0;
  let prevDelta = 0;
  let prevV = 0;
  for (let i = 0; i < ts.length; i++) {
    const delta = ts[i] - prevT;
    writeZigzag(out, c, i === 0 ? ts[i] : delta - prevDelta);
    if (i > 0) prevDelta = delta;
    prevT = ts[i];
    writeZigzag(out, c, vs[i] - prevV);
    prevV = vs[i];
  }
  return out.subarray(0, c.pos);
}

function decodeIntDelta(buf: Uint8Array, ts: number[], vs: number[]): number {
  const count = (buf[0] << 8) | buf[1];
  const c = { pos: 2 };
  let t = 0;
  let delta = 0;
  let v = 0;
  for (let i = 0; i < count; i++) {
    const d = readZigzag(buf, c);
    if (i === 0) t = d;
    else {
      delta += d;
      t += delta;
    }
    v += readZigzag(buf, c);
    ts.push(t);
    vs.push(v);
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

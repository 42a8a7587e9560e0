// The two halves of chunk encoding 5 (chunk-codec.ts), shared with the stripe blocks
// (head-block.ts), which store one timestamp column for every series of a stripe sampled at the
// same times and only the value half per series:
//   times   zigzag t0, then (n > 1) zigzag first delta and packed delta-of-deltas of samples 2..
//   values  header: u8 decimal exponent e, varint k + k index gaps of staleness markers; body:
//           zigzag m0, packed deltas of m = value × 10^e for samples 1.. (a marker repeats the
//           previous m). Encoding 5 writes the times between the header and the body.
// packed = packed-ints.ts. Both return false when a block is too wide to pack.
import { type ByteReader, type ByteWriter, readPackedInts, writePackedInts } from './packed-ints.js';

const POW10 = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000];
const INT_LIMIT = 2 ** 50;

/** The smallest e such that every value (markers skipped) is exactly m / 10^e with an integer
 * |m| < 2^50, or -1. `stale`: ascending marker indexes. */
export function decimalExponent(vs: ArrayLike<number>, stale?: number[]): number {
  let e = 0;
  let k = 0;
  for (let i = 0; i < vs.length; i++) {
    if (stale && stale[k] === i) {
      k++;
      continue;
    }
    const v = vs[i];
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

export function writePackedTimes(w: ByteWriter, ts: ArrayLike<number>): boolean {
  const n = ts.length;
  w.zigzag(ts[0]);
  if (n < 2) return true;
  w.zigzag(ts[1] - ts[0]);
  const dods = new Float64Array(n - 2);
  for (let i = 2; i < n; i++) dods[i - 2] = ts[i] - 2 * ts[i - 1] + ts[i - 2];
  return writePackedInts(w, dods, 0, n - 2);
}

/** Appends n timestamps written by writePackedTimes to ts. */
export function readPackedTimes(r: ByteReader, n: number, ts: number[]): void {
  let t = r.zigzag();
  ts.push(t);
  if (n < 2) return;
  let delta = r.zigzag();
  t += delta;
  ts.push(t);
  const dods = new Float64Array(n - 2);
  readPackedInts(r, n - 2, dods, 0);
  for (let i = 0; i < n - 2; i++) {
    delta += dods[i];
    t += delta;
    ts.push(t);
  }
}

/** The value half's header: the exponent `e` (from decimalExponent, ≥ 0) and the markers. */
export function writeValueHeader(w: ByteWriter, e: number, stale: number[]): void {
  w.byte(e);
  w.zigzag(stale.length);
  for (let k = 0; k < stale.length; k++) w.zigzag(stale[k] - (k > 0 ? stale[k - 1] : 0));
}

export interface ValueHeader {
  scale: number;
  staleAt: number[];
}

export function readValueHeader(r: ByteReader): ValueHeader {
  const scale = POW10[r.byte()];
  if (scale === undefined) throw new Error('chunk corrupt: decimal exponent');
  const staleAt: number[] = [];
  let at = 0;
  for (let k = r.zigzag(); k > 0; k--) {
    at += r.zigzag();
    staleAt.push(at);
  }
  return { scale, staleAt };
}

/** The value half's body: m0 and the packed deltas (the header's e and markers). */
export function writeValueBody(w: ByteWriter, vs: ArrayLike<number>, e: number, stale: number[]): boolean {
  const n = vs.length;
  const scale = POW10[e];
  const deltas = new Float64Array(Math.max(0, n - 1));
  let prevM = 0;
  let k = 0;
  for (let i = 0; i < n; i++) {
    let m = prevM;
    if (stale[k] === i) k++;
    else m = Math.round(vs[i] * scale);
    if (i === 0) w.zigzag(m);
    else deltas[i - 1] = m - prevM;
    prevM = m;
  }
  return writePackedInts(w, deltas, 0, n - 1);
}

/** Appends n values to vs (NaN for markers, whose indexes, offset by vs' length before the call,
 * go to staleOut). */
export function readValueBody(
  r: ByteReader,
  n: number,
  header: ValueHeader,
  vs: number[],
  staleOut?: number[],
): void {
  const { scale, staleAt } = header;
  const base = vs.length;
  let m = r.zigzag();
  const deltas = new Float64Array(Math.max(0, n - 1));
  readPackedInts(r, n - 1, deltas, 0);
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0) m += deltas[i - 1];
    if (k < staleAt.length && staleAt[k] === i) {
      k++;
      vs.push(Number.NaN);
      staleOut?.push(base + i);
      continue;
    }
    vs.push(scale === 1 ? m : m / scale);
  }
}

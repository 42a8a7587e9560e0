// Chunk encoding 7: the open (head) chunk as byte-aligned tokens, cheap to append and small for
// the values most series carry. Layout: u16 sample count, u8 initial decimal exponent e, then per
// sample a timestamp z (zigzag of t0, then of the first delta, then of the delta-of-deltas) and an
// unsigned value token u:
//   0        staleness marker (the value state is unchanged)
//   1        raw float64 follows (8 bytes LE): NaN, ±Inf, -0, values that are not m / 10^e
//   2        e changes: one byte with the new exponent follows, then another token (a varint)
//   u ≥ 3    m += unzigzag(u − 3); the value is m / 10^e
// where m is exact below 2^50 and m / 10^e reproduces the float64 bit for bit (as encoding 3).
// A sample starts with one byte b:
//   b ≥ 0x80       z = 0 and u = b − 0x80 (< 128): a sample on a regular interval whose value
//                  moved by at most ±62 steps takes this one byte
//   0x40 ≤ b < 0x80  z = (b − 0x40) + 64 × varint that follows, then u as a varint
//   b < 0x40       z = b, then u as a varint
// Encoding 6 (its predecessor, never persisted) spent a byte on z and one on u: 2.03 bytes per
// sample on the bench mix where this takes ~1.0, and the head is most of a collector's memory per
// series. Gorilla XOR (encoding 1) cost twice the append CPU (bit-level writes) and 2.5–3 bytes per
// sample of a counter growing by 0..50. Sealed chunks are re-encoded (chunk-codec.ts), so this
// format is only what the head holds in memory.

import { ARENA_PAGE_BYTES, arenaBlockBytes, headArena } from './delta-chunk-arena.js';

const POW10 = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000];
const INT_LIMIT = 2 ** 50;
const HEADER_BYTES = 3;

const f64 = new Float64Array(1);
const u8 = new Uint8Array(f64.buffer);

/** The smallest e (0..6) with v = m / 10^e exactly for an integer |m| < 2^50, else -1. */
function exponentOf(v: number): number {
  if (!Number.isFinite(v) || Object.is(v, -0)) return -1;
  for (let e = 0; e < POW10.length; e++) {
    const m = Math.round(v * POW10[e]);
    if (Math.abs(m) < INT_LIMIT && m / POW10[e] === v) return e;
  }
  return -1;
}

/** The head cuts a chunk at this many samples (head.ts), */
export const CHUNK_MAX_SAMPLES = 720;
/** or when it would span this long, so a range read can bound its index scan on min_t. */
export const CHUNK_MAX_SPAN_MS = 6 * 3600_000;

/** Appends samples to an encoding-6 chunk whose bytes sit in a block of the head arena
 * (delta-chunk-arena.ts): `buf` is the arena page, the chunk is buf[base, pos). Call release()
 * once the chunk is sealed or dropped, or its block is never reused. */
export class DeltaAppender {
  buf: Uint8Array;
  /** Where the block starts in `buf`, its arena handle, and where it ends. */
  private base: number;
  private at: number;
  private limit: number;
  pos: number;
  count = 0;
  minT = 0;
  maxT = 0;
  private delta = 0;
  /** pos after the second sample (growth estimate). */
  private posAfterTwo: number;
  /** Current exponent, or -1 before the first decimal value. */
  private e = -1;
  /** m of the last decimal value, or NaN when the last value was raw and not decimal at e. */
  private m = Number.NaN;

  constructor(capacity = 64) {
    this.at = headArena.alloc(capacity);
    this.buf = headArena.page(this.at);
    this.base = this.at % ARENA_PAGE_BYTES;
    this.limit = this.base + arenaBlockBytes(capacity);
    this.pos = this.posAfterTwo = this.base + HEADER_BYTES;
    this.buf[this.base + 2] = 0;
  }

  /** Bytes of the chunk so far, and of its block. */
  get size(): number {
    return this.pos - this.base;
  }

  get capacity(): number {
    return this.limit - this.base;
  }

  /** Gives the block back to the arena; the appender must not be used afterwards. */
  release(): void {
    if (this.at < 0) return;
    headArena.release(this.at, this.capacity);
    this.at = -1;
  }

  private grow(): void {
    // Growing ×1.75 from 64 reallocated 4 times up to 360 samples of a counter and left ~870 bytes
    // per series of dead buffers, which showed in the peak RSS of an ingest. Once a few samples are
    // in, the chunk's final size is predictable: bytes per sample so far × the samples the chunk
    // will hold at this interval (the head cuts it at CHUNK_MAX_SAMPLES or CHUNK_MAX_SPAN_MS), plus
    // 2 % and the 24-byte worst case of one append. Never less than ×1.25, so a chunk that gets
    // denser still grows fast.
    const used = this.size;
    let size = Math.ceil(this.capacity * 1.75) + 16;
    const n = this.count;
    if (n >= 8 && this.maxT > this.minT) {
      const interval = (this.maxT - this.minT) / (n - 1);
      const expected = Math.min(CHUNK_MAX_SAMPLES, Math.ceil(CHUNK_MAX_SPAN_MS / interval));
      // The first two samples (absolute timestamp, first delta) cost more than the rest.
      const perSample = (this.pos - this.posAfterTwo) / (n - 2);
      const predicted = used + Math.ceil(perSample * Math.max(0, expected - n) * 1.02) + 24;
      size = Math.max(predicted, Math.ceil(this.capacity * 1.25) + 16);
    }
    const at = headArena.alloc(size);
    const page = headArena.page(at);
    const base = at % ARENA_PAGE_BYTES;
    page.set(this.buf.subarray(this.base, this.pos), base);
    this.release();
    this.posAfterTwo += base - this.base;
    this.at = at;
    this.buf = page;
    this.base = base;
    this.pos = base + used;
    this.limit = base + arenaBlockBytes(size);
  }

  private varint(z: number): void {
    const buf = this.buf;
    let pos = this.pos;
    while (z >= 0x80) {
      buf[pos++] = (z % 128) | 0x80;
      z = Math.floor(z / 128);
    }
    buf[pos++] = z;
    this.pos = pos;
  }

  append(t: number, v: number, stale = false): void {
    // Worst case per sample: 8 (t) + 1 + 1 + 1 + 8 (value) bytes.
    while (this.pos + 24 > this.limit) this.grow();
    let z: number;
    if (this.count === 0) {
      z = t >= 0 ? t * 2 : -t * 2 - 1;
      this.minT = t;
    } else {
      const delta = t - this.maxT;
      const dod = delta - this.delta;
      this.delta = delta;
      z = dod >= 0 ? dod * 2 : -dod * 2 - 1;
    }
    this.maxT = t;
    this.count++;
    if (stale) {
      if (z === 0) this.buf[this.pos++] = 0x80;
      else {
        this.timestamp(z);
        this.buf[this.pos++] = 0;
      }
      if (this.count === 2) this.posAfterTwo = this.pos;
      return;
    }
    let e = this.e;
    if (e >= 0 && !Number.isNaN(this.m)) {
      const scale = POW10[e];
      const m = Math.round(v * scale);
      if (m / scale === v && Math.abs(m) < INT_LIMIT && !Object.is(v, -0)) {
        const d = m - this.m;
        this.m = m;
        const u = (d >= 0 ? d * 2 : -d * 2 - 1) + 3;
        if (z === 0 && u < 0x80) this.buf[this.pos++] = 0x80 | u;
        else {
          this.timestamp(z);
          this.varint(u);
        }
        if (this.count === 2) this.posAfterTwo = this.pos;
        return;
      }
    }
    this.timestamp(z);
    const need = exponentOf(v);
    if (need > e) {
      if (this.count === 1) {
        // First sample: the exponent goes in the header and m starts at 0, as in the decoder.
        this.buf[this.base + 2] = need;
        this.m = 0;
      } else {
        this.buf[this.pos++] = 2;
        this.buf[this.pos++] = need;
        // Rescale the running m to the finer exponent (exact while below 2^53).
        const m = e >= 0 ? this.m * POW10[need - e] : Number.NaN;
        this.m = Math.abs(m) < INT_LIMIT ? m : Number.NaN;
      }
      this.e = e = need;
      if (!Number.isNaN(this.m)) {
        this.writeValueDelta(Math.round(v * POW10[e]));
        if (this.count === 2) this.posAfterTwo = this.pos;
        return;
      }
    }
    // Raw float64; the value state restarts from it when it is decimal at the current exponent.
    this.buf[this.pos++] = 1;
    f64[0] = v;
    this.buf.set(u8, this.pos);
    this.pos += 8;
    if (e >= 0) {
      const m = Math.round(v * POW10[e]);
      this.m = m / POW10[e] === v && Math.abs(m) < INT_LIMIT && !Object.is(v, -0) ? m : Number.NaN;
    }
    if (this.count === 2) this.posAfterTwo = this.pos;
  }

  /** A sample's timestamp z when it does not share its byte with the value token. */
  private timestamp(z: number): void {
    if (z < 0x40) this.buf[this.pos++] = z;
    else {
      this.buf[this.pos++] = 0x40 | (z % 64);
      this.varint(Math.floor(z / 64));
    }
  }

  private writeValueDelta(m: number): void {
    const d = m - this.m;
    this.m = m;
    this.varint((d >= 0 ? d * 2 : -d * 2 - 1) + 3);
  }

  /** The chunk bytes (a copy; the appender keeps its block). */
  bytes(): Uint8Array {
    const out = this.buf.slice(this.base, this.pos);
    out[0] = this.count >>> 8;
    out[1] = this.count & 0xff;
    return out;
  }

  /** decodeDeltaChunk of this chunk; with fromMs/toMs, only its samples in [fromMs, toMs]. */
  decodeInto(
    ts: number[],
    vs: number[],
    stale?: number[],
    fromMs = Number.NEGATIVE_INFINITY,
    toMs = Number.POSITIVE_INFINITY,
  ): number {
    this.buf[this.base] = this.count >>> 8;
    this.buf[this.base + 1] = this.count & 0xff;
    if (fromMs > this.maxT || toMs < this.minT) return 0;
    return decodeDeltaChunk(this.buf.subarray(this.base, this.pos), ts, vs, stale, fromMs, toMs);
  }
}

/**
 * Appends a chunk's samples to ts/vs; `stale` receives the indexes (in ts) of markers. With
 * fromMs/toMs only the samples in [fromMs, toMs] are appended: earlier ones are decoded into the
 * running state without being stored, and decoding stops at the first sample past toMs (an
 * appender's timestamps strictly ascend). Returns how many samples were appended.
 */
export function decodeDeltaChunk(
  buf: Uint8Array,
  ts: number[],
  vs: number[],
  stale?: number[],
  fromMs = Number.NEGATIVE_INFINITY,
  toMs = Number.POSITIVE_INFINITY,
): number {
  const count = (buf[0] << 8) | buf[1];
  let e = buf[2];
  let scale = POW10[e];
  if (scale === undefined) throw new Error('chunk corrupt: decimal exponent');
  let pos = HEADER_BYTES;
  const base = ts.length;
  const read = (): number => {
    let z = 0;
    let mul = 1;
    for (;;) {
      const b = buf[pos++];
      if (b === undefined) throw new Error('chunk truncated');
      z += (b & 0x7f) * mul;
      if (b < 0x80) return z;
      mul *= 128;
    }
  };
  let t = 0;
  let delta = 0;
  let m = 0;
  for (let i = 0; i < count; i++) {
    const b = buf[pos++];
    if (b === undefined) throw new Error('chunk truncated');
    // z = 0 (a regular step) with the value token in the same byte, or z and then u.
    let u = b - 0x80;
    if (b < 0x80) {
      const zt = b < 0x40 ? b : b - 0x40 + 64 * read();
      const dt = zt % 2 === 0 ? zt / 2 : -(zt + 1) / 2;
      if (i === 0) t = dt;
      else {
        delta += dt;
        t += delta;
      }
      u = read();
    } else if (i === 0) t = 0;
    else t += delta;
    if (t > toMs) break;
    const keep = t >= fromMs;
    while (u === 2) {
      const next = buf[pos++];
      if (next === undefined || POW10[next] === undefined) throw new Error('chunk corrupt: decimal exponent');
      m *= POW10[next - e];
      e = next;
      scale = POW10[e];
      u = read();
    }
    if (u === 0) {
      if (!keep) continue;
      stale?.push(ts.length);
      ts.push(t);
      vs.push(Number.NaN);
    } else if (u === 1) {
      if (pos + 8 > buf.length) throw new Error('chunk truncated');
      for (let k = 0; k < 8; k++) u8[k] = buf[pos + k];
      pos += 8;
      const v = f64[0];
      m = Math.round(v * scale);
      if (!keep) continue;
      ts.push(t);
      vs.push(v);
    } else {
      const z = u - 3;
      m += z % 2 === 0 ? z / 2 : -(z + 1) / 2;
      if (!keep) continue;
      ts.push(t);
      vs.push(e === 0 ? m : m / scale);
    }
  }
  return ts.length - base;
}

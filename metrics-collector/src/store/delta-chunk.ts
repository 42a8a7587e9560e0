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

import { ARENA_PAGE_BYTES, arenaBlockBytes, type DeltaChunkArena, headArena } from './delta-chunk-arena.js';

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

// The state of every open chunk lives in two typed arrays indexed by a slot (the head uses the
// series id): per slot 4 float64 (first and last timestamp, last delta, running m) and 7 int32
// (arena page, block start, write position, block end, count, position after the second sample,
// exponent). As an object per chunk (~120 bytes with its fields) plus boxed float64 fields
// (~16 bytes each) it took ~240 bytes of V8 heap per series; this takes 60.
const F_MIN_T = 0;
const F_MAX_T = 1;
const F_DELTA = 2;
/** m of the last decimal value, or NaN when the last value was raw and not decimal at e. */
const F_M = 3;
const F_STRIDE = 4;
/** Arena page index, or -1 when the slot holds no chunk. */
const I_PAGE = 0;
const I_BASE = 1;
const I_POS = 2;
const I_LIMIT = 3;
const I_COUNT = 4;
/** pos after the second sample (growth estimate). */
const I_POS2 = 5;
/** Current exponent, or -1 before the first decimal value. */
const I_E = 6;
const I_STRIDE = 7;

/** Open encoding-7 chunks whose bytes sit in blocks of the head arena (delta-chunk-arena.ts). A
 * slot holds at most one chunk: open() it, append(), then release() it once the chunk is sealed or
 * dropped, or its block is never reused. */
export class DeltaChunks {
  private f: Float64Array;
  private i: Int32Array;
  private slots: number;

  constructor(
    slots = 1,
    private readonly arena: DeltaChunkArena = headArena,
  ) {
    this.slots = Math.max(1, slots);
    this.f = new Float64Array(this.slots * F_STRIDE);
    this.i = new Int32Array(this.slots * I_STRIDE).fill(-1);
  }

  /** Makes room for slots [0, n). */
  reserve(n: number): void {
    if (n <= this.slots) return;
    const slots = Math.max(n, Math.ceil(this.slots * 1.5));
    const f = new Float64Array(slots * F_STRIDE);
    f.set(this.f);
    const i = new Int32Array(slots * I_STRIDE).fill(-1);
    i.set(this.i);
    this.f = f;
    this.i = i;
    this.slots = slots;
  }

  isOpen(slot: number): boolean {
    return slot < this.slots && this.i[slot * I_STRIDE + I_PAGE] >= 0;
  }

  /** Starts an empty chunk in the slot with a block of at least `capacity` bytes. */
  open(slot: number, capacity = 64): void {
    this.reserve(slot + 1);
    if (this.isOpen(slot)) this.release(slot);
    const at = this.arena.alloc(capacity);
    const base = at % ARENA_PAGE_BYTES;
    const r = slot * I_STRIDE;
    const I = this.i;
    I[r + I_PAGE] = Math.floor(at / ARENA_PAGE_BYTES);
    I[r + I_BASE] = base;
    I[r + I_POS] = base + HEADER_BYTES;
    I[r + I_LIMIT] = base + arenaBlockBytes(capacity);
    I[r + I_COUNT] = 0;
    I[r + I_POS2] = base + HEADER_BYTES;
    I[r + I_E] = -1;
    const rf = slot * F_STRIDE;
    this.f[rf + F_MIN_T] = 0;
    this.f[rf + F_MAX_T] = 0;
    this.f[rf + F_DELTA] = 0;
    this.f[rf + F_M] = Number.NaN;
    this.arena.pages[I[r + I_PAGE]][base + 2] = 0;
  }

  /** Gives the slot's block back to the arena; the slot holds no chunk afterwards. */
  release(slot: number): void {
    if (!this.isOpen(slot)) return;
    const r = slot * I_STRIDE;
    this.arena.release(this.i[r + I_PAGE] * ARENA_PAGE_BYTES + this.i[r + I_BASE], this.capacity(slot));
    this.i[r + I_PAGE] = -1;
  }

  count(slot: number): number {
    return this.i[slot * I_STRIDE + I_COUNT];
  }

  minT(slot: number): number {
    return this.f[slot * F_STRIDE + F_MIN_T];
  }

  maxT(slot: number): number {
    return this.f[slot * F_STRIDE + F_MAX_T];
  }

  /** Bytes of the chunk so far, and of its block. */
  size(slot: number): number {
    return this.i[slot * I_STRIDE + I_POS] - this.i[slot * I_STRIDE + I_BASE];
  }

  capacity(slot: number): number {
    return this.i[slot * I_STRIDE + I_LIMIT] - this.i[slot * I_STRIDE + I_BASE];
  }

  /** Samples in the slot's chunk, or -1 when the slot holds none. */
  openCount(slot: number): number {
    return slot < this.slots && this.i[slot * I_STRIDE + I_PAGE] >= 0
      ? this.i[slot * I_STRIDE + I_COUNT]
      : -1;
  }

  /** Keeps the first `n` samples of the slot's chunk, its state as when it held only those (the
   * chunk is decoded and appended again: for undoing a malformed request, never on the hot path). */
  truncate(slot: number, n: number): void {
    const ts: number[] = [];
    const vs: number[] = [];
    const stale: number[] = [];
    this.decodeInto(slot, ts, vs, stale);
    this.open(slot, Math.max(64, this.size(slot)));
    let k = 0;
    for (let i = 0; i < n; i++) {
      const isStale = stale[k] === i;
      if (isStale) k++;
      this.append(slot, ts[i], vs[i], isStale);
    }
  }

  /** Opens the slot with a sealed copy of its chunk (bytes()): undoes a seal, for truncate(). */
  reopenFrom(slot: number, data: Uint8Array): void {
    this.open(slot, data.length + 24);
    const r = slot * I_STRIDE;
    const base = this.i[r + I_BASE];
    this.arena.pages[this.i[r + I_PAGE]].set(data, base);
    this.i[r + I_POS] = base + data.length;
    this.i[r + I_COUNT] = (data[0] << 8) | data[1];
  }

  /** Moves the chunk to a larger block with room for at least one more sample; returns its pos. */
  private grow(slot: number): number {
    // Growing ×1.75 from 64 reallocated 4 times up to 360 samples of a counter and left ~870 bytes
    // per series of dead buffers, which showed in the peak RSS of an ingest. Once a few samples are
    // in, the chunk's final size is predictable: bytes per sample so far × the samples the chunk
    // will hold at this interval (the head cuts it at CHUNK_MAX_SAMPLES or CHUNK_MAX_SPAN_MS), plus
    // 2 % and the 24-byte worst case of one append. Never less than ×1.25, so a chunk that gets
    // denser still grows fast.
    const I = this.i;
    const r = slot * I_STRIDE;
    const used = this.size(slot);
    const capacity = this.capacity(slot);
    let size = Math.ceil(capacity * 1.75) + 16;
    const n = I[r + I_COUNT];
    const minT = this.minT(slot);
    const maxT = this.maxT(slot);
    if (n >= 8 && maxT > minT) {
      const interval = (maxT - minT) / (n - 1);
      const expected = Math.min(CHUNK_MAX_SAMPLES, Math.ceil(CHUNK_MAX_SPAN_MS / interval));
      // The first two samples (absolute timestamp, first delta) cost more than the rest.
      const perSample = (I[r + I_POS] - I[r + I_POS2]) / (n - 2);
      const predicted = used + Math.ceil(perSample * Math.max(0, expected - n) * 1.02) + 24;
      size = Math.max(predicted, Math.ceil(capacity * 1.25) + 16);
    }
    const at = this.arena.alloc(size);
    const page = Math.floor(at / ARENA_PAGE_BYTES);
    const base = at % ARENA_PAGE_BYTES;
    const oldBase = I[r + I_BASE];
    this.arena.pages[page].set(this.arena.pages[I[r + I_PAGE]].subarray(oldBase, oldBase + used), base);
    this.release(slot);
    I[r + I_PAGE] = page;
    I[r + I_BASE] = base;
    I[r + I_POS] = base + used;
    I[r + I_POS2] += base - oldBase;
    I[r + I_LIMIT] = base + arenaBlockBytes(size);
    return base + used + 24 > I[r + I_LIMIT] ? this.grow(slot) : base + used;
  }

  append(slot: number, t: number, v: number, stale = false): void {
    if (!this.appendInOrder(slot, t, v, stale, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY)) {
      throw new Error('no open chunk');
    }
  }

  /** Appends to the slot's open chunk unless it has none, or holds `maxSamples` samples, or would
   * span `maxSpanMs` or more with t (the head then seals it and opens another): returns false. */
  appendInOrder(
    slot: number,
    t: number,
    v: number,
    stale: boolean,
    maxSamples: number,
    maxSpanMs: number,
  ): boolean {
    const I = this.i;
    const r = slot * I_STRIDE;
    const page = I[r + I_PAGE];
    if (page < 0) return false;
    const F = this.f;
    const rf = slot * F_STRIDE;
    let count = I[r + I_COUNT];
    if (count >= maxSamples || (count > 0 && t - F[rf + F_MIN_T] >= maxSpanMs)) return false;
    let pos = I[r + I_POS];
    // Worst case per sample: 8 (t) + 1 + 1 + 1 + 8 (value) bytes.
    if (pos + 24 > I[r + I_LIMIT]) pos = this.grow(slot);
    const buf = this.arena.pages[I[r + I_PAGE]];
    count++;
    I[r + I_COUNT] = count;
    let z: number;
    if (count === 1) {
      z = t >= 0 ? t * 2 : -t * 2 - 1;
      F[rf + F_MIN_T] = t;
    } else {
      const delta = t - F[rf + F_MAX_T];
      const dod = delta - F[rf + F_DELTA];
      F[rf + F_DELTA] = delta;
      z = dod >= 0 ? dod * 2 : -dod * 2 - 1;
    }
    F[rf + F_MAX_T] = t;
    if (stale) {
      if (z === 0) buf[pos++] = 0x80;
      else {
        pos = writeTimestamp(buf, pos, z);
        buf[pos++] = 0;
      }
    } else {
      const e = I[r + I_E];
      const last = F[rf + F_M];
      let m = Number.NaN;
      // e = -1 before the first decimal value; last is NaN after a raw value.
      if (e >= 0 && !Number.isNaN(last)) {
        const scale = POW10[e];
        m = Math.round(v * scale);
        if (m / scale !== v || Math.abs(m) >= INT_LIMIT || Object.is(v, -0)) m = Number.NaN;
      }
      if (!Number.isNaN(m)) {
        F[rf + F_M] = m;
        const d = m - last;
        const u = (d >= 0 ? d * 2 : -d * 2 - 1) + 3;
        if (z === 0 && u < 0x80) buf[pos++] = 0x80 | u;
        else pos = writeVarint(buf, writeTimestamp(buf, pos, z), u);
      } else {
        pos = this.appendSlow(slot, buf, writeTimestamp(buf, pos, z), v, e, count);
      }
    }
    I[r + I_POS] = pos;
    if (count === 2) I[r + I_POS2] = pos;
    return true;
  }

  /** A value that is not a decimal at the current exponent: a finer exponent or a raw float64. */
  private appendSlow(
    slot: number,
    buf: Uint8Array,
    pos: number,
    v: number,
    e: number,
    count: number,
  ): number {
    const F = this.f;
    const rf = slot * F_STRIDE;
    const need = exponentOf(v);
    if (need > e) {
      if (count === 1) {
        // First sample: the exponent goes in the header and m starts at 0, as in the decoder.
        buf[this.i[slot * I_STRIDE + I_BASE] + 2] = need;
        F[rf + F_M] = 0;
      } else {
        buf[pos++] = 2;
        buf[pos++] = need;
        // Rescale the running m to the finer exponent (exact while below 2^53).
        const m = e >= 0 ? F[rf + F_M] * POW10[need - e] : Number.NaN;
        F[rf + F_M] = Math.abs(m) < INT_LIMIT ? m : Number.NaN;
      }
      this.i[slot * I_STRIDE + I_E] = e = need;
      const last = F[rf + F_M];
      if (!Number.isNaN(last)) {
        const m = Math.round(v * POW10[e]);
        F[rf + F_M] = m;
        const d = m - last;
        return writeVarint(buf, pos, (d >= 0 ? d * 2 : -d * 2 - 1) + 3);
      }
    }
    // Raw float64; the value state restarts from it when it is decimal at the current exponent.
    buf[pos++] = 1;
    f64[0] = v;
    buf.set(u8, pos);
    pos += 8;
    if (e >= 0) {
      const m = Math.round(v * POW10[e]);
      F[rf + F_M] = m / POW10[e] === v && Math.abs(m) < INT_LIMIT && !Object.is(v, -0) ? m : Number.NaN;
    }
    return pos;
  }

  /** The chunk bytes (a copy; the slot keeps its block). */
  bytes(slot: number): Uint8Array {
    const r = slot * I_STRIDE;
    const base = this.i[r + I_BASE];
    const out = this.arena.pages[this.i[r + I_PAGE]].slice(base, this.i[r + I_POS]);
    const count = this.i[r + I_COUNT];
    out[0] = count >>> 8;
    out[1] = count & 0xff;
    return out;
  }

  /** decodeDeltaChunk of the slot's chunk; with fromMs/toMs, only its samples in [fromMs, toMs]. */
  decodeInto(
    slot: number,
    ts: number[],
    vs: number[],
    stale?: number[],
    fromMs = Number.NEGATIVE_INFINITY,
    toMs = Number.POSITIVE_INFINITY,
  ): number {
    if (fromMs > this.maxT(slot) || toMs < this.minT(slot)) return 0;
    const r = slot * I_STRIDE;
    const buf = this.arena.pages[this.i[r + I_PAGE]];
    const base = this.i[r + I_BASE];
    const count = this.i[r + I_COUNT];
    buf[base] = count >>> 8;
    buf[base + 1] = count & 0xff;
    return decodeDeltaChunk(buf.subarray(base, this.i[r + I_POS]), ts, vs, stale, fromMs, toMs);
  }
}

/** A sample's timestamp z when it does not share its byte with the value token. */
function writeTimestamp(buf: Uint8Array, pos: number, z: number): number {
  if (z < 0x40) {
    buf[pos] = z;
    return pos + 1;
  }
  buf[pos] = 0x40 | (z % 64);
  return writeVarint(buf, pos + 1, Math.floor(z / 64));
}

function writeVarint(buf: Uint8Array, pos: number, z: number): number {
  while (z >= 0x80) {
    buf[pos++] = (z % 128) | 0x80;
    z = Math.floor(z / 128);
  }
  buf[pos++] = z;
  return pos;
}

/** One chunk on its own (sealing an out-of-order buffer, tests): a DeltaChunks of one slot. */
export class DeltaAppender {
  private readonly chunks: DeltaChunks;

  constructor(capacity = 64, arena: DeltaChunkArena = headArena) {
    this.chunks = new DeltaChunks(1, arena);
    this.chunks.open(0, capacity);
  }

  get count(): number {
    return this.chunks.count(0);
  }

  get minT(): number {
    return this.chunks.minT(0);
  }

  get maxT(): number {
    return this.chunks.maxT(0);
  }

  get size(): number {
    return this.chunks.size(0);
  }

  get capacity(): number {
    return this.chunks.capacity(0);
  }

  append(t: number, v: number, stale = false): void {
    this.chunks.append(0, t, v, stale);
  }

  bytes(): Uint8Array {
    return this.chunks.bytes(0);
  }

  decodeInto(ts: number[], vs: number[], stale?: number[], fromMs?: number, toMs?: number): number {
    return this.chunks.decodeInto(0, ts, vs, stale, fromMs, toMs);
  }

  /** Gives the block back to the arena; the appender must not be used afterwards. */
  release(): void {
    this.chunks.release(0);
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

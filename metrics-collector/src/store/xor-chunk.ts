// Chunk encoding 1: Gorilla (Pelkonen et al., VLDB 2015) as Prometheus 2.42 tsdb/chunkenc/xor.go
// adapts it to millisecond timestamps: delta-of-delta buckets of 0/14/17/20/64 bits, XOR of float64
// values reusing the previous leading/trailing-zero window. Layout: u16 sample count, then one bit
// stream: t0 (64 bits, two's complement), v0 (64 bits), then per sample dod + xor. The first delta
// is written as a dod from 0, which costs a few bits once and keeps one code path.
// Persisted bytes: changing anything here needs a new encoding number (see chunk-codec.ts).
// Staleness markers are stored as Prometheus stores them: the NaN with bits 0x7ff0000000000002.
// JS numbers cannot carry that payload reliably (V8 canonicalizes NaN in double arrays), so the
// appender takes a `stale` flag and writes the bits itself, and the decoder reports the indexes
// whose bits match instead of trusting the number it pushes; any other NaN is written canonical.

export const STALE_HI = 0x7ff00000;
export const STALE_LO = 0x00000002;

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

export class BitWriter {
  buf: Uint8Array;
  bitPos: number;
  constructor(capacity = 64, headerBytes = 0) {
    this.buf = new Uint8Array(capacity);
    this.bitPos = headerBytes * 8;
  }
  private grow(): void {
    const next = new Uint8Array(this.buf.length * 2);
    next.set(this.buf);
    this.buf = next;
  }
  /** Writes the low `n` (≤ 32) bits of `v`, most significant first. */
  writeBits(v: number, n: number): void {
    if ((this.bitPos + n + 7) >>> 3 >= this.buf.length) this.grow();
    while (n > 0) {
      const free = 8 - (this.bitPos & 7);
      const take = Math.min(n, free);
      const bits = (v >>> (n - take)) & ((1 << take) - 1);
      this.buf[this.bitPos >>> 3] |= bits << (free - take);
      this.bitPos += take;
      n -= take;
    }
  }
  writeBit(bit: number): void {
    if ((this.bitPos >>> 3) + 1 >= this.buf.length) this.grow();
    if (bit) this.buf[this.bitPos >>> 3] |= 0x80 >>> (this.bitPos & 7);
    this.bitPos++;
  }
  /** Writes the low `n` (≤ 64) bits of the 64-bit value hi:lo. */
  write64(hi: number, lo: number, n: number): void {
    if (n > 32) {
      const h = n - 32;
      this.writeBits(h === 32 ? hi : hi & ((1 << h) - 1), h);
      this.writeBits(lo, 32);
    } else this.writeBits(n === 32 ? lo : lo & ((1 << n) - 1), n);
  }
}

function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** Appends samples to one open chunk. Callers guarantee strictly increasing timestamps. */
export class XorAppender {
  readonly w: BitWriter;
  count = 0;
  minT = 0;
  maxT = 0;
  private delta = 0;
  private hi = 0;
  private lo = 0;
  private leading = 0xff;
  private trailing = 0;

  constructor(capacity = 64) {
    this.w = new BitWriter(capacity, 2);
  }

  append(t: number, v: number, stale = false): void {
    const w = this.w;
    let hi = STALE_HI;
    let lo = STALE_LO;
    if (!stale) {
      f64[0] = v;
      hi = u32[1];
      lo = u32[0];
      if (hi === STALE_HI && lo === STALE_LO) {
        hi = 0x7ff80000;
        lo = 0;
      }
    }
    if (this.count === 0) {
      const th = Math.floor(t / 4294967296);
      w.writeBits(th >>> 0, 32);
      w.writeBits(t - th * 4294967296, 32);
      w.writeBits(hi, 32);
      w.writeBits(lo, 32);
      this.minT = t;
      this.maxT = t;
      this.hi = hi;
      this.lo = lo;
      this.count = 1;
      return;
    }
    const delta = t - this.maxT;
    const dod = delta - this.delta;
    if (dod === 0) w.writeBit(0);
    else if (dod >= -8191 && dod <= 8192) {
      w.writeBits(0b10, 2);
      w.writeBits(dod & 0x3fff, 14);
    } else if (dod >= -65535 && dod <= 65536) {
      w.writeBits(0b110, 3);
      w.writeBits(dod & 0x1ffff, 17);
    } else if (dod >= -524287 && dod <= 524288) {
      w.writeBits(0b1110, 4);
      w.writeBits(dod & 0xfffff, 20);
    } else {
      w.writeBits(0b1111, 4);
      const dh = Math.floor(dod / 4294967296);
      w.writeBits(dh >>> 0, 32);
      w.writeBits(dod - dh * 4294967296, 32);
    }
    this.delta = delta;
    this.maxT = t;
    this.count++;
    const xh = (hi ^ this.hi) >>> 0;
    const xl = (lo ^ this.lo) >>> 0;
    this.hi = hi;
    this.lo = lo;
    if (xh === 0 && xl === 0) {
      w.writeBit(0);
      return;
    }
    let leading = xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl);
    const trailing = xl !== 0 ? ctz32(xl) : 32 + ctz32(xh);
    if (leading >= 32) leading = 31;
    if (this.leading !== 0xff && leading >= this.leading && trailing >= this.trailing) {
      w.writeBits(0b10, 2);
      writeShifted(w, xh, xl, this.trailing, 64 - this.leading - this.trailing);
      return;
    }
    this.leading = leading;
    this.trailing = trailing;
    const sig = 64 - leading - trailing;
    w.writeBits(0b11, 2);
    w.writeBits(leading, 5);
    w.writeBits(sig & 63, 6);
    writeShifted(w, xh, xl, trailing, sig);
  }

  /** Appends the samples to the arrays without copying the chunk (stale: see decodeXorChunk). */
  decodeInto(ts: number[], vs: number[], stale?: number[]): void {
    decodeXorChunk(this.w.buf, ts, vs, stale, this.count, (this.w.bitPos + 7) >>> 3);
  }

  /** The chunk bytes (a copy) with the sample count in the header. */
  bytes(): Uint8Array {
    const out = this.w.buf.slice(0, (this.w.bitPos + 7) >>> 3);
    out[0] = this.count >>> 8;
    out[1] = this.count & 0xff;
    return out;
  }
}

function writeShifted(w: BitWriter, hi: number, lo: number, shift: number, n: number): void {
  if (shift >= 32) {
    lo = hi >>> (shift - 32);
    hi = 0;
  } else if (shift > 0) {
    lo = ((lo >>> shift) | (hi << (32 - shift))) >>> 0;
    hi = hi >>> shift;
  }
  w.write64(hi, lo, n);
}

/** 32 bits of `buf` starting at bit `p` (buf must have 5 readable bytes past p's byte). */
function peek32(buf: Uint8Array, p: number): number {
  const b = p >>> 3;
  const s = p & 7;
  const w = (buf[b] << 24) | (buf[b + 1] << 16) | (buf[b + 2] << 8) | buf[b + 3];
  return s === 0 ? w >>> 0 : ((w << s) | (buf[b + 4] >>> (8 - s))) >>> 0;
}

/** Decodes a whole chunk, appending to the output arrays. Returns the number of samples. The bit
 * reads are inlined over a zero-padded copy: a BitReader object with per-bit loops was 10× slower.
 * `stale` receives the index in `ts` of every staleness marker (whose value in `vs` is NaN). */
export function decodeXorChunk(
  input: Uint8Array,
  ts: number[],
  vs: number[],
  stale?: number[],
  countOverride = -1,
  usedBytes = input.length,
): number {
  const count = countOverride >= 0 ? countOverride : (input[0] << 8) | input[1];
  if (count === 0) return 0;
  // The open chunk's own buffer already has zeroed slack past its last bit: no copy needed.
  let buf = input;
  if (input.length - usedBytes < 8) {
    buf = new Uint8Array(usedBytes + 8);
    buf.set(input.subarray(0, usedBytes));
  }
  let p = 16;
  let t = (peek32(buf, p) | 0) * 4294967296 + peek32(buf, p + 32);
  p += 64;
  let hi = peek32(buf, p);
  let lo = peek32(buf, p + 32);
  p += 64;
  u32[1] = hi;
  u32[0] = lo;
  ts.push(t);
  vs.push(f64[0]);
  if (hi === STALE_HI && lo === STALE_LO && stale) stale.push(ts.length - 1);
  let delta = 0;
  let leading = 0;
  let trailing = 0;
  for (let i = 1; i < count; i++) {
    if (p >= usedBytes * 8) throw new Error('chunk truncated');
    const head = peek32(buf, p);
    let dod = 0;
    if (head < 0x80000000) p += 1;
    else if (head < 0xc0000000) {
      dod = signExtend((head >>> 16) & 0x3fff, 14);
      p += 16;
    } else if (head < 0xe0000000) {
      dod = signExtend((head >>> 12) & 0x1ffff, 17);
      p += 20;
    } else if (head < 0xf0000000) {
      dod = signExtend((head >>> 8) & 0xfffff, 20);
      p += 24;
    } else {
      p += 4;
      dod = (peek32(buf, p) | 0) * 4294967296 + peek32(buf, p + 32);
      p += 64;
    }
    delta += dod;
    t += delta;
    ts.push(t);
    const ctl = peek32(buf, p);
    if (ctl < 0x80000000) {
      p += 1;
    } else {
      if (ctl >= 0xc0000000) {
        leading = (ctl >>> 25) & 31;
        let sig = (ctl >>> 19) & 63;
        if (sig === 0) sig = 64;
        trailing = 64 - leading - sig;
        p += 13;
      } else p += 2;
      const sig = 64 - leading - trailing;
      let xh = 0;
      let xl = 0;
      if (sig > 32) {
        xh = peek32(buf, p) >>> (64 - sig);
        xl = peek32(buf, p + sig - 32);
      } else xl = sig === 32 ? peek32(buf, p) : peek32(buf, p) >>> (32 - sig);
      p += sig;
      if (trailing >= 32) {
        xh = trailing === 32 ? xl : (xl << (trailing - 32)) >>> 0;
        xl = 0;
      } else if (trailing > 0) {
        xh = ((xh << trailing) | (xl >>> (32 - trailing))) >>> 0;
        xl = (xl << trailing) >>> 0;
      }
      hi = (hi ^ xh) >>> 0;
      lo = (lo ^ xl) >>> 0;
    }
    u32[1] = hi;
    u32[0] = lo;
    vs.push(f64[0]);
    if (hi === STALE_HI && lo === STALE_LO && stale) stale.push(ts.length - 1);
  }
  return count;
}

function signExtend(v: number, bits: number): number {
  const half = 2 ** (bits - 1);
  return v > half ? v - 2 ** bits : v;
}

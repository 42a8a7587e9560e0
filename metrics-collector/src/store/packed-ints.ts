// Frame-of-reference bit packing of integer sequences (timestamp delta-of-deltas and value deltas
// of chunk encoding 5, chunk-codec.ts). Blocks of BLOCK_LENGTH ints: u8 bit width w, zigzag varint
// minimum, then every (x − minimum) in w bits, LSB first, padded to a byte. A regular scrape's
// timestamps cost 2 bytes per block (w = 0); a counter growing by 0..50 per step costs 6 bits per
// sample, close to its entropy. zstd over the same varints measured 1.2 bytes per such sample: on a
// few hundred bytes its Huffman table and frame header cost more than they save. A block whose
// range needs more than 32 bits is not packable (the caller falls back to another encoding).
export const BLOCK_LENGTH = 64;
const MAX_WIDTH = 32;

/** A growable byte buffer with a cursor, shared by the varint and bit writers. */
export class ByteWriter {
  buf: Uint8Array;
  pos = 0;

  constructor(capacity: number) {
    this.buf = new Uint8Array(Math.max(16, capacity));
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  /** Room for n values of `width` bits plus a partial byte. */
  ensureBits(n: number, width: number): void {
    this.ensure(Math.ceil((n * width) / 8) + 1);
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** Zigzag varint of an integer with |n| < 2^52. Throws on ±Infinity and NaN: Infinity never
   * ended the loop below (a series row's infinite TTL hung the checkpoint, see storableExpiryMs). */
  zigzag(n: number): void {
    if (!Number.isFinite(n)) throw new RangeError(`varint of ${n}`);
    this.ensure(8);
    let z = n >= 0 ? n * 2 : -n * 2 - 1;
    while (z >= 0x80) {
      this.buf[this.pos++] = (z % 128) | 0x80;
      z = Math.floor(z / 128);
    }
    this.buf[this.pos++] = z;
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

export class ByteReader {
  pos = 0;

  constructor(readonly buf: Uint8Array) {}

  byte(): number {
    const b = this.buf[this.pos++];
    if (b === undefined) throw new Error('chunk truncated');
    return b;
  }

  zigzag(): number {
    let z = 0;
    let mul = 1;
    for (;;) {
      const b = this.byte();
      z += (b & 0x7f) * mul;
      if (b < 0x80) break;
      mul *= 128;
    }
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }
}

/** Packs xs[from, to) (integers); false when a block's range needs more than 32 bits. */
export function writePackedInts(w: ByteWriter, xs: ArrayLike<number>, from: number, to: number): boolean {
  for (let start = from; start < to; start += BLOCK_LENGTH) {
    const end = Math.min(to, start + BLOCK_LENGTH);
    let min = xs[start];
    let max = min;
    for (let i = start + 1; i < end; i++) {
      const x = xs[i];
      if (x < min) min = x;
      else if (x > max) max = x;
    }
    const range = max - min;
    if (range >= 2 ** MAX_WIDTH) return false;
    const width = range === 0 ? 0 : 32 - Math.clz32(range);
    w.byte(width);
    w.zigzag(min);
    if (width === 0) continue;
    w.ensureBits(end - start, width);
    const out = w.buf;
    let pos = w.pos;
    let acc = 0; // pending bits, < 2^40: exact in a double
    let fill = 0;
    let scale = 1; // 2^fill
    for (let i = start; i < end; i++) {
      acc += (xs[i] - min) * scale;
      fill += width;
      while (fill >= 8) {
        const b = acc % 256;
        out[pos++] = b;
        acc = (acc - b) / 256;
        fill -= 8;
      }
      scale = 2 ** fill;
    }
    if (fill > 0) out[pos++] = acc;
    w.pos = pos;
  }
  return true;
}

/** Reads what writePackedInts wrote for `count` ints into out[at, at + count). */
export function readPackedInts(r: ByteReader, count: number, out: Float64Array, at: number): void {
  const buf = r.buf;
  for (let done = 0; done < count; done += BLOCK_LENGTH) {
    const n = Math.min(BLOCK_LENGTH, count - done);
    const width = r.byte();
    const min = r.zigzag();
    const base = at + done;
    if (width === 0) {
      for (let i = 0; i < n; i++) out[base + i] = min;
      continue;
    }
    if (width > MAX_WIDTH) throw new Error('chunk corrupt: bit width');
    const bytesUsed = Math.ceil((n * width) / 8);
    if (r.pos + bytesUsed > buf.length) throw new Error('chunk truncated');
    const mask = width === 32 ? 0xffffffff : 2 ** width - 1;
    let bit = r.pos * 8;
    for (let i = 0; i < n; i++, bit += width) {
      const b = bit >>> 3;
      const s = bit & 7;
      // Bytes past the end read as undefined → 0 in the bitwise ops.
      const lo = (buf[b] | (buf[b + 1] << 8) | (buf[b + 2] << 16) | (buf[b + 3] << 24)) >>> 0;
      let x = s === 0 ? lo : (lo >>> s) | (buf[b + 4] << (32 - s));
      x = (x & mask) >>> 0;
      out[base + i] = min + x;
    }
    r.pos += bytesUsed;
  }
}

// The meta section of a block (block-codec.ts): LEB128 columns, each decoded by one loop.

/** LEB128 columns of the meta section, each decoded by one loop (no call per value). */
export class MetaReader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  private check(): void {
    if (this.pos > this.buf.length) throw new RangeError('read past end of block');
  }

  uvarint(): number {
    const buf = this.buf;
    let p = this.pos;
    let b = buf[p++];
    let v = b & 0x7f;
    for (let mul = 128; b >= 0x80; mul *= 128) {
      b = buf[p++];
      v += (b & 0x7f) * mul;
    }
    this.pos = p;
    this.check();
    return v;
  }

  svarint(): number {
    const v = this.uvarint();
    return v % 2 === 1 ? -(v + 1) / 2 : v / 2;
  }

  byte(): number {
    const b = this.buf[this.pos++];
    this.check();
    return b;
  }

  string(): string {
    const len = this.uvarint();
    const start = this.pos;
    this.pos += len;
    this.check();
    return this.buf.toString('utf8', start, start + len);
  }

  /** Unsigned values. */
  values(out: Float64Array | Uint32Array): void {
    const buf = this.buf;
    const n = out.length;
    let p = this.pos;
    for (let i = 0; i < n; i++) {
      let b = buf[p++];
      if (b < 0x80) {
        out[i] = b; // nearly all values of these columns fit one byte
        continue;
      }
      let v = b & 0x7f;
      let mul = 128;
      do {
        b = buf[p++];
        v += (b & 0x7f) * mul;
        mul *= 128;
      } while (b >= 0x80);
      out[i] = v;
    }
    this.pos = p;
    this.check();
  }

  /** Running sums of deltas from `start`, zigzag-signed or unsigned, decoded in the same loop. */
  deltas(out: Float64Array, start: number, signed: boolean): void {
    const buf = this.buf;
    const n = out.length;
    let p = this.pos;
    // `+start`: with `start` as passed (a small integer from some callers, a double from others) the
    // optimized loop kept `acc` boxed, a new heap number per row: ~16 bytes a value, 5.4 of the
    // 10.4 MB a cold phrase query allocated at 10 M lines (5 of its ~9 young collections).
    let acc = +start;
    for (let i = 0; i < n; i++) {
      let b = buf[p++];
      let v = b;
      if (b >= 0x80) {
        v = b & 0x7f;
        let mul = 128;
        do {
          b = buf[p++];
          v += (b & 0x7f) * mul;
          mul *= 128;
        } while (b >= 0x80);
      }
      // Small values (nearly all deltas) unzigzag with integer ops; `%` on a double is a libc call.
      if (signed) v = v < 0x40000000 ? (v >>> 1) ^ -(v & 1) : v % 2 === 1 ? -(v + 1) / 2 : v / 2;
      acc += v;
      out[i] = acc;
    }
    this.pos = p;
    this.check();
  }

  /** Lengths turned into start offsets (out has one more slot than there are rows). */
  offsets(out: Uint32Array): void {
    out[0] = 0;
    const lens = out.subarray(1);
    this.values(lens);
    for (let i = 1; i < out.length; i++) out[i] += out[i - 1];
  }

  /** Id flags (bit 0 trace id, 32 chars; bit 1 span id, 16 chars) as offsets into the id section. */
  idOffsets(out: Uint32Array, hasTrace: Uint8Array): void {
    const buf = this.buf;
    const n = hasTrace.length;
    const p = this.pos;
    this.pos += n;
    this.check();
    let at = 0;
    out[0] = 0;
    for (let i = 0; i < n; i++) {
      const f = buf[p + i];
      hasTrace[i] = f & 1;
      at += (f & 1) * 32 + ((f >> 1) & 1) * 16;
      out[i + 1] = at;
    }
  }
}

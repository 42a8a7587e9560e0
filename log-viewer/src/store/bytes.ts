// Growable byte writer with LEB128 varints, used by the block codec (block-reader.ts reads them). Numbers up to 2^53.

export class ByteWriter {
  private buf: Buffer;
  length = 0;

  constructor(initial = 1024) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  private ensure(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  byte(v: number): void {
    this.ensure(1);
    this.buf[this.length++] = v;
  }

  /** Unsigned varint (0 ≤ v < 2^53). Throws on Infinity or NaN (the loop below would never end). */
  uvarint(v: number): void {
    if (v <= 0x7fffffff) {
      // Most values (deltas, lengths, indexes): int32 shifts instead of float % and floor, same bytes.
      this.ensure(5);
      const buf = this.buf;
      let o = this.length;
      let x = v | 0;
      while (x >= 0x80) {
        buf[o++] = (x & 0x7f) | 0x80;
        x >>>= 7;
      }
      buf[o++] = x;
      this.length = o;
      return;
    }
    if (!(v <= Number.MAX_VALUE)) throw new RangeError(`varint of ${v}: not a finite number`);
    this.ensure(8);
    while (v >= 0x80) {
      this.buf[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
      if (this.length + 1 > this.buf.length) this.ensure(8);
    }
    this.buf[this.length++] = v;
  }

  /** Signed varint, zigzag encoded (|v| < 2^52). */
  svarint(v: number): void {
    this.uvarint(v < 0 ? -v * 2 - 1 : v * 2);
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  /** UTF-8 string prefixed with its byte length. */
  string(s: string): void {
    const max = s.length * 3;
    this.ensure(max + 5);
    // Reserve the length after writing: write at a provisional offset of 5 bytes then shift.
    const written = this.buf.write(s, this.length + 5, 'utf8');
    const start = this.length;
    this.uvarint(written);
    const headerLen = this.length - start;
    if (headerLen !== 5) this.buf.copy(this.buf, this.length, start + 5, start + 5 + written);
    this.length += written;
  }

  finish(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

// Minimal protobuf wire-format reader (proto3 encoding spec): enough for logproto.PushRequest and
// OTLP ExportLogsServiceRequest without generated code. Malformed input throws ParseError with the
// byte offset.
import { ParseError } from '@flowrent/shared/errors';

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

export class ProtoReader {
  pos: number;
  /** `buf` as a Buffer, shared with sub-readers: strings and hex are decoded in place, no slice per field. */
  private readonly view: Buffer;
  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
    view?: Buffer,
  ) {
    this.pos = start;
    this.view =
      view ?? (Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength));
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  fail(what: string): never {
    throw new ParseError(`malformed protobuf at byte ${this.pos}: ${what}`, {
      position: { offset: this.pos },
    });
  }

  /** Unsigned varint as a number (exact up to 2^53). */
  varint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail('truncated varint');
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    this.fail('varint longer than 10 bytes');
  }

  /** Unsigned varint as a bigint (uint64 / int64 exact). */
  varintBig(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail('truncated varint');
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return result;
      shift += 7n;
    }
    this.fail('varint longer than 10 bytes');
  }

  /** Returns [field number, wire type]. */
  tag(): [number, number] {
    const t = this.varint();
    const field = Math.floor(t / 8);
    if (field === 0) this.fail('field number 0');
    return [field, t & 7];
  }

  fixed64(): bigint {
    if (this.pos + 8 > this.end) this.fail('truncated fixed64');
    const lo = BigInt(this.u32(this.pos));
    const hi = BigInt(this.u32(this.pos + 4));
    this.pos += 8;
    return (hi << 32n) | lo;
  }

  double(): number {
    if (this.pos + 8 > this.end) this.fail('truncated double');
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getFloat64(0, true);
    this.pos += 8;
    return v;
  }

  fixed32(): number {
    if (this.pos + 4 > this.end) this.fail('truncated fixed32');
    const v = this.u32(this.pos);
    this.pos += 4;
    return v;
  }

  private u32(at: number): number {
    const b = this.buf;
    return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16)) + b[at + 3] * 0x1000000;
  }

  /** Length-delimited field: returns a reader over its bytes and skips past them. */
  sub(): ProtoReader {
    const start = this.lengthDelimited();
    return new ProtoReader(this.buf, start, this.pos, this.view);
  }

  /** Skips a length-delimited field, returning where its bytes start (they end at pos). */
  private lengthDelimited(): number {
    const len = this.varint();
    if (this.pos + len > this.end) this.fail('length-delimited field runs past the end');
    const start = this.pos;
    this.pos += len;
    return start;
  }

  bytes(): Uint8Array {
    const start = this.lengthDelimited();
    return this.buf.subarray(start, this.pos);
  }

  string(): string {
    const start = this.lengthDelimited();
    return this.view.toString('utf8', start, this.pos);
  }

  /** A bytes field as lowercase hex when it has `length` bytes and is not all zero, else ''. */
  hexId(length: number): string {
    const start = this.lengthDelimited();
    if (this.pos - start !== length) return '';
    for (let i = start; i < this.pos; i++)
      if (this.buf[i] !== 0) return this.view.toString('hex', start, this.pos);
    return '';
  }

  /** int64 varint as a JSON number when exact, else its decimal string (as int64Value() in otlp-common). */
  int64(): number | string {
    // Up to 7 bytes (< 2^49) the value is a small positive number: no bigint.
    const b = this.buf;
    let result = 0;
    let mul = 1;
    for (let i = this.pos; i < this.end && i < this.pos + 7; i++) {
      const byte = b[i];
      result += (byte & 0x7f) * mul;
      if (byte < 0x80) {
        this.pos = i + 1;
        return result;
      }
      mul *= 128;
    }
    const v = BigInt.asIntN(64, this.varintBig());
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(v)
      : v.toString();
  }

  skip(wire: number): void {
    if (wire === WIRE_VARINT) this.varint();
    else if (wire === WIRE_I64) this.pos += 8;
    else if (wire === WIRE_LEN) this.sub();
    else if (wire === WIRE_I32) this.pos += 4;
    else this.fail(`unsupported wire type ${wire}`);
    if (this.pos > this.end) this.fail('field runs past the end');
  }

  /** Reads a field of the expected wire type or fails naming it. */
  expect(wire: number, expected: number, name: string): void {
    if (wire !== expected) this.fail(`${name} has wire type ${wire}, expected ${expected}`);
  }
}

/** Minimal protobuf writer for responses (OTLP partial success). */
export class ProtoWriter {
  private readonly parts: number[] = [];

  varint(v: number): this {
    while (v >= 0x80) {
      this.parts.push((v % 128) | 0x80);
      v = Math.floor(v / 128);
    }
    this.parts.push(v);
    return this;
  }

  tag(field: number, wire: number): this {
    return this.varint(field * 8 + wire);
  }

  bytesField(field: number, bytes: Uint8Array): this {
    this.tag(field, WIRE_LEN).varint(bytes.length);
    for (const b of bytes) this.parts.push(b);
    return this;
  }

  finish(): Buffer {
    return Buffer.from(this.parts);
  }
}

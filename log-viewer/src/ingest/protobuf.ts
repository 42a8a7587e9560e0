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
  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
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
    const len = this.varint();
    if (this.pos + len > this.end) this.fail('length-delimited field runs past the end');
    const r = new ProtoReader(this.buf, this.pos, this.pos + len);
    this.pos += len;
    return r;
  }

  bytes(): Uint8Array {
    const r = this.sub();
    return this.buf.subarray(r.pos, r.end);
  }

  string(): string {
    const b = this.bytes();
    return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
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

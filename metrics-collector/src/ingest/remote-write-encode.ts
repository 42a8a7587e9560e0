// Encoder for remote_write 1.0 WriteRequest bytes (uncompressed). Used by the write-ahead log for
// samples that arrive by scrape, StatsD or JSON push (so replay has one decoder), by tests and by
// the benchmark's load generator. Zero values are written out; proto3 readers accept both forms.

export interface EncodableSeries {
  /** Label pairs; written in the given order (remote_write wants them sorted by name). */
  labels: ReadonlyArray<readonly [string, string]>;
  timestamps: ArrayLike<number>;
  values: ArrayLike<number>;
  /** Truthy at i: write sample i as a staleness marker (bits 0x7ff0000000000002). */
  stale?: ArrayLike<number | boolean>;
  /** TimeSeries.exemplars (field 3), written after the samples. */
  exemplars?: ReadonlyArray<EncodableExemplar>;
}

export interface EncodableExemplar {
  labels: ReadonlyArray<readonly [string, string]>;
  value: number;
  timestampMs: number;
}

const encoder = new TextEncoder();

class Writer {
  buf = new Uint8Array(1024);
  pos = 0;
  private view = new DataView(this.buf.buffer);

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  varint(v: number): void {
    this.ensure(10);
    if (v < 0) {
      // int64 two's complement, 10 bytes.
      let big = BigInt.asUintN(64, BigInt(v));
      while (big >= 0x80n) {
        this.buf[this.pos++] = Number(big & 0x7fn) | 0x80;
        big >>= 7n;
      }
      this.buf[this.pos++] = Number(big);
      return;
    }
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }
  double(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }
  staleMarker(): void {
    this.ensure(8);
    this.view.setBigUint64(this.pos, 0x7ff0000000000002n, true);
    this.pos += 8;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
}

function varintSize(v: number): number {
  if (v < 0) return 10;
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

export function encodeWriteRequest(series: Iterable<EncodableSeries>): Uint8Array {
  const w = new Writer();
  for (const s of series) {
    const labels = s.labels.map(([n, v]) => [encoder.encode(n), encoder.encode(v)] as const);
    let size = 0;
    const labelSizes: number[] = [];
    for (const [n, v] of labels) {
      const ls = 1 + varintSize(n.length) + n.length + 1 + varintSize(v.length) + v.length;
      labelSizes.push(ls);
      size += 1 + varintSize(ls) + ls;
    }
    const sampleSizes: number[] = [];
    for (let i = 0; i < s.timestamps.length; i++) {
      const ss = 9 + 1 + varintSize(s.timestamps[i]);
      sampleSizes.push(ss);
      size += 1 + varintSize(ss) + ss;
    }
    const exemplars = (s.exemplars ?? []).map(encodeExemplar);
    for (const e of exemplars) size += 1 + varintSize(e.length) + e.length;
    w.varint(0x0a);
    w.varint(size);
    labels.forEach(([n, v], i) => {
      w.varint(0x0a);
      w.varint(labelSizes[i]);
      w.varint(0x0a);
      w.varint(n.length);
      w.bytes(n);
      w.varint(0x12);
      w.varint(v.length);
      w.bytes(v);
    });
    for (let i = 0; i < s.timestamps.length; i++) {
      w.varint(0x12);
      w.varint(sampleSizes[i]);
      w.varint(0x09);
      if (s.stale?.[i]) w.staleMarker();
      else w.double(s.values[i]);
      w.varint(0x10);
      w.varint(s.timestamps[i]);
    }
    for (const e of exemplars) {
      w.varint(0x1a);
      w.varint(e.length);
      w.bytes(e);
    }
  }
  return w.buf.slice(0, w.pos);
}

function encodeExemplar(e: EncodableExemplar): Uint8Array {
  const w = new Writer();
  for (const [name, value] of e.labels) {
    const n = encoder.encode(name);
    const v = encoder.encode(value);
    w.varint(0x0a);
    w.varint(1 + varintSize(n.length) + n.length + 1 + varintSize(v.length) + v.length);
    w.varint(0x0a);
    w.varint(n.length);
    w.bytes(n);
    w.varint(0x12);
    w.varint(v.length);
    w.bytes(v);
  }
  w.varint(0x11);
  w.double(e.value);
  w.varint(0x18);
  w.varint(e.timestampMs);
  return w.buf.slice(0, w.pos);
}

// Rows as columns: what an ingest worker keeps for its parsed bodies and open rows, and what the block
// encoder reads. Numbers sit in typed arrays and texts as UTF-8 bytes in growable buffers, with the
// attributes already split into a shape and value texts (attr-columns.ts). Rows held until their block
// is sealed are thus a few large buffers rather than an object and four or five strings per row, which
// the young-generation collector copied and promoted one by one and the old-generation marker walked
// again on every cycle: that was most of the workers' GC time (README, Benchmark).
import {
  beginShape,
  endShape,
  keyId,
  MAX_SHAPE_KEYS,
  SHAPE_NONE,
  SHAPE_VERBATIM,
  shapePrefixes,
  splitKeyIds,
  splitKeys,
  splitObject,
  stepShape,
  valueEnds,
  valueStarts,
} from './attr-columns.js';
import { type JsonValue, type LogRecord, levelRank, type Protocol } from '../model.js';
import { type Row, type StreamTuple, splitNs, splitObservedNs, stringifyLabels } from './row.js';

/** A growable byte buffer. */
class Bytes {
  buf: Buffer;
  length = 0;

  constructor(capacity: number) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  reserve(extra: number): Buffer {
    const need = this.length + extra;
    if (need > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < need) size *= 2;
      const next = Buffer.allocUnsafe(size);
      this.buf.copy(next, 0, 0, this.length);
      this.buf = next;
    }
    return this.buf;
  }

  /** Appends text[from, to) as UTF-8 (ASCII by a loop, which beats a native call for short texts). */
  text(s: string, from: number, to: number): void {
    const buf = this.reserve((to - from) * 3);
    let o = this.length;
    for (let k = from; k < to; k++) {
      const c = s.charCodeAt(k);
      if (c >= 128) {
        o += buf.write(s.slice(k, to), o, 'utf8');
        break;
      }
      buf[o++] = c;
    }
    this.length = o;
  }

  /** Appends src[from, to) (a loop: most values are short, and a native copy costs a call). */
  bytes(src: Uint8Array, from: number, to: number): void {
    if (to - from > 64) {
      this.copy(src, from, to);
      return;
    }
    const buf = this.reserve(to - from);
    let o = this.length;
    for (let k = from; k < to; k++) buf[o++] = src[k];
    this.length = o;
  }

  /**
   * Appends src[from, to) lowercased when it is a hex id as normalizeHexId() takes it (hex digits of
   * either case, not all zero); otherwise appends nothing and answers false. One pass: validating
   * first and copying after cost two.
   */
  hexBytes(src: Uint8Array, from: number, to: number): boolean {
    const buf = this.reserve(to - from);
    let o = this.length;
    let nonZero = 0;
    for (let k = from; k < to; k++) {
      const l = HEX_LOWER[src[k]];
      if (l === 0) return false;
      buf[o++] = l;
      nonZero |= l ^ 48;
    }
    if (nonZero === 0) return false;
    this.length = o;
    return true;
  }

  /** Appends bytes[from, to) of another buffer. */
  copy(src: Uint8Array, from: number, to: number): void {
    this.reserve(to - from);
    this.buf.set(src.subarray(from, to), this.length);
    this.length += to - from;
  }

  /** Drops the first n bytes. */
  shift(n: number): void {
    this.buf.copyWithin(0, n, this.length);
    this.length -= n;
    if (this.buf.length > SHRINK_BYTES && this.length * 4 < this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(this.length * 2, 1024));
      this.buf.copy(next, 0, 0, this.length);
      this.buf = next;
    }
  }
}

/** For each byte: its lowercase form when it is a hex digit, else 0. */
const HEX_LOWER = (() => {
  const t = new Uint8Array(256);
  for (const c of '0123456789abcdef') t[c.charCodeAt(0)] = c.charCodeAt(0);
  for (const c of 'ABCDEF') t[c.charCodeAt(0)] = c.toLowerCase().charCodeAt(0);
  return t;
})();

/** A buffer this large that is mostly empty after a seal is given back. */
const SHRINK_BYTES = 8 * 1024 * 1024;
/** A stream's tuple table is rebuilt from its open rows past this many tuples. */
const MAX_TUPLES = 4096;

export class RowColumns {
  count = 0;
  private capacity: number;
  seq: Float64Array;
  ms: Float64Array;
  subNs: Float64Array;
  obsMs: Float64Array;
  obsSubNs: Float64Array;
  /** Index into `tuples`. */
  tuple: Uint32Array;
  /** Row i's message is msg.buf[msgEnd[i - 1] (0 for i = 0), msgEnd[i]); msgLen is its length in UTF-16 units. */
  msgEnd: Uint32Array;
  msgLen: Uint32Array;
  readonly msg: Bytes;
  /** Bit 1: a trace id (32 bytes in ids), bit 2: a span id (16 bytes after it). */
  idFlags: Uint8Array;
  idEnd: Uint32Array;
  readonly ids: Bytes;
  /** Attribute shape (attr-columns.ts), SHAPE_NONE or SHAPE_VERBATIM. */
  shape: Int32Array;
  /** Length of the attributes' JSON text in UTF-16 units. */
  attrLen: Uint32Array;
  /** Index of the row's first value; its values run to valFirst[i + 1] (valCount for the last row). */
  valFirst: Uint32Array;
  /** Value v is attrs.buf[v === 0 ? 0 : valEnd[v - 1] + 1, valEnd[v]); a NUL follows every value. */
  valEnd: Uint32Array;
  valCount = 0;
  readonly attrs: Bytes;
  tuples: StreamTuple[] = [];
  /** service → indexes of its tuples */
  private tupleIndex = new Map<string, number[]>();

  constructor(capacity = 1024) {
    this.capacity = capacity;
    this.seq = new Float64Array(capacity);
    this.ms = new Float64Array(capacity);
    this.subNs = new Float64Array(capacity);
    this.obsMs = new Float64Array(capacity);
    this.obsSubNs = new Float64Array(capacity);
    this.tuple = new Uint32Array(capacity);
    this.msgEnd = new Uint32Array(capacity);
    this.msgLen = new Uint32Array(capacity);
    this.idFlags = new Uint8Array(capacity);
    this.idEnd = new Uint32Array(capacity);
    this.shape = new Int32Array(capacity);
    this.attrLen = new Uint32Array(capacity);
    this.valFirst = new Uint32Array(capacity);
    this.valEnd = new Uint32Array(capacity * 4);
    this.msg = new Bytes(capacity * 64);
    this.ids = new Bytes(capacity * 48);
    this.attrs = new Bytes(capacity * 128);
  }

  static fromRows(rows: Row[]): RowColumns {
    const c = new RowColumns(Math.max(16, rows.length));
    for (const r of rows) c.pushRow(r);
    return c;
  }

  get attrBytes(): Buffer {
    return this.attrs.buf;
  }

  private resize(capacity: number): void {
    const n = this.count;
    const f64 = (a: Float64Array) => {
      const b = new Float64Array(capacity);
      b.set(a.subarray(0, n));
      return b;
    };
    const u32 = (a: Uint32Array) => {
      const b = new Uint32Array(capacity);
      b.set(a.subarray(0, n));
      return b;
    };
    this.seq = f64(this.seq);
    this.ms = f64(this.ms);
    this.subNs = f64(this.subNs);
    this.obsMs = f64(this.obsMs);
    this.obsSubNs = f64(this.obsSubNs);
    this.tuple = u32(this.tuple);
    this.msgEnd = u32(this.msgEnd);
    this.msgLen = u32(this.msgLen);
    this.idEnd = u32(this.idEnd);
    this.attrLen = u32(this.attrLen);
    this.valFirst = u32(this.valFirst);
    const flags = new Uint8Array(capacity);
    flags.set(this.idFlags.subarray(0, n));
    this.idFlags = flags;
    const shape = new Int32Array(capacity);
    shape.set(this.shape.subarray(0, n));
    this.shape = shape;
    this.capacity = capacity;
  }

  /** The index of a stream tuple in this table, added when new (a few candidates per service). */
  tupleOf(
    level: number,
    levelText: string,
    severity: number,
    service: string,
    host: string,
    labels: string,
    protocol: Protocol,
  ): number {
    let candidates = this.tupleIndex.get(service);
    if (!candidates) {
      candidates = [];
      this.tupleIndex.set(service, candidates);
    }
    for (let k = 0; k < candidates.length; k++) {
      const u = this.tuples[candidates[k]];
      if (
        u.level === level &&
        u.severity === severity &&
        u.levelText === levelText &&
        u.host === host &&
        u.protocol === protocol &&
        u.labels === labels
      )
        return candidates[k];
    }
    const t = this.tuples.length;
    candidates.push(t);
    this.tuples.push({ service, host, labels, protocol, levelText, level, severity });
    return t;
  }

  /**
   * Adds a row (tuple from tupleOf()); its attributes must follow, by attrsText() or by
   * beginAttrs(), attr()... and endAttrs().
   */
  push(
    seq: number,
    ms: number,
    subNs: number,
    obsMs: number,
    obsSubNs: number,
    tuple: number,
    message: string,
    traceId: string,
    spanId: string,
  ): void {
    this.startRow(seq, ms, subNs, obsMs, obsSubNs, tuple);
    this.messageText(message);
    if (traceId !== '') this.traceIdText(traceId);
    if (spanId !== '') this.spanIdText(spanId);
  }

  /**
   * Starts a row without message, ids or attributes (tuple from tupleOf()); then its message
   * (messageText or messageBytes), its trace id before its span id, and its attributes.
   */
  startRow(seq: number, ms: number, subNs: number, obsMs: number, obsSubNs: number, tuple: number): void {
    if (this.count === this.capacity) this.resize(this.capacity * 2);
    const i = this.count++;
    this.seq[i] = seq;
    this.ms[i] = ms;
    this.subNs[i] = subNs;
    this.obsMs[i] = obsMs;
    this.obsSubNs[i] = obsSubNs;
    this.tuple[i] = tuple;
    this.msgEnd[i] = this.msg.length;
    this.msgLen[i] = 0;
    this.idFlags[i] = 0;
    this.idEnd[i] = this.ids.length;
    this.valFirst[i] = this.valCount;
    this.shape[i] = SHAPE_NONE;
    this.attrLen[i] = 0;
  }

  /** The message of the row just started. */
  messageText(message: string): void {
    this.msg.text(message, 0, message.length);
    this.msgEnd[this.count - 1] = this.msg.length;
    this.msgLen[this.count - 1] = message.length;
  }

  /** The message of the row just started as the UTF-8 bytes src[from, to), `units` UTF-16 units long. */
  messageBytes(src: Uint8Array, from: number, to: number, units: number): void {
    this.msg.bytes(src, from, to);
    this.msgEnd[this.count - 1] = this.msg.length;
    this.msgLen[this.count - 1] = units;
  }

  /** The trace id (32 lowercase hex) of the row just started. */
  traceIdText(id: string): void {
    this.ids.text(id, 0, id.length);
    this.idFlags[this.count - 1] |= 1;
    this.idEnd[this.count - 1] = this.ids.length;
  }

  /** The span id (16 lowercase hex) of the row just started. */
  spanIdText(id: string): void {
    this.ids.text(id, 0, id.length);
    this.idFlags[this.count - 1] |= 2;
    this.idEnd[this.count - 1] = this.ids.length;
  }

  /** A trace id (32 lowercase hex bytes at src[at]) or a span id (16) of the row just started. */
  idBytes(src: Uint8Array, at: number, length: 32 | 16): void {
    this.ids.bytes(src, at, at + length);
    this.idFlags[this.count - 1] |= length === 32 ? 1 : 2;
    this.idEnd[this.count - 1] = this.ids.length;
  }

  /**
   * idBytes() of the bytes at src[at] when they are a hex id (either case, lowercased here, not all
   * zero: what normalizeHexId() keeps); false, and nothing added, otherwise.
   */
  hexIdBytes(src: Uint8Array, at: number, length: 32 | 16): boolean {
    if (!this.ids.hexBytes(src, at, at + length)) return false;
    this.idFlags[this.count - 1] |= length === 32 ? 1 : 2;
    this.idEnd[this.count - 1] = this.ids.length;
    return true;
  }

  /** A parsed record, as pushRow(toRow(r, seq)) would add it, without the Row or the attributes' whole text. */
  pushRecord(r: LogRecord, seq: number): void {
    const [ms, subNs] = splitNs(r.timeNs);
    const [obsMs, obsSubNs] = r.observedNs === r.timeNs ? [ms, subNs] : splitObservedNs(r.observedNs);
    const labels = stringifyLabels(r.labels);
    const t = this.tupleOf(
      levelRank(r.level),
      r.levelText,
      r.severity,
      r.service,
      r.host,
      labels,
      r.protocol,
    );
    this.push(seq, ms, subNs, obsMs, obsSubNs, t, r.message, r.traceId, r.spanId);
    this.attrsObject(r.attributes);
  }

  pushRow(r: Row): void {
    const t = this.tupleOf(r.level, r.levelText, r.severity, r.service, r.host, r.labels, r.protocol);
    this.push(r.seq, r.ms, r.subNs, r.obsMs, r.obsSubNs, t, r.message, r.traceId, r.spanId);
    this.attrsText(r.attrs);
  }

  private value(text: string, from: number, to: number): void {
    if (this.valCount === this.valEnd.length) {
      const next = new Uint32Array(this.valEnd.length * 2);
      next.set(this.valEnd);
      this.valEnd = next;
    }
    const a = this.attrs;
    a.text(text, from, to);
    this.valEnd[this.valCount++] = a.length;
    a.reserve(1)[a.length++] = 0;
  }

  private valueBytes(src: Uint8Array, from: number, to: number): void {
    if (this.valCount === this.valEnd.length) {
      const next = new Uint32Array(this.valEnd.length * 2);
      next.set(this.valEnd);
      this.valEnd = next;
    }
    const a = this.attrs;
    if (to - from > 64) {
      a.copy(src, from, to);
      this.valEnd[this.valCount++] = a.length;
      a.reserve(1)[a.length++] = 0;
      return;
    }
    // Short values (most): one reserve for the value and its NUL, a loop rather than a native call.
    const buf = a.reserve(to - from + 1);
    let o = a.length;
    for (let k = from; k < to; k++) buf[o++] = src[k];
    this.valEnd[this.valCount++] = o;
    buf[o++] = 0;
    a.length = o;
  }

  /** The attributes of the row just pushed, as their JSON text ('' = none). */
  attrsText(text: string): void {
    const i = this.count - 1;
    this.attrLen[i] = text.length;
    if (text === '') return;
    const n = splitObject(text);
    let shape = -1;
    if (n > 0) {
      beginShape();
      for (let k = 0; k < n; k++) stepShape(splitKeyIds[k], splitKeys[k]);
      shape = endShape();
    }
    if (shape < 0) {
      this.attrsVerbatim(text);
      return;
    }
    for (let k = 0; k < n; k++) this.value(text, valueStarts[k], valueEnds[k]);
    this.shape[i] = shape;
  }

  /** The attributes of the row just pushed, kept as their whole JSON text (no shape). */
  private attrsVerbatim(text: string): void {
    const i = this.count - 1;
    this.attrLen[i] = text.length;
    this.value(text, 0, text.length);
    this.shape[i] = SHAPE_VERBATIM;
  }

  /**
   * The attributes of the row just pushed, as an object: each value's JSON text under the object's
   * shape, which rebuilds to exactly JSON.stringify(attributes) (the same keys in the same order).
   */
  attrsObject(attributes: Record<string, JsonValue>): void {
    const keys = Object.keys(attributes);
    if (keys.length === 0) return;
    // Kept verbatim without registering its keys (attr-columns.ts bounds the registries).
    if (keys.length > MAX_SHAPE_KEYS) {
      this.attrsVerbatim(JSON.stringify(attributes));
      return;
    }
    beginShape();
    let length = 1;
    for (const key of keys) {
      const id = keyId(key);
      const text = JSON.stringify(attributes[key]) as string | undefined;
      if (id < 0 || text === undefined) {
        this.attrsFallback(attributes);
        return;
      }
      stepShape(id, key);
      this.value(text, 0, text.length);
      length += text.length;
    }
    const shape = endShape();
    if (shape < 0) {
      this.attrsFallback(attributes);
      return;
    }
    for (const prefix of shapePrefixes[shape]) length += prefix.length;
    const i = this.count - 1;
    this.shape[i] = shape;
    this.attrLen[i] = length;
  }

  private attrsFallback(attributes: Record<string, JsonValue>): void {
    this.dropAttrs();
    this.attrsText(JSON.stringify(attributes));
  }

  /** The attributes of the row just pushed, member by member (keys that need no JSON escaping). */
  beginAttrs(): void {
    beginShape();
  }

  /** One member: the value is the raw JSON text[from, to). False when the key registry is full. */
  attr(key: string, text: string, from: number, to: number): boolean {
    const id = keyId(key);
    if (id < 0) return false;
    stepShape(id, key);
    this.value(text, from, to);
    return true;
  }

  /**
   * attr() with the key's registry id (keyId(key), which the caller may have cached) and the value
   * as the UTF-8 bytes src[from, to) of its JSON text.
   */
  attrUtf8(id: number, key: string, src: Uint8Array, from: number, to: number): boolean {
    if (id < 0) return false;
    stepShape(id, key);
    this.valueBytes(src, from, to);
    return true;
  }

  /**
   * Ends the members; `length` is the UTF-16 length of `{"k":v,...}`. False when the shape registry
   * is full: the caller then calls dropAttrs() and attrsText() with the whole text.
   */
  endAttrs(length: number): boolean {
    const shape = endShape();
    if (shape < 0) return false;
    const i = this.count - 1;
    this.shape[i] = shape;
    this.attrLen[i] = length;
    return true;
  }

  /** Forgets the values given so far for the row just pushed. */
  dropAttrs(): void {
    const v0 = this.valFirst[this.count - 1];
    this.valCount = v0;
    this.attrs.length = v0 === 0 ? 0 : this.valEnd[v0 - 1] + 1;
  }

  /** Index after row i's last value. */
  valuesEnd(i: number): number {
    return i + 1 < this.count ? this.valFirst[i + 1] : this.valCount;
  }

  private valueText(v: number): string {
    return this.attrs.buf.toString('utf8', v === 0 ? 0 : this.valEnd[v - 1] + 1, this.valEnd[v]);
  }

  /** Row i's attributes as JSON text ('' = none). */
  attrsOf(i: number): string {
    const shape = this.shape[i];
    if (shape === SHAPE_NONE) return '';
    const v0 = this.valFirst[i];
    if (shape === SHAPE_VERBATIM) return this.valueText(v0);
    const prefixes = shapePrefixes[shape];
    let s = '';
    for (let k = 0; k < prefixes.length; k++) s += prefixes[k] + this.valueText(v0 + k);
    return `${s}}`;
  }

  /** Row i as a Row object (reads on the main thread, tests). */
  row(i: number): Row {
    const t = this.tuples[this.tuple[i]];
    const m0 = i === 0 ? 0 : this.msgEnd[i - 1];
    const id0 = i === 0 ? 0 : this.idEnd[i - 1];
    const flags = this.idFlags[i];
    const spanAt = flags & 1 ? id0 + 32 : id0;
    return {
      seq: this.seq[i],
      ms: this.ms[i],
      subNs: this.subNs[i],
      obsMs: this.obsMs[i],
      obsSubNs: this.obsSubNs[i],
      level: t.level,
      levelText: t.levelText,
      severity: t.severity,
      service: t.service,
      host: t.host,
      message: this.msg.buf.toString('utf8', m0, this.msgEnd[i]),
      attrs: this.attrsOf(i),
      traceId: flags & 1 ? this.ids.buf.toString('latin1', id0, spanAt) : '',
      spanId: flags & 2 ? this.ids.buf.toString('latin1', spanAt, this.idEnd[i]) : '',
      labels: t.labels,
      protocol: t.protocol,
    };
  }

  rows(): Row[] {
    const out: Row[] = new Array(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.row(i);
    return out;
  }

  /** Approximate raw size of row i as shipped (row.ts rawSize()). */
  rawSize(i: number): number {
    const ids = this.idEnd[i] - (i === 0 ? 0 : this.idEnd[i - 1]);
    return this.msgLen[i] + this.attrLen[i] + this.tuples[this.tuple[i]].host.length + ids + 48;
  }

  /**
   * Appends the rows of another table, numbered seqBase, seqBase + 1, … when given. (Loops are in
   * helpers: a function called once per body with loops in it gets compiled on stack per loop.)
   */
  append(o: RowColumns, seqBase?: number): void {
    const n = o.count;
    if (n === 0) return;
    const map = o.tuples.map((t) =>
      this.tupleOf(t.level, t.levelText, t.severity, t.service, t.host, t.labels, t.protocol),
    );
    let capacity = this.capacity;
    while (capacity < this.count + n) capacity *= 2;
    if (capacity !== this.capacity) this.resize(capacity);
    const base = this.count;
    if (seqBase === undefined) this.seq.set(o.seq.subarray(0, n), base);
    else numberFrom(this.seq, base, n, seqBase);
    remap(this.tuple, base, o.tuple, n, map);
    this.ms.set(o.ms.subarray(0, n), base);
    this.subNs.set(o.subNs.subarray(0, n), base);
    this.obsMs.set(o.obsMs.subarray(0, n), base);
    this.obsSubNs.set(o.obsSubNs.subarray(0, n), base);
    this.msgLen.set(o.msgLen.subarray(0, n), base);
    this.idFlags.set(o.idFlags.subarray(0, n), base);
    this.shape.set(o.shape.subarray(0, n), base);
    this.attrLen.set(o.attrLen.subarray(0, n), base);
    copyShifted(this.msgEnd, base, o.msgEnd, n, this.msg.length);
    copyShifted(this.idEnd, base, o.idEnd, n, this.ids.length);
    copyShifted(this.valFirst, base, o.valFirst, n, this.valCount);
    this.msg.copy(o.msg.buf, 0, o.msg.length);
    this.ids.copy(o.ids.buf, 0, o.ids.length);
    const vb = this.valCount;
    if (vb + o.valCount > this.valEnd.length) {
      let size = this.valEnd.length * 2;
      while (size < vb + o.valCount) size *= 2;
      const next = new Uint32Array(size);
      next.set(this.valEnd.subarray(0, vb));
      this.valEnd = next;
    }
    copyShifted(this.valEnd, vb, o.valEnd, o.valCount, this.attrs.length);
    this.valCount += o.valCount;
    this.attrs.copy(o.attrs.buf, 0, o.attrs.length);
    this.count += n;
  }

  /** Drops every row, keeping the buffers for the next rows. */
  clear(): void {
    this.count = 0;
    this.valCount = 0;
    this.msg.length = 0;
    this.ids.length = 0;
    this.attrs.length = 0;
    this.tuples = [];
    this.tupleIndex.clear();
  }

  /** Drops the first n rows (sealed into blocks). */
  dropPrefix(n: number): void {
    if (n <= 0) return;
    const count = this.count;
    if (n >= count) {
      this.count = 0;
      this.valCount = 0;
      this.msg.shift(this.msg.length);
      this.ids.shift(this.ids.length);
      this.attrs.shift(this.attrs.length);
      this.tuples = [];
      this.tupleIndex.clear();
      return;
    }
    const rest = count - n;
    const mb = this.msgEnd[n - 1];
    const ib = this.idEnd[n - 1];
    const vb = this.valFirst[n];
    const ab = vb === 0 ? 0 : this.valEnd[vb - 1] + 1;
    for (const a of [this.seq, this.ms, this.subNs, this.obsMs, this.obsSubNs]) a.copyWithin(0, n, count);
    for (const a of [this.tuple, this.msgLen, this.attrLen]) a.copyWithin(0, n, count);
    this.idFlags.copyWithin(0, n, count);
    this.shape.copyWithin(0, n, count);
    this.msgEnd.copyWithin(0, n, count);
    this.idEnd.copyWithin(0, n, count);
    this.valFirst.copyWithin(0, n, count);
    copyShifted(this.msgEnd, 0, this.msgEnd, rest, -mb);
    copyShifted(this.idEnd, 0, this.idEnd, rest, -ib);
    copyShifted(this.valFirst, 0, this.valFirst, rest, -vb);
    this.valEnd.copyWithin(0, vb, this.valCount);
    this.valCount -= vb;
    copyShifted(this.valEnd, 0, this.valEnd, this.valCount, -ab);
    this.msg.shift(mb);
    this.ids.shift(ib);
    this.attrs.shift(ab);
    this.count = rest;
    if (this.tuples.length > MAX_TUPLES) this.rebuildTuples();
  }

  /** Keeps only the tuples the rows still use. */
  private rebuildTuples(): void {
    const old = this.tuples;
    this.tuples = [];
    this.tupleIndex.clear();
    const map = new Int32Array(old.length).fill(-1);
    for (let i = 0; i < this.count; i++) {
      const t = this.tuple[i];
      if (map[t] < 0) {
        const u = old[t];
        map[t] = this.tupleOf(u.level, u.levelText, u.severity, u.service, u.host, u.labels, u.protocol);
      }
      this.tuple[i] = map[t];
    }
  }
}

/** dst[at + i] = src[i] + delta for i < n (src may be dst with at 0). */
function copyShifted(dst: Uint32Array, at: number, src: Uint32Array, n: number, delta: number): void {
  for (let i = 0; i < n; i++) dst[at + i] = src[i] + delta;
}

function numberFrom(seq: Float64Array, at: number, n: number, first: number): void {
  for (let i = 0; i < n; i++) seq[at + i] = first + i;
}

function remap(dst: Uint32Array, at: number, src: Uint32Array, n: number, map: number[]): void {
  for (let i = 0; i < n; i++) dst[at + i] = map[src[i]];
}

// Column block encoding. Format 4: as format 3 with the attributes section transposed into per-key
// columns (attr-columns.ts). Format 3: one block stream for all services (the service is part of each
// row's stream tuple), so the lines of one request, which share a trace id, compress together.
// Format 2 (still readable): blocks of one service, the service kept outside the block. Meta columns
// are column-major; rows are sorted by (time, seq). Sections, each zstd-compressed on its own so a scan can stop after the
// cheap one: meta (times, seqs, levels, stream tuples, string lengths), messages, attributes, ids.
// Strings of a column are joined and encoded with one native call; lengths (UTF-16 units) go in meta.
import { compress, decompress } from 'zstd-napi';
import { AttrColumns, encodeAttrColumns } from './attr-columns.js';
import { addTokenHashes, buildBloom, TokenSet } from './bloom.js';
import { ByteReader, ByteWriter } from './bytes.js';
import { compareRows, type Row, rawSize } from './row.js';

export const BLOCK_FORMAT_VERSION = 4;
/** One stream, attributes as whole JSON objects; decoded, never written. */
const FORMAT_WHOLE_ATTRS = 3;
/** Per-service blocks, the service given by the caller; decoded, never written. */
const FORMAT_PER_SERVICE = 2;
const ZSTD_LEVEL = 1;
const MS_PER_MINUTE = 60_000;

export interface EncodedBlock {
  data: Buffer;
  bloom: Buffer;
  /** The block's only service, or '' when it holds several (see services). */
  service: string;
  /** Distinct services in the block, sorted. */
  services: string[];
  rows: number;
  minMs: number;
  /** Inclusive: the last row's ms (its sub-ms ns may be > 0). */
  maxMs: number;
  minSeq: number;
  maxSeq: number;
  levelCounts: number[];
  /**
   * Flat quadruples (minute since epoch, level, count, index into services) for histograms without
   * decoding, ordered by minute.
   */
  minuteCounts: number[];
  rawBytes: number;
}

interface Tuple {
  service: string;
  host: string;
  labels: string;
  protocol: string;
  levelText: string;
  level: number;
  severity: number;
}

export function encodeBlock(input: Row[]): EncodedBlock {
  const rows = input.slice().sort(compareRows);
  const meta = new ByteWriter(rows.length * 12 + 256);
  const tupleIndex = new Map<string, number>();
  const tuples: Tuple[] = [];
  const tokens = new TokenSet(input.length * 2);
  const levelCounts = [0, 0, 0, 0, 0, 0];
  const serviceIndex = new Map<string, number>();
  const messages: string[] = new Array(rows.length);
  const attrs: string[] = new Array(rows.length);
  const ids: string[] = [];
  let raw = 0;
  meta.uvarint(rows.length);
  const baseMs = rows[0].ms;
  meta.svarint(baseMs);
  const tupleOf = new Uint32Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    const key = `${r.level}\u0001${r.severity}\u0001${r.levelText}\u0001${r.host}\u0001${r.protocol}\u0001${r.service}\u0001${r.labels}`;
    let t = tupleIndex.get(key);
    if (t === undefined) {
      t = tuples.length;
      tupleIndex.set(key, t);
      tuples.push({
        service: r.service,
        host: r.host,
        labels: r.labels,
        protocol: r.protocol,
        levelText: r.levelText,
        level: r.level,
        severity: r.severity,
      });
      addTokenHashes(r.host, tokens);
      addTokenHashes(r.labels, tokens, true);
      if (!serviceIndex.has(r.service)) {
        serviceIndex.set(r.service, 0);
        addTokenHashes(r.service, tokens);
      }
    }
    tupleOf[i] = t;
    messages[i] = r.message;
    attrs[i] = r.attrs;
    if (r.traceId) ids.push(r.traceId);
    if (r.spanId) ids.push(r.spanId);
    addTokenHashes(r.message, tokens);
    if (r.attrs) addTokenHashes(r.attrs, tokens, true);
    if (r.traceId) addTokenHashes(r.traceId, tokens);
    if (r.spanId) addTokenHashes(r.spanId, tokens);
    levelCounts[r.level]++;
    raw += rawSize(r);
  }
  // Column-major: each column's values sit together, which zstd compresses far better.
  const n = rows.length;
  for (let i = 0, prev = baseMs; i < n; prev = rows[i].ms, i++) meta.uvarint(rows[i].ms - prev);
  for (let i = 0; i < n; i++) meta.uvarint(rows[i].subNs);
  for (let i = 0, prev = 0; i < n; prev = rows[i].seq, i++) meta.svarint(rows[i].seq - prev);
  // Observed time against the previous row's: rows of one request share it, so mostly 0.
  for (let i = 0, prev = baseMs; i < n; prev = rows[i].obsMs, i++) meta.svarint(rows[i].obsMs - prev);
  for (let i = 0; i < n; i++) meta.uvarint(rows[i].obsSubNs);
  for (let i = 0; i < n; i++) meta.uvarint(tupleOf[i]);
  for (let i = 0; i < n; i++) meta.uvarint(rows[i].message.length);
  for (let i = 0; i < n; i++) meta.uvarint(rows[i].attrs.length);
  for (let i = 0; i < n; i++) meta.byte((rows[i].traceId ? 1 : 0) | (rows[i].spanId ? 2 : 0));
  meta.uvarint(tuples.length);
  for (const t of tuples) {
    meta.byte(t.level);
    meta.byte(t.severity);
    meta.string(t.levelText);
    meta.string(t.host);
    meta.string(t.protocol);
    meta.string(t.labels);
    meta.string(t.service);
  }
  const sections = [
    meta.finish(),
    Buffer.from(messages.join(''), 'utf8'),
    Buffer.from(encodeAttrColumns(attrs), 'utf8'),
    Buffer.from(ids.join(''), 'latin1'),
  ];
  const compressed = sections.map((s) => compress(s, { compressionLevel: ZSTD_LEVEL }));
  const header = Buffer.alloc(1 + 4 * compressed.length);
  header[0] = BLOCK_FORMAT_VERSION;
  for (let i = 0; i < compressed.length; i++) header.writeUInt32LE(compressed[i].length, 1 + 4 * i);
  const services = [...serviceIndex.keys()].sort();
  for (let i = 0; i < services.length; i++) serviceIndex.set(services[i], i);
  const minuteCounts = countPerMinute(rows, tuples, tupleOf, serviceIndex);
  let minSeq = rows[0].seq;
  let maxSeq = rows[0].seq;
  for (const r of rows) {
    if (r.seq < minSeq) minSeq = r.seq;
    if (r.seq > maxSeq) maxSeq = r.seq;
  }
  return {
    data: Buffer.concat([header, ...compressed]),
    bloom: buildBloom(tokens),
    service: services.length === 1 ? services[0] : '',
    services,
    rows: rows.length,
    minMs: rows[0].ms,
    maxMs: rows[rows.length - 1].ms,
    minSeq,
    maxSeq,
    levelCounts,
    minuteCounts,
    rawBytes: raw,
  };
}

/** (minute, level, count, service index) quadruples of rows sorted by time. */
function countPerMinute(
  rows: Row[],
  tuples: Tuple[],
  tupleOf: Uint32Array,
  serviceIndex: Map<string, number>,
): number[] {
  const out: number[] = [];
  const slot = new Map<number, number>(); // level * 65536 + service index -> position in out
  let minute = Number.NaN;
  for (let i = 0; i < rows.length; i++) {
    const m = Math.floor(rows[i].ms / MS_PER_MINUTE);
    if (m !== minute) {
      minute = m;
      slot.clear();
    }
    const t = tuples[tupleOf[i]];
    const key = t.level * 65536 + serviceIndex.get(t.service)!;
    const at = slot.get(key);
    if (at !== undefined) out[at]++;
    else {
      slot.set(key, out.length + 2);
      out.push(m, t.level, 1, serviceIndex.get(t.service)!);
    }
  }
  return out;
}

/** A decoded block: meta columns eagerly, text columns on demand. */
export class DecodedBlock {
  readonly count: number;
  readonly ms: Float64Array;
  readonly subNs: Float64Array;
  readonly seq: Float64Array;
  readonly level: Uint8Array;
  private readonly obsMs: Float64Array;
  private readonly obsSubNs: Float64Array;
  private readonly tuple: Uint32Array;
  private readonly msgLen: Uint32Array;
  private readonly attrLen: Uint32Array;
  private readonly idFlags: Uint8Array;
  private readonly tuples: Tuple[] = [];
  private readonly sections: Buffer[];
  private readonly format: number;

  constructor(
    data: Uint8Array,
    /** The service of a format-2 block (format 3 blocks name it per row). */
    service: string,
  ) {
    const format = data[0];
    this.format = format;
    if (format !== BLOCK_FORMAT_VERSION && format !== FORMAT_WHOLE_ATTRS && format !== FORMAT_PER_SERVICE)
      throw new Error(`unknown block format ${format}`);
    const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.sections = [];
    let off = 1 + 16;
    for (let i = 0; i < 4; i++) {
      const len = view.readUInt32LE(1 + 4 * i);
      this.sections.push(view.subarray(off, off + len));
      off += len;
    }
    const r = new ByteReader(decompress(this.sections[0]));
    const n = r.uvarint();
    this.count = n;
    this.ms = new Float64Array(n);
    this.subNs = new Float64Array(n);
    this.seq = new Float64Array(n);
    this.level = new Uint8Array(n);
    this.obsMs = new Float64Array(n);
    this.obsSubNs = new Float64Array(n);
    this.tuple = new Uint32Array(n);
    this.msgLen = new Uint32Array(n);
    this.attrLen = new Uint32Array(n);
    this.idFlags = new Uint8Array(n);
    let ms = r.svarint();
    for (let i = 0; i < n; i++) {
      ms += r.uvarint();
      this.ms[i] = ms;
    }
    for (let i = 0; i < n; i++) this.subNs[i] = r.uvarint();
    for (let i = 0, seq = 0; i < n; i++) {
      seq += r.svarint();
      this.seq[i] = seq;
    }
    for (let i = 0, obs = this.ms[0]; i < n; i++) {
      obs += r.svarint();
      this.obsMs[i] = obs;
    }
    for (let i = 0; i < n; i++) this.obsSubNs[i] = r.uvarint();
    for (let i = 0; i < n; i++) this.tuple[i] = r.uvarint();
    for (let i = 0; i < n; i++) this.msgLen[i] = r.uvarint();
    for (let i = 0; i < n; i++) this.attrLen[i] = r.uvarint();
    for (let i = 0; i < n; i++) this.idFlags[i] = r.byte();
    const tupleCount = r.uvarint();
    for (let t = 0; t < tupleCount; t++) {
      const level = r.byte();
      const severity = r.byte();
      this.tuples.push({
        level,
        severity,
        levelText: r.string(),
        host: r.string(),
        protocol: r.string(),
        labels: r.string(),
        service: format === FORMAT_PER_SERVICE ? service : r.string(),
      });
    }
    for (let i = 0; i < n; i++) this.level[i] = this.tuples[this.tuple[i]].level;
  }

  private raw?: { messages: string; ids: string };

  /** The message and id sections as whole strings (one native decode each). */
  private rawText() {
    this.raw ??= {
      messages: decompress(this.sections[1]).toString('utf8'),
      ids: decompress(this.sections[3]).toString('latin1'),
    };
    return this.raw;
  }

  private attrSection?: string | AttrColumns;

  /** Format 4: the transposed columns; formats 2 and 3: all rows' attribute texts concatenated. */
  private attrs(): string | AttrColumns {
    if (this.attrSection === undefined) {
      const text = decompress(this.sections[2]).toString('utf8');
      this.attrSection = this.format === BLOCK_FORMAT_VERSION ? new AttrColumns(text) : text;
    }
    return this.attrSection;
  }

  private attrText(i: number): string {
    const a = this.attrs();
    if (typeof a !== 'string') return a.text(i);
    const o = this.textOffsets().attrs;
    return a.slice(o[i], o[i + 1]);
  }

  private offsets?: { messages: Uint32Array; attrs: Uint32Array; ids: Uint32Array };

  /** Start offsets of each row's text in the whole sections; rows are sliced out on demand. */
  private textOffsets() {
    this.offsets ??= { messages: prefix(this.msgLen), attrs: prefix(this.attrLen), ids: this.idOffsets() };
    return this.offsets;
  }

  /**
   * Rows that may contain every token (lowercase substrings of message, attributes, ids, host, labels
   * or service), found by searching each whole text section once instead of row by row. Undefined
   * when lowercasing changes the text's length (then offsets do not map and the caller checks rows).
   */
  mayContain(tokens: string[]): Uint8Array | undefined {
    const raw = this.rawText();
    const n = this.count;
    const a = this.attrs();
    // Format 4 rebuilds the attribute texts only when a token may be in them.
    const needAttrs = typeof a === 'string' || tokens.some((t) => a.mayHold(t));
    const attrs = typeof a === 'string' ? a : needAttrs ? a.all() : '';
    const lower = [raw.messages.toLowerCase(), attrs.toLowerCase(), raw.ids];
    if (lower[0].length !== raw.messages.length || lower[1].length !== attrs.length) return undefined;
    const o = this.textOffsets();
    const offsets = [o.messages, o.attrs, o.ids];
    const result = new Uint8Array(n).fill(1);
    for (const token of tokens) {
      const hit = new Uint8Array(n);
      for (let s = 0; s < 3; s++) if (s !== 1 || needAttrs) markHits(lower[s], token, offsets[s], hit);
      this.tuples.forEach((t, ti) => {
        if (`${t.host}\n${t.labels}\n${t.service}`.toLowerCase().includes(token)) {
          for (let i = 0; i < n; i++) if (this.tuple[i] === ti) hit[i] = 1;
        }
      });
      for (let i = 0; i < n; i++) result[i] &= hit[i];
    }
    return result;
  }

  private idOffsets(): Uint32Array {
    const out = new Uint32Array(this.count + 1);
    for (let i = 0; i < this.count; i++) {
      const f = this.idFlags[i];
      out[i + 1] = out[i] + (f & 1 ? 32 : 0) + (f & 2 ? 16 : 0);
    }
    return out;
  }

  /** Row i as a store row (text sections decompressed on first use, the row's strings sliced out). */
  row(i: number): Row {
    const raw = this.rawText();
    const o = this.textOffsets();
    const t = this.tuples[this.tuple[i]];
    const f = this.idFlags[i];
    const idAt = o.ids[i];
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
      message: raw.messages.slice(o.messages[i], o.messages[i + 1]),
      attrs: this.attrText(i),
      traceId: f & 1 ? raw.ids.slice(idAt, idAt + 32) : '',
      spanId: f & 2 ? raw.ids.slice(idAt + (f & 1 ? 32 : 0), idAt + (f & 1 ? 48 : 16)) : '',
      labels: t.labels,
      protocol: t.protocol as Row['protocol'],
    };
  }

  /** Service of row i without materializing the row. */
  serviceOf(i: number): string {
    return this.tuples[this.tuple[i]].service;
  }

  /** Lowercased message of row i, for token pre-checks. */
  lowerMessage(i: number): string {
    const o = this.textOffsets();
    return this.rawText()
      .messages.slice(o.messages[i], o.messages[i + 1])
      .toLowerCase();
  }

  allRows(): Row[] {
    const out: Row[] = new Array(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.row(i);
    return out;
  }
}

function prefix(lens: Uint32Array): Uint32Array {
  const out = new Uint32Array(lens.length + 1);
  for (let i = 0; i < lens.length; i++) out[i + 1] = out[i] + lens[i];
  return out;
}

/** Marks the rows (by start offsets, length n + 1) whose text holds `token`; one indexOf per hit row. */
function markHits(text: string, token: string, offsets: Uint32Array, hit: Uint8Array): void {
  let p = text.indexOf(token);
  while (p >= 0) {
    let lo = 0;
    let hi = offsets.length - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (offsets[mid] <= p) lo = mid;
      else hi = mid - 1;
    }
    hit[lo] = 1;
    p = text.indexOf(token, Math.max(offsets[lo + 1], p + 1));
  }
}

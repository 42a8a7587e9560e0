// Column block encoding. Format 5: as format 4 with the attributes section cut into row groups, each
// compressed on its own (a needle's hit decompresses only its group), and the block's token filter
// split into message/id/stream tokens and attribute tokens (bloom.ts version 2), so a search skips
// the sections that cannot hold a token. Format 4 (still readable): the attributes section
// transposed into per-key columns (attr-columns.ts), one zstd frame. Format 3: one block stream for
// all services (the service is part of each row's stream tuple), so the lines of one request, which
// share a trace id, compress together. Format 2 (still readable): blocks of one service, the service
// kept outside the block. Meta columns are column-major; rows are sorted by (time, seq). Sections,
// each zstd-compressed on its own so a scan can stop after the cheap one: meta (times, seqs, levels,
// stream tuples, string lengths), messages, ids, attributes (format 5 order; formats 2-4: meta,
// messages, attributes, ids). Strings of a column are joined and encoded with one native call;
// lengths (UTF-16 units) go in meta.
import { compress } from 'zstd-napi';
import { encodeAttrSection } from './attr-columns.js';
import { addTokenHashes, addTokenHashesBytes, buildSplitBloom, TokenSet } from './bloom.js';
import { ByteWriter } from './bytes.js';
import type { Row, StreamTuple } from './row.js';
import { RowColumns } from './row-columns.js';

export const BLOCK_FORMAT_VERSION = 5;
/**
 * Attribute row groups: ~4 per full block (+3 % data bytes measured on bench blocks), none smaller
 * than this many rows.
 */
export const ATTR_GROUPS = 4;
const MIN_GROUP_ROWS = 1024;
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

/** Encodes rows (any order) as one block: the main thread's seals, merges and rewrites. */
export function encodeBlock(rows: Row[]): EncodedBlock {
  return encodeColumns(RowColumns.fromRows(rows), 0, rows.length);
}

/**
 * Encodes rows [from, to) of a column table as one block (an ingest worker's seal). Each loop is a
 * function of its own: this runs once per block, so V8 compiles its loops on stack (OSR), and one
 * large function with many loops was recompiled whole for each loop and after each, ~100 ms of
 * compiler time on V8's helper threads each time.
 */
export function encodeColumns(c: RowColumns, from: number, to: number): EncodedBlock {
  const n = to - from;
  const { ms, seq } = c;
  // Block order: by (time, seq). A stream's rows mostly arrive in that order already.
  const order = tableOrder(from, to);
  const sorted = isSorted(c, from, to);
  if (!sorted) order.sort((a, b) => ms[a] - ms[b] || c.subNs[a] - c.subNs[b] || seq[a] - seq[b]);
  const rows: BlockRows = {
    order,
    blockTuple: new Int32Array(c.tuples.length).fill(-1),
    tuples: [],
    tupleOf: new Uint32Array(n),
    tokens: new TokenSet(n * 2),
    levelCounts: [0, 0, 0, 0, 0, 0],
    serviceIndex: new Map<string, number>(),
    raw: 0,
  };
  indexRows(c, rows);
  const attrTokens = new TokenSet(n);
  const groupRows = attrGroupRows(n);
  const sections = [
    encodeMeta(c, rows),
    gather(c.msg.buf, c.msgEnd, order, sorted),
    gather(c.ids.buf, c.idEnd, order, sorted),
  ];
  for (let g = 0; g < n; g += groupRows)
    sections.push(encodeAttrSection(c, order.subarray(g, Math.min(n, g + groupRows)), attrTokens));
  const compressed = sections.map((s) => compress(s, { compressionLevel: ZSTD_LEVEL }));
  // [5][attribute groups u8][rows per group u32][length u32 of each section], then the sections.
  const header = Buffer.alloc(6 + 4 * compressed.length);
  header[0] = BLOCK_FORMAT_VERSION;
  header[1] = compressed.length - 3;
  header.writeUInt32LE(groupRows, 2);
  for (let i = 0; i < compressed.length; i++) header.writeUInt32LE(compressed[i].length, 6 + 4 * i);
  const { serviceIndex } = rows;
  const services = [...serviceIndex.keys()].sort();
  for (let i = 0; i < services.length; i++) serviceIndex.set(services[i], i);
  const [minSeq, maxSeq] = seqRange(seq, from, to);
  return {
    data: Buffer.concat([header, ...compressed]),
    bloom: buildSplitBloom(rows.tokens, attrTokens),
    service: services.length === 1 ? services[0] : '',
    services,
    rows: n,
    minMs: ms[order[0]],
    maxMs: ms[order[n - 1]],
    minSeq,
    maxSeq,
    levelCounts: rows.levelCounts,
    minuteCounts: countPerMinute(ms, order, rows.tuples, rows.tupleOf, serviceIndex),
    rawBytes: rows.raw,
  };
}

/** Rows per attribute group of an n-row block (at least one group). */
export function attrGroupRows(n: number): number {
  return Math.max(MIN_GROUP_ROWS, Math.ceil(n / ATTR_GROUPS));
}

/** What indexRows() finds out about a block's rows. */
interface BlockRows {
  /** Table indexes in block order. */
  order: Uint32Array;
  /** The block's tuple of each of the table's tuples (-1: not used yet), and the block's tuples. */
  blockTuple: Int32Array;
  tuples: StreamTuple[];
  /** Block tuple of each row, in block order. */
  tupleOf: Uint32Array;
  tokens: TokenSet;
  levelCounts: number[];
  /** The block's services (values set once sorted). */
  serviceIndex: Map<string, number>;
  raw: number;
}

function tableOrder(from: number, to: number): Uint32Array {
  const order = new Uint32Array(to - from);
  for (let j = 0; j < order.length; j++) order[j] = from + j;
  return order;
}

function isSorted(c: RowColumns, from: number, to: number): boolean {
  const { ms, subNs, seq } = c;
  for (let i = from + 1; i < to; i++)
    if ((ms[i] - ms[i - 1] || subNs[i] - subNs[i - 1] || seq[i] - seq[i - 1]) < 0) return false;
  return true;
}

/** Block tuples, level counts, raw size and the tokens of messages, ids and stream tuples. */
function indexRows(c: RowColumns, b: BlockRows): void {
  const { order, blockTuple, tuples, tupleOf, tokens, levelCounts } = b;
  const msgBytes = c.msg.buf;
  const idBytes = c.ids.buf;
  const { msgEnd, idEnd, idFlags } = c;
  let raw = 0;
  let prevTrace = -1;
  for (let j = 0; j < order.length; j++) {
    const i = order[j];
    const ct = c.tuple[i];
    let t = blockTuple[ct];
    if (t < 0) t = addTuple(c, b, ct);
    tupleOf[j] = t;
    levelCounts[tuples[t].level]++;
    addTokenHashesBytes(msgBytes, i === 0 ? 0 : msgEnd[i - 1], msgEnd[i], tokens);
    // A request's lines share a trace id: hash it once per run of equal ids.
    const id0 = i === 0 ? 0 : idEnd[i - 1];
    const flags = idFlags[i];
    if (flags & 1) {
      if (prevTrace < 0 || !sameBytes(idBytes, prevTrace, id0, 32))
        addTokenHashesBytes(idBytes, id0, id0 + 32, tokens);
      prevTrace = id0;
    } else prevTrace = -1;
    if (flags & 2) addTokenHashesBytes(idBytes, idEnd[i] - 16, idEnd[i], tokens);
    raw += c.rawSize(i);
  }
  b.raw = raw;
}

function addTuple(c: RowColumns, b: BlockRows, ct: number): number {
  const t = b.tuples.length;
  b.blockTuple[ct] = t;
  const u = c.tuples[ct];
  b.tuples.push(u);
  addTokenHashes(u.host, b.tokens);
  addTokenHashes(u.labels, b.tokens, true);
  if (!b.serviceIndex.has(u.service)) {
    b.serviceIndex.set(u.service, 0);
    addTokenHashes(u.service, b.tokens);
  }
  return t;
}

/** The meta section. Column-major: each column's values sit together, which zstd compresses far better. */
function encodeMeta(c: RowColumns, b: BlockRows): Buffer {
  const { order } = b;
  const n = order.length;
  const meta = new ByteWriter(n * 12 + 256);
  const baseMs = c.ms[order[0]];
  meta.uvarint(n);
  meta.svarint(baseMs);
  putDeltas(meta, c.ms, order, baseMs, false);
  putValues(meta, c.subNs, order);
  putDeltas(meta, c.seq, order, 0, true);
  // Observed time against the previous row's: rows of one request share it, so mostly 0.
  putDeltas(meta, c.obsMs, order, baseMs, true);
  putValues(meta, c.obsSubNs, order);
  putValues(meta, b.tupleOf, undefined);
  putValues(meta, c.msgLen, order);
  putValues(meta, c.attrLen, order);
  putBytes(meta, c.idFlags, order);
  meta.uvarint(b.tuples.length);
  for (const t of b.tuples) {
    meta.byte(t.level);
    meta.byte(t.severity);
    meta.string(t.levelText);
    meta.string(t.host);
    meta.string(t.protocol);
    meta.string(t.labels);
    meta.string(t.service);
  }
  return meta.finish();
}

/** values[order[j]] - values[order[j - 1]] (the first against `prev`), as unsigned or zigzag varints. */
function putDeltas(
  meta: ByteWriter,
  values: Float64Array,
  order: Uint32Array,
  prev: number,
  signed: boolean,
): void {
  for (let j = 0; j < order.length; j++) {
    const v = values[order[j]];
    if (signed) meta.svarint(v - prev);
    else meta.uvarint(v - prev);
    prev = v;
  }
}

/** values[order[j]] (values[j] without an order) as unsigned varints. */
function putValues(
  meta: ByteWriter,
  values: Float64Array | Uint32Array,
  order: Uint32Array | undefined,
): void {
  const n = order ? order.length : values.length;
  for (let j = 0; j < n; j++) meta.uvarint(values[order ? order[j] : j]);
}

function putBytes(meta: ByteWriter, values: Uint8Array, order: Uint32Array): void {
  for (let j = 0; j < order.length; j++) meta.byte(values[order[j]]);
}

function seqRange(seq: Float64Array, from: number, to: number): [number, number] {
  let min = seq[from];
  let max = seq[from];
  for (let i = from; i < to; i++) {
    if (seq[i] < min) min = seq[i];
    if (seq[i] > max) max = seq[i];
  }
  return [min, max];
}

function sameBytes(b: Buffer, x: number, y: number, length: number): boolean {
  for (let k = 0; k < length; k++) if (b[x + k] !== b[y + k]) return false;
  return true;
}

/** The texts of rows `order` back to back: one slice when the rows are in table order. */
function gather(bytes: Buffer, ends: Uint32Array, order: Uint32Array, sorted: boolean): Buffer {
  const first = order[0];
  if (sorted) return bytes.subarray(first === 0 ? 0 : ends[first - 1], ends[order[order.length - 1]]);
  let size = 0;
  for (let j = 0; j < order.length; j++) {
    const i = order[j];
    size += ends[i] - (i === 0 ? 0 : ends[i - 1]);
  }
  const out = Buffer.allocUnsafe(size);
  let o = 0;
  for (let j = 0; j < order.length; j++) {
    const i = order[j];
    o += bytes.copy(out, o, i === 0 ? 0 : ends[i - 1], ends[i]);
  }
  return out;
}

/** (minute, level, count, service index) quadruples of rows sorted by time. */
function countPerMinute(
  ms: Float64Array,
  order: Uint32Array,
  tuples: StreamTuple[],
  tupleOf: Uint32Array,
  serviceIndex: Map<string, number>,
): number[] {
  const out: number[] = [];
  const slot = new Map<number, number>(); // level * 65536 + service index -> position in out
  let minute = Number.NaN;
  for (let j = 0; j < order.length; j++) {
    const m = Math.floor(ms[order[j]] / MS_PER_MINUTE);
    if (m !== minute) {
      minute = m;
      slot.clear();
    }
    const t = tuples[tupleOf[j]];
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

// Column block encoding. Format 6: the block's rows (sorted by time, seq) cut into row groups of at
// least 1 024 rows (4 per full block), each with its own meta, messages, ids and attributes
// sections, and a token filter per group for the message, id and stream tokens (bloom.ts version 3;
// version 4 since the seventh session, each filter cut in two by token class, same block data;
// version 5 since the eighth, the trace and span id tokens in a filter of their own, bloom-ids.ts):
// a needle decodes the meta and sections of the groups that may hold it, not the whole block's
// (~1.3 ms of CPU per candidate block with format 5, where only the attributes were in groups).
// Meta, messages and attributes are compressed at zstd level 3, ids at level 1: on the bench's blocks
// the groups cost +1.8 % data bytes at level 1, and level 3 pays that back (data -0.04 % against
// format 5, filters +0.7 %, for ~+0.05 µs of encoding per line; ids, random hex, come out larger at
// level 3).
// Format 5 (still readable): as format 4 with the attributes section cut into row groups and the
// token filter split into message/id/stream tokens and attribute tokens (bloom.ts version 2).
// Format 4 (still readable): the attributes section transposed into per-key columns
// (attr-columns.ts), one zstd frame. Format 3: one block stream for all services (the service is part
// of each row's stream tuple), so the lines of one request, which share a trace id, compress
// together. Format 2 (still readable): blocks of one service, the service kept outside the block.
// Meta columns are column-major; rows are sorted by (time, seq). Sections, each zstd-compressed on
// its own so a scan can stop after the cheap one: meta (times, seqs, levels, stream tuples, string
// lengths), messages, ids, attributes (formats 5 and 6 order; formats 2-4: meta, messages,
// attributes, ids). Strings of a column are joined and encoded with one native call; lengths (UTF-16
// units) go in meta.
import { createRequire } from 'node:module';
import { encodeAttrSection } from './attr-columns.js';
import { addTokenHashes, addTokenHashesBytes, TokenSet } from './bloom.js';
import { buildIdBloom } from './bloom-ids.js';
import { ByteWriter } from './bytes.js';
import type { Row, StreamTuple } from './row.js';
import { RowColumns } from './row-columns.js';

export const BLOCK_FORMAT_VERSION = 6;
/** Row groups: ~4 per full block, none smaller than this many rows. */
export const ROW_GROUPS = 4;
const MIN_GROUP_ROWS = 1024;
/** zstd levels of the meta, messages, ids and attributes sections (see the top). */
const ZSTD_LEVELS = [3, 3, 1, 3];
// zstd-napi's documented low-level module (compression into a given buffer); CommonJS whose exports
// ES module named imports cannot see.
const { CCtx, CParameter, compressBound } = createRequire(import.meta.url)(
  'zstd-napi/binding.js',
) as typeof import('zstd-napi/binding.js');
/** One context per level, its parameters set once (Compressor.compress() = compress2 with these). */
const contexts = new Map<number, InstanceType<typeof CCtx>>();
function contextFor(level: number): InstanceType<typeof CCtx> {
  let c = contexts.get(level);
  if (!c) {
    c = new CCtx();
    c.setParameter(CParameter.compressionLevel, level);
    contexts.set(level, c);
  }
  return c;
}
const SECTION_CONTEXTS = ZSTD_LEVELS.map(contextFor);

/**
 * A block's compressed sections, written one after another, and the unsorted rows' messages or ids
 * gathered for compression: buffers reused from block to block (encoding is synchronous), so a block
 * allocates only its data and filter. Compressor.compress() allocated a compressBound-sized output
 * per section and copied the result out of it, and gather() copied the messages and ids of every
 * block whose rows arrive out of time order (every OTLP block: a body groups its records by
 * resource): ~2 MB of dead buffers a block, which an ingest worker freed only at a full collection,
 * in its own malloc arena — the arenas grew with every OTLP block (README, Benchmark).
 */
let packed = Buffer.allocUnsafe(512 * 1024);
let packedLength = 0;
let gathered = Buffer.allocUnsafe(512 * 1024);
/** Scratch grown past this for an outsized block is given back after it. */
const MAX_KEPT_SCRATCH_BYTES = 4 * 1024 * 1024;

/** Compresses section kind k after the block's previous sections (packed); returns its length. */
function compressSection(k: number, section: Uint8Array): number {
  const need = packedLength + compressBound(section.length);
  if (need > packed.length) {
    const next = Buffer.allocUnsafe(Math.max(packed.length * 2, need));
    packed.copy(next, 0, 0, packedLength);
    packed = next;
  }
  const n = SECTION_CONTEXTS[k].compress2(packed.subarray(packedLength), section);
  packedLength += n;
  return n;
}

/** Sections of a row group, in their order. */
export const GROUP_SECTIONS = 4;
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
 * Most row text (rawSize: messages, attributes, ids) in one block, as blockRows bounds its rows: the
 * main thread decodes a block's rows whole (a search materializes every row in range, a merge or a
 * delete all of them), and the image caps its heap at 256 MB: a block of 3,000 rows of 100 KB made
 * every search over it abort the process. Rows of a few KB never reach it.
 */
export const MAX_BLOCK_RAW_BYTES = 32 * 1024 * 1024;

/** Where a block of rows [from, n) of `c` ends: after blockRows rows or MAX_BLOCK_RAW_BYTES of text, at least one row. */
export function blockEnd(c: RowColumns, from: number, n: number, blockRows: number): number {
  const last = Math.min(n, from + blockRows);
  let bytes = c.rawSize(from);
  let end = from + 1;
  for (; end < last; end++) {
    bytes += c.rawSize(end);
    if (bytes > MAX_BLOCK_RAW_BYTES) break;
  }
  return end;
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
  const groupRows = rowGroupRows(n);
  const groups = Math.ceil(n / groupRows);
  const rows: BlockRows = {
    order,
    groupRows,
    blockTuple: new Int32Array(c.tuples.length).fill(-1),
    tuples: [],
    tupleGroup: [],
    tupleOf: new Uint32Array(n),
    tokens: Array.from({ length: groups }, () => new TokenSet(groupRows * 2)),
    idTokens: Array.from({ length: groups }, () => new TokenSet(groupRows)),
    levelCounts: [0, 0, 0, 0, 0, 0],
    serviceIndex: new Map<string, number>(),
    raw: 0,
  };
  indexRows(c, rows);
  // Sized for ~1 distinct attribute token a row and more (bench blocks: 8,600-15,700): the set's
  // rehash as it grows past half full was ~1-2 % of a worker's CPU.
  const attrTokens = new TokenSet(2 * n);
  const lengths: number[] = [];
  packedLength = 0;
  for (let g = 0; g < groups; g++) {
    const j0 = g * groupRows;
    const j1 = Math.min(n, j0 + groupRows);
    const part = order.subarray(j0, j1);
    lengths.push(compressSection(0, encodeMeta(c, rows, j0, j1)));
    lengths.push(compressSection(1, gather(c.msg.buf, c.msgEnd, part, sorted)));
    lengths.push(compressSection(2, gather(c.ids.buf, c.idEnd, part, sorted)));
    lengths.push(compressSection(3, encodeAttrSection(c, part, attrTokens)));
  }
  // [6][row groups u8][rows per group u32][rows u32][length u32 of each group's 4 sections], then
  // the sections, group after group.
  const headerBytes = BLOCK_HEADER_BYTES + 4 * lengths.length;
  const data = Buffer.allocUnsafe(headerBytes + packedLength);
  data[0] = BLOCK_FORMAT_VERSION;
  data[1] = groups;
  data.writeUInt32LE(groupRows, 2);
  data.writeUInt32LE(n, 6);
  for (let i = 0; i < lengths.length; i++) data.writeUInt32LE(lengths[i], BLOCK_HEADER_BYTES + 4 * i);
  packed.copy(data, headerBytes, 0, packedLength);
  if (packed.length > MAX_KEPT_SCRATCH_BYTES) packed = Buffer.allocUnsafe(512 * 1024);
  if (gathered.length > MAX_KEPT_SCRATCH_BYTES) gathered = Buffer.allocUnsafe(512 * 1024);
  const { serviceIndex } = rows;
  const services = [...serviceIndex.keys()].sort();
  for (let i = 0; i < services.length; i++) serviceIndex.set(services[i], i);
  const [minSeq, maxSeq] = seqRange(seq, from, to);
  return {
    data,
    bloom: buildIdBloom(rows.tokens, rows.idTokens, attrTokens),
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

/** Bytes of a format-6 header before the section lengths. */
export const BLOCK_HEADER_BYTES = 10;

/** Rows per row group of an n-row block (at least one group). */
export function rowGroupRows(n: number): number {
  return Math.max(MIN_GROUP_ROWS, Math.ceil(n / ROW_GROUPS));
}

/** What indexRows() finds out about a block's rows. */
interface BlockRows {
  /** Table indexes in block order. */
  order: Uint32Array;
  groupRows: number;
  /** The block's tuple of each of the table's tuples (-1: not used yet), and the block's tuples. */
  blockTuple: Int32Array;
  tuples: StreamTuple[];
  /** The last row group whose filter has each block tuple's tokens. */
  tupleGroup: number[];
  /** Block tuple of each row, in block order. */
  tupleOf: Uint32Array;
  /** Message and stream tokens of each row group. */
  tokens: TokenSet[];
  /** Trace and span id tokens of each row group (bloom version 5 keeps them apart). */
  idTokens: TokenSet[];
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

/** Block tuples, level counts, raw size and each group's tokens of messages, ids and stream tuples. */
function indexRows(c: RowColumns, b: BlockRows): void {
  let raw = 0;
  for (let g = 0, j0 = 0; j0 < b.order.length; g++, j0 += b.groupRows)
    raw += indexGroup(c, b, g, j0, Math.min(b.order.length, j0 + b.groupRows));
  b.raw = raw;
}

function indexGroup(c: RowColumns, b: BlockRows, g: number, j0: number, j1: number): number {
  const { order, blockTuple, tuples, tupleGroup, tupleOf, levelCounts } = b;
  const tokens = b.tokens[g];
  const idTokens = b.idTokens[g];
  const msgBytes = c.msg.buf;
  const idBytes = c.ids.buf;
  const { msgEnd, idEnd, idFlags } = c;
  let raw = 0;
  let prevTrace = -1;
  for (let j = j0; j < j1; j++) {
    const i = order[j];
    const ct = c.tuple[i];
    let t = blockTuple[ct];
    if (t < 0) t = addTuple(c, b, ct);
    if (tupleGroup[t] !== g) {
      tupleGroup[t] = g;
      addTupleTokens(tuples[t], tokens);
    }
    tupleOf[j] = t;
    levelCounts[tuples[t].level]++;
    addTokenHashesBytes(msgBytes, i === 0 ? 0 : msgEnd[i - 1], msgEnd[i], tokens);
    // A request's lines share a trace id: hash it once per run of equal ids.
    const id0 = i === 0 ? 0 : idEnd[i - 1];
    const flags = idFlags[i];
    if (flags & 1) {
      if (prevTrace < 0 || !sameBytes(idBytes, prevTrace, id0, 32))
        addTokenHashesBytes(idBytes, id0, id0 + 32, idTokens);
      prevTrace = id0;
    } else prevTrace = -1;
    if (flags & 2) addTokenHashesBytes(idBytes, idEnd[i] - 16, idEnd[i], idTokens);
    raw += c.rawSize(i);
  }
  return raw;
}

function addTuple(c: RowColumns, b: BlockRows, ct: number): number {
  const t = b.tuples.length;
  b.blockTuple[ct] = t;
  const u = c.tuples[ct];
  b.tuples.push(u);
  b.tupleGroup.push(-1);
  if (!b.serviceIndex.has(u.service)) b.serviceIndex.set(u.service, 0);
  return t;
}

function addTupleTokens(u: StreamTuple, tokens: TokenSet): void {
  addTokenHashes(u.host, tokens);
  addTokenHashes(u.labels, tokens, true);
  addTokenHashes(u.service, tokens);
}

/**
 * The meta section of rows [j0, j1) (block order) with the group's own stream tuples. Column-major:
 * each column's values sit together, which zstd compresses far better.
 */
function encodeMeta(c: RowColumns, b: BlockRows, j0: number, j1: number): Buffer {
  const order = b.order.subarray(j0, j1);
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
  const tuples = groupTuples(b, j0, j1);
  putValues(meta, tuples.tupleOf, undefined);
  putValues(meta, c.msgLen, order);
  putValues(meta, c.attrLen, order);
  putBytes(meta, c.idFlags, order);
  meta.uvarint(tuples.list.length);
  for (const t of tuples.list) {
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

/** The stream tuples rows [j0, j1) use, in order of first use, and each row's index among them. */
function groupTuples(b: BlockRows, j0: number, j1: number): { list: StreamTuple[]; tupleOf: Uint32Array } {
  const local = new Int32Array(b.tuples.length).fill(-1);
  const list: StreamTuple[] = [];
  const tupleOf = new Uint32Array(j1 - j0);
  for (let j = j0; j < j1; j++) {
    const t = b.tupleOf[j];
    let l = local[t];
    if (l < 0) {
      l = list.length;
      local[t] = l;
      list.push(b.tuples[t]);
    }
    tupleOf[j - j0] = l;
  }
  return { list, tupleOf };
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
  // Into the reused scratch: the section is compressed before the next gather().
  if (gathered.length < size) gathered = Buffer.allocUnsafe(Math.max(gathered.length * 2, size));
  const out = gathered;
  let o = 0;
  for (let j = 0; j < order.length; j++) {
    const i = order[j];
    o += bytes.copy(out, o, i === 0 ? 0 : ends[i - 1], ends[i]);
  }
  return out.subarray(0, size);
}

/** (minute, level, count, service index) quadruples of rows sorted by time. */
function countPerMinute(
  ms: Float64Array,
  order: Uint32Array,
  tuples: StreamTuple[],
  tupleOf: Uint32Array,
  serviceIndex: Map<string, number>,
): number[] {
  // level * 65536 + service index of each block tuple, looked up once per tuple rather than per row
  const keyOf = new Int32Array(tuples.length);
  for (let t = 0; t < tuples.length; t++)
    keyOf[t] = tuples[t].level * 65536 + serviceIndex.get(tuples[t].service)!;
  return minuteRuns(ms, order, tupleOf, keyOf);
}

function minuteRuns(ms: Float64Array, order: Uint32Array, tupleOf: Uint32Array, keyOf: Int32Array): number[] {
  const out: number[] = [];
  const slot = new Map<number, number>(); // key -> position of its count in out
  let minute = Number.NaN;
  for (let j = 0; j < order.length; j++) {
    const m = Math.floor(ms[order[j]] / MS_PER_MINUTE);
    if (m !== minute) {
      minute = m;
      slot.clear();
    }
    const key = keyOf[tupleOf[j]];
    const at = slot.get(key);
    if (at !== undefined) out[at]++;
    else {
      slot.set(key, out.length + 2);
      out.push(m, key >>> 16, 1, key & 0xffff);
    }
  }
  return out;
}

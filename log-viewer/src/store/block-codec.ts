// Column block encoding. Format 4: as format 3 with the attributes section transposed into per-key
// columns (attr-columns.ts). Format 3: one block stream for all services (the service is part of each
// row's stream tuple), so the lines of one request, which share a trace id, compress together.
// Format 2 (still readable): blocks of one service, the service kept outside the block. Meta columns
// are column-major; rows are sorted by (time, seq). Sections, each zstd-compressed on its own so a scan can stop after the
// cheap one: meta (times, seqs, levels, stream tuples, string lengths), messages, attributes, ids.
// Strings of a column are joined and encoded with one native call; lengths (UTF-16 units) go in meta.
import { compress } from 'zstd-napi';
import { encodeAttrSection } from './attr-columns.js';
import { addTokenHashes, addTokenHashesBytes, buildBloom, TokenSet } from './bloom.js';
import { ByteWriter } from './bytes.js';
import type { Row, StreamTuple } from './row.js';
import { RowColumns } from './row-columns.js';

export const BLOCK_FORMAT_VERSION = 4;
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

/** Encodes rows [from, to) of a column table as one block (an ingest worker's seal). */
export function encodeColumns(c: RowColumns, from: number, to: number): EncodedBlock {
  const n = to - from;
  const { ms, subNs, seq } = c;
  // Block order: by (time, seq). A stream's rows mostly arrive in that order already.
  const order = new Uint32Array(n);
  let sorted = true;
  for (let j = 0; j < n; j++) {
    const i = from + j;
    order[j] = i;
    if (j > 0 && (ms[i] - ms[i - 1] || subNs[i] - subNs[i - 1] || seq[i] - seq[i - 1]) < 0) sorted = false;
  }
  if (!sorted) order.sort((a, b) => ms[a] - ms[b] || subNs[a] - subNs[b] || seq[a] - seq[b]);
  const meta = new ByteWriter(n * 12 + 256);
  /** The block's tuple of each of the table's tuples (-1: not used yet), and the block's tuples. */
  const blockTuple = new Int32Array(c.tuples.length).fill(-1);
  const tuples: StreamTuple[] = [];
  const tokens = new TokenSet(n * 2);
  const levelCounts = [0, 0, 0, 0, 0, 0];
  const serviceIndex = new Map<string, number>();
  const tupleOf = new Uint32Array(n);
  const msgBytes = c.msg.buf;
  const idBytes = c.ids.buf;
  const { msgEnd, idEnd, idFlags } = c;
  let raw = 0;
  let prevTrace = -1;
  for (let j = 0; j < n; j++) {
    const i = order[j];
    const ct = c.tuple[i];
    let t = blockTuple[ct];
    if (t < 0) {
      t = tuples.length;
      blockTuple[ct] = t;
      const u = c.tuples[ct];
      tuples.push(u);
      addTokenHashes(u.host, tokens);
      addTokenHashes(u.labels, tokens, true);
      if (!serviceIndex.has(u.service)) {
        serviceIndex.set(u.service, 0);
        addTokenHashes(u.service, tokens);
      }
    }
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
  // Column-major: each column's values sit together, which zstd compresses far better.
  const baseMs = ms[order[0]];
  meta.uvarint(n);
  meta.svarint(baseMs);
  for (let j = 0, prev = baseMs; j < n; j++) {
    const v = ms[order[j]];
    meta.uvarint(v - prev);
    prev = v;
  }
  for (let j = 0; j < n; j++) meta.uvarint(subNs[order[j]]);
  for (let j = 0, prev = 0; j < n; j++) {
    const v = seq[order[j]];
    meta.svarint(v - prev);
    prev = v;
  }
  // Observed time against the previous row's: rows of one request share it, so mostly 0.
  for (let j = 0, prev = baseMs; j < n; j++) {
    const v = c.obsMs[order[j]];
    meta.svarint(v - prev);
    prev = v;
  }
  for (let j = 0; j < n; j++) meta.uvarint(c.obsSubNs[order[j]]);
  for (let j = 0; j < n; j++) meta.uvarint(tupleOf[j]);
  for (let j = 0; j < n; j++) meta.uvarint(c.msgLen[order[j]]);
  for (let j = 0; j < n; j++) meta.uvarint(c.attrLen[order[j]]);
  for (let j = 0; j < n; j++) meta.byte(idFlags[order[j]]);
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
    gather(msgBytes, msgEnd, order, sorted),
    encodeAttrSection(c, order, tokens),
    gather(idBytes, idEnd, order, sorted),
  ];
  const compressed = sections.map((s) => compress(s, { compressionLevel: ZSTD_LEVEL }));
  const header = Buffer.alloc(1 + 4 * compressed.length);
  header[0] = BLOCK_FORMAT_VERSION;
  for (let i = 0; i < compressed.length; i++) header.writeUInt32LE(compressed[i].length, 1 + 4 * i);
  const services = [...serviceIndex.keys()].sort();
  for (let i = 0; i < services.length; i++) serviceIndex.set(services[i], i);
  const minuteCounts = countPerMinute(ms, order, tuples, tupleOf, serviceIndex);
  let minSeq = seq[from];
  let maxSeq = seq[from];
  for (let i = from; i < to; i++) {
    if (seq[i] < minSeq) minSeq = seq[i];
    if (seq[i] > maxSeq) maxSeq = seq[i];
  }
  return {
    data: Buffer.concat([header, ...compressed]),
    bloom: buildBloom(tokens),
    service: services.length === 1 ? services[0] : '',
    services,
    rows: n,
    minMs: baseMs,
    maxMs: ms[order[n - 1]],
    minSeq,
    maxSeq,
    levelCounts,
    minuteCounts,
    rawBytes: raw,
  };
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

// Column block encoding. Format 4: as format 3 with the attributes section transposed into per-key
// columns (attr-columns.ts). Format 3: one block stream for all services (the service is part of each
// row's stream tuple), so the lines of one request, which share a trace id, compress together.
// Format 2 (still readable): blocks of one service, the service kept outside the block. Meta columns
// are column-major; rows are sorted by (time, seq). Sections, each zstd-compressed on its own so a scan can stop after the
// cheap one: meta (times, seqs, levels, stream tuples, string lengths), messages, attributes, ids.
// Strings of a column are joined and encoded with one native call; lengths (UTF-16 units) go in meta.
import { compress } from 'zstd-napi';
import { encodeAttrColumns } from './attr-columns.js';
import { addTokenHashes, buildBloom, TokenSet } from './bloom.js';
import { ByteWriter } from './bytes.js';
import { compareRows, type Row, rawSize, type StreamTuple } from './row.js';

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

export function encodeBlock(input: Row[]): EncodedBlock {
  const rows = input.slice().sort(compareRows);
  const meta = new ByteWriter(rows.length * 12 + 256);
  /** service → indexes of its tuples */
  const tupleIndex = new Map<string, number[]>();
  const tuples: StreamTuple[] = [];
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
  let prevTrace = '';
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    // The row's stream tuple: a few candidates per service compared field by field (no key string per row).
    let candidates = tupleIndex.get(r.service);
    if (!candidates) {
      candidates = [];
      tupleIndex.set(r.service, candidates);
    }
    let t: number | undefined;
    for (const c of candidates) {
      const u = tuples[c];
      if (
        u.level === r.level &&
        u.severity === r.severity &&
        u.levelText === r.levelText &&
        u.host === r.host &&
        u.protocol === r.protocol &&
        u.labels === r.labels
      ) {
        t = c;
        break;
      }
    }
    if (t === undefined) {
      t = tuples.length;
      candidates.push(t);
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
    // Attribute tokens are added by encodeAttrColumns (once per distinct key and value text); a
    // request's lines share a trace id, so it is hashed once per run.
    if (r.traceId && r.traceId !== prevTrace) addTokenHashes(r.traceId, tokens);
    prevTrace = r.traceId;
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
    Buffer.from(encodeAttrColumns(attrs, tokens), 'utf8'),
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
  tuples: StreamTuple[],
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

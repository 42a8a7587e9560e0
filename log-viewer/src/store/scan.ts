// Ordered scan over candidate blocks (sealed or open): blocks are opened in order of their time
// bound and their matching rows merged, so records come out in exact (time, seq) order even though
// blocks of different services overlap in time.
import { LEVELS } from '../model.js';
import type { RecordVisitor, ScanQuery, ScanResult } from './log-store.js';
import { type Row, rowMayContain, splitNs, toRecord } from './row.js';

/**
 * Columnar access to a block's rows (BlockReader, or a sorted snapshot of an open block). Once
 * mayContain() has returned an array, ms, subNs, seq and level need hold only the rows it marked
 * (a block reader then decodes only the row groups that may hold the tokens).
 */
export interface RowBatch {
  readonly count: number;
  readonly ms: ArrayLike<number>;
  readonly subNs: ArrayLike<number>;
  readonly seq: ArrayLike<number>;
  readonly level: ArrayLike<number>;
  row(i: number): Row;
  /** Service of row i (blocks hold several services). */
  serviceOf(i: number): string;
  /** Optional fast pre-filter: 1 for rows that may contain every token (those of idTokens in an id). */
  mayContain?(tokens: string[], idTokens?: readonly string[]): Uint8Array | undefined;
}

export interface Candidate {
  minMs: number;
  maxMs: number;
  /** A sealed block over MAX_BLOCK_RAW_BYTES of text: its rows are made one at a time (LazyRow). */
  oversized?: boolean;
  /** Loads the rows; undefined when the block turned out not to match (e.g. by its bloom filter). */
  load(): RowBatch | undefined;
}

export class RowsBatch implements RowBatch {
  readonly count: number;
  readonly ms: Float64Array;
  readonly subNs: Float64Array;
  readonly seq: Float64Array;
  readonly level: Uint8Array;
  constructor(private readonly rows: Row[]) {
    this.count = rows.length;
    this.ms = new Float64Array(rows.map((r) => r.ms));
    this.subNs = new Float64Array(rows.map((r) => r.subNs));
    this.seq = new Float64Array(rows.map((r) => r.seq));
    this.level = new Uint8Array(rows.map((r) => r.level));
  }
  row(i: number): Row {
    return this.rows[i];
  }
  serviceOf(i: number): string {
    return this.rows[i].service;
  }
}

type Pos = [number, number, number];

/**
 * A row of a block over MAX_BLOCK_RAW_BYTES (sealed before 56ae859 bounded blocks by text), made only
 * when the scan visits it: such a block can hold 300 MB of text, and making every row in range first
 * aborted the process under its 256 MB heap even for a search asking for one record.
 */
interface LazyRow {
  ms: number;
  subNs: number;
  seq: number;
  batch: RowBatch;
  i: number;
}
type PendingRow = Row | LazyRow;
const comparePending = (a: PendingRow, b: PendingRow) => a.ms - b.ms || a.subNs - b.subNs || a.seq - b.seq;
const made = (p: PendingRow): Row => ('batch' in p ? p.batch.row(p.i) : p);

function cmpPos(ms: number, sub: number, seq: number, p: Pos): number {
  return ms - p[0] || sub - p[1] || seq - p[2];
}

export function encodeCursor(row: Row): string {
  return `${row.ms}.${row.subNs}.${row.seq}`;
}

export function decodeCursor(cursor: string): Pos | undefined {
  const m = /^(-?\d+)\.(\d+)\.(\d+)$/.exec(cursor);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

export function runScan(candidates: Candidate[], query: ScanQuery, visit: RecordVisitor): ScanResult {
  const desc = query.order === 'desc';
  const [fromMs, fromSub] = splitNs(query.fromNs);
  const [toMs, toSub] = splitNs(query.toNs);
  const from: Pos = [fromMs, fromSub, -1];
  const to: Pos = [toMs, toSub, -1];
  const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
  const minLevel = query.minLevel ? LEVELS.indexOf(query.minLevel) : 0;
  const services = query.services ? new Set(query.services) : undefined;
  const tokens = query.requiredTokens ?? [];
  const limit = query.limit ?? Number.POSITIVE_INFINITY;
  const sorted = candidates
    .filter((c) => {
      if (!cursor) return true;
      return desc ? c.minMs <= cursor[0] : c.maxMs >= cursor[0];
    })
    .sort((a, b) => (desc ? b.maxMs - a.maxMs : a.minMs - b.minMs));
  const result: ScanResult = { visited: 0, truncated: false, blocksScanned: 0, blocksPruned: 0 };
  let pending: PendingRow[] = [];
  let next = 0;
  let ci = 0;
  let last: Row | undefined;
  let stopped = false;
  const emitUntil = (bound: number): void => {
    while (next < pending.length && !stopped) {
      const p = pending[next];
      if (desc ? p.ms <= bound : p.ms >= bound) break;
      next++;
      const r = made(p);
      last = r;
      result.visited++;
      if (!visit(toRecord(r)) || result.visited >= limit) stopped = true;
    }
  };
  while (!stopped) {
    const c = sorted[ci];
    emitUntil(c ? (desc ? c.maxMs : c.minMs) : desc ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY);
    if (stopped || !c) break;
    ci++;
    // A scan resumed from a cursor loads again the blocks the scan that made the cursor had loaded:
    // those reaching past the cursor (every block was loaded before any row beyond its bound was
    // visited). They count against maxBlocks once per search, where they were first loaded.
    const loadedBefore = cursor !== undefined && (desc ? c.maxMs >= cursor[0] : c.minMs <= cursor[0]);
    if (!loadedBefore && query.maxBlocks !== undefined && result.blocksScanned >= query.maxBlocks) {
      // Every row beyond c's bound has been visited; the rest (pending rows included) is c's side of
      // it, where the next scan starts: a cursor even when this one visited no row.
      result.truncated = true;
      result.nextCursor = desc ? `${c.maxMs + 1}.0.0` : `${c.minMs - 1}.999999.${Number.MAX_SAFE_INTEGER}`;
      return result;
    }
    const batch = c.load();
    if (!batch) {
      result.blocksPruned++;
      continue;
    }
    if (!loadedBefore) result.blocksScanned++;
    const found: PendingRow[] = [];
    const lazy = c.oversized === true;
    const candidates = tokens.length > 0 ? batch.mayContain?.(tokens, query.idTokens) : undefined;
    // With candidates, only their rows are visited (found by the native indexOf).
    for (
      let i = candidates ? candidates.indexOf(1) : 0;
      i >= 0 && i < batch.count;
      i = candidates ? candidates.indexOf(1, i + 1) : i + 1
    ) {
      const ms = batch.ms[i];
      const sub = batch.subNs[i];
      const seq = batch.seq[i];
      if (batch.level[i] < minLevel) continue;
      if (services && !services.has(batch.serviceOf(i))) continue;
      if (cmpPos(ms, sub, seq, from) < 0 || cmpPos(ms, sub, seq, to) >= 0) continue;
      if (cursor && (desc ? cmpPos(ms, sub, seq, cursor) >= 0 : cmpPos(ms, sub, seq, cursor) <= 0)) continue;
      if (lazy) {
        if (!candidates && tokens.length > 0 && !rowMayContain(batch.row(i), tokens)) continue;
        found.push({ ms, subNs: sub, seq, batch, i });
        continue;
      }
      const row = batch.row(i);
      if (!candidates && tokens.length > 0 && !rowMayContain(row, tokens)) continue;
      found.push(row);
    }
    if (found.length > 0) {
      pending = pending.slice(next).concat(found);
      next = 0;
      pending.sort(desc ? (a, b) => comparePending(b, a) : comparePending);
    }
  }
  const exhausted = !stopped || (ci >= sorted.length && next >= pending.length);
  if (last && !exhausted) result.nextCursor = encodeCursor(last);
  return result;
}

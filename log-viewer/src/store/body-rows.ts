// A request body (see ingest/body-parsers.ts) as store rows: Row objects for the main thread (reads of
// open rows, replay, no workers) or column tables for an ingest worker; and the summary of a batch of
// rows that the main thread keeps for rows it has not parsed itself (time range, levels, services,
// raw size).
import type { LokiStreams } from '../ingest/loki.js';
import { cutoffMs } from '../ingest/age-cutoff.js';
import { type BodyKind, type BodyOptions, type ParsedBody, parseBody } from '../ingest/body-parsers.js';
import type { BulkItem } from '../ingest/elasticsearch-bulk.js';
import { ndjsonColumns } from './ndjson-rows.js';
import { otlpColumns } from './otlp-rows.js';
import { type Row, rawSize, toRow } from './row.js';
import { RowColumns } from './row-columns.js';

interface Parsed<T> {
  rows: T;
  rejected: number;
  errors: string[];
  /** Elasticsearch bulk: one answer per action. */
  items?: BulkItem[];
  /** Loki: each stream's stored entries (ingest/loki.ts). */
  lokiStreams?: LokiStreams;
}
export type BodyRows = Parsed<Row[]>;
export type BodyColumns = Parsed<RowColumns>;

/** Lines per body byte, roughly, to size a column table once. */
const BYTES_PER_LINE_GUESS = 160;

/**
 * Parses a body into rows numbered seqBase, seqBase + 1, …, added to `rows` (an empty table; an ingest
 * worker reuses a few, so their buffers are not allocated and freed for every body); deterministic
 * for the same inputs. NDJSON takes the scan of ndjson-rows.ts when it can, OTLP protobuf the walk of
 * otlp-rows.ts, the object path otherwise (also when a record is older than options.cutoff: the
 * object path refuses it in the protocol's way).
 */
export function parseBodyColumns(
  kind: BodyKind,
  body: Uint8Array,
  nowNs: bigint,
  seqBase: number,
  rows = new RowColumns(Math.max(16, Math.ceil(body.byteLength / BYTES_PER_LINE_GUESS))),
  options: BodyOptions = {},
): BodyColumns {
  if (kind === 'ndjson') {
    if (ndjsonColumns(body, nowNs, seqBase, rows) && !someTooOld(rows, options))
      return { rows, rejected: 0, errors: [] };
    rows.clear();
  }
  if (kind === 'otlp-protobuf') {
    if (otlpColumns(body, nowNs, seqBase, rows) && !someTooOld(rows, options))
      return { rows, rejected: 0, errors: [] };
    rows.clear();
  }
  // The object path (for NDJSON the exact rows or the exact error of what the scan left). Records
  // go into the table as they are parsed (OTLP), so none outlives a young-generation collection.
  const parsed = parseBody(kind, body, nowNs, (r) => rows.pushRecord(r, seqBase + rows.count), options);
  return {
    rows,
    rejected: parsed.rejected,
    errors: parsed.errors,
    items: parsed.items,
    lokiStreams: parsed.lokiStreams,
  };
}

/** True when a row is older than the cut-off of its service (one comparison per row). */
function someTooOld(c: RowColumns, { cutoff }: BodyOptions): boolean {
  if (!cutoff) return false;
  const min = c.tuples.map((t) => cutoffMs(cutoff, t.service));
  for (let i = 0; i < c.count; i++) if (c.ms[i] < min[c.tuple[i]]) return true;
  return false;
}

/** parseBodyColumns() as Row objects. */
export function parseBodyRows(
  kind: BodyKind,
  body: Uint8Array,
  nowNs: bigint,
  seqBase: number,
  options: BodyOptions = {},
): BodyRows {
  if (kind !== 'ndjson') return toRows(parseBody(kind, body, nowNs, undefined, options), seqBase);
  const parsed = parseBodyColumns(kind, body, nowNs, seqBase, undefined, options);
  return { ...parsed, rows: parsed.rows.rows() };
}

function toRows(parsed: ParsedBody, seqBase: number): BodyRows {
  const rows: Row[] = new Array(parsed.records.length);
  for (let i = 0; i < rows.length; i++) rows[i] = toRow(parsed.records[i], seqBase + i);
  const { rejected, errors, items, lokiStreams } = parsed;
  return { rows, rejected, errors, items, lokiStreams };
}

export interface BatchSummary {
  count: number;
  minMs: number;
  maxMs: number;
  /** Rows per level rank. */
  levelCounts: number[];
  services: string[];
  rawBytes: number;
}

export function summarizeRows(rows: Row[]): BatchSummary {
  let minMs = Number.POSITIVE_INFINITY;
  let maxMs = Number.NEGATIVE_INFINITY;
  const levelCounts = [0, 0, 0, 0, 0, 0];
  const services = new Set<string>();
  let rawBytes = 0;
  for (const r of rows) {
    if (r.ms < minMs) minMs = r.ms;
    if (r.ms > maxMs) maxMs = r.ms;
    levelCounts[r.level]++;
    services.add(r.service);
    rawBytes += rawSize(r);
  }
  return { count: rows.length, minMs, maxMs, levelCounts, services: [...services], rawBytes };
}

/** summarizeRows() of a whole column table. */
export function summarizeColumns(c: RowColumns): BatchSummary {
  let minMs = Number.POSITIVE_INFINITY;
  let maxMs = Number.NEGATIVE_INFINITY;
  const perTuple = new Array<number>(c.tuples.length).fill(0);
  let rawBytes = 0;
  for (let i = 0; i < c.count; i++) {
    const ms = c.ms[i];
    if (ms < minMs) minMs = ms;
    if (ms > maxMs) maxMs = ms;
    perTuple[c.tuple[i]]++;
    rawBytes += c.rawSize(i);
  }
  const levelCounts = [0, 0, 0, 0, 0, 0];
  const services = new Set<string>();
  for (let t = 0; t < perTuple.length; t++) {
    if (perTuple[t] === 0) continue;
    levelCounts[c.tuples[t].level] += perTuple[t];
    services.add(c.tuples[t].service);
  }
  return { count: c.count, minMs, maxMs, levelCounts, services: [...services], rawBytes };
}

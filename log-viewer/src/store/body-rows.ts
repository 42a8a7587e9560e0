// A request body (see ingest/body-parsers.ts) as store rows, and the summary of a batch of rows that
// the main thread keeps for rows it has not parsed itself (time range, levels, services, raw size).
import { type BodyKind, type ParsedBody, parseBody } from '../ingest/body-parsers.js';
import type { BulkItem } from '../ingest/elasticsearch-bulk.js';
import { ndjsonRows } from './ndjson-rows.js';
import { type Row, rawSize, toRow } from './row.js';

export interface BodyRows {
  rows: Row[];
  rejected: number;
  errors: string[];
  /** Elasticsearch bulk: one answer per action. */
  items?: BulkItem[];
}

/**
 * Parses a body into rows numbered seqBase, seqBase + 1, …; deterministic for the same inputs. NDJSON
 * takes the scan of ndjson-rows.ts when it can, the object path otherwise.
 */
export function parseBodyRows(kind: BodyKind, body: Uint8Array, nowNs: bigint, seqBase: number): BodyRows {
  if (kind === 'ndjson') {
    const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
    const rows = ndjsonRows(text, nowNs, seqBase);
    if (rows) return { rows, rejected: 0, errors: [] };
  }
  // The object path (for NDJSON the exact rows or the exact error of what the scan left).
  return toRows(parseBody(kind, body, nowNs), seqBase);
}

function toRows(parsed: ParsedBody, seqBase: number): BodyRows {
  const rows: Row[] = new Array(parsed.records.length);
  for (let i = 0; i < rows.length; i++) rows[i] = toRow(parsed.records[i], seqBase + i);
  return { rows, rejected: parsed.rejected, errors: parsed.errors, items: parsed.items };
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

// A stored record as the read API returns it (the cross-service contract in the team rules):
// timestamp (RFC 3339 with ns), time_ns as a string, snake_case names, plus `seq` for context links.
import type { StoredRecord } from '../model.js';

export interface RecordJson {
  seq: number;
  timestamp: string;
  time_ns: string;
  observed_time_ns: string;
  level: string;
  level_text: string;
  severity: number;
  service: string;
  host: string;
  message: string;
  attributes: StoredRecord['attributes'];
  trace_id: string;
  span_id: string;
  labels: Record<string, string>;
  protocol: string;
}

/** RFC 3339 UTC with all nine fractional digits: 2026-11-25T22:33:20.123456789Z. */
export function formatTimestampNs(ns: bigint): string {
  const ms = ns / 1_000_000n;
  const frac = ((ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n;
  const iso = new Date(Number(ms)).toISOString(); // ...T22:33:20.123Z
  return `${iso.slice(0, 19)}.${frac.toString().padStart(9, '0')}Z`;
}

export function recordJson(r: StoredRecord): RecordJson {
  return {
    seq: r.seq,
    timestamp: formatTimestampNs(r.timeNs),
    time_ns: r.timeNs.toString(),
    observed_time_ns: r.observedNs.toString(),
    level: r.level,
    level_text: r.levelText,
    severity: r.severity,
    service: r.service,
    host: r.host,
    message: r.message,
    attributes: r.attributes,
    trace_id: r.traceId,
    span_id: r.spanId,
    labels: r.labels,
    protocol: r.protocol,
  };
}

// The store's internal row: a LogRecord with times split into safe numbers and attributes/labels
// already serialized, which is what the inbox writes and what a block column holds.
import type { JsonValue, LogRecord, Protocol, StoredRecord } from '../model.js';
import { LEVELS, levelRank } from '../model.js';

export interface Row {
  seq: number;
  /** floor(timeNs / 1e6) and the remaining ns, so no bigint is needed on the hot path. */
  ms: number;
  subNs: number;
  obsMs: number;
  obsSubNs: number;
  /** levelRank() of the level. */
  level: number;
  levelText: string;
  severity: number;
  service: string;
  host: string;
  message: string;
  /** JSON text of the attributes, '' when there are none. */
  attrs: string;
  traceId: string;
  spanId: string;
  /** JSON text of the labels, '' when there are none. */
  labels: string;
  protocol: Protocol;
}

/** The fields a block stores once per distinct combination (its stream tuples), not per row. */
export type StreamTuple = Pick<
  Row,
  'service' | 'host' | 'labels' | 'protocol' | 'levelText' | 'level' | 'severity'
>;

const NS_PER_MS = 1_000_000n;

export function splitNs(ns: bigint): [number, number] {
  let ms = ns / NS_PER_MS;
  let sub = ns % NS_PER_MS;
  if (sub < 0n) {
    sub += NS_PER_MS;
    ms -= 1n;
  }
  return [Number(ms), Number(sub)];
}

export function joinNs(ms: number, subNs: number): bigint {
  return BigInt(ms) * NS_PER_MS + BigInt(subNs);
}

const labelsCache = new WeakMap<object, string>();

/** The JSON text of labels ('' when there are none), cached per labels object (records of a stream share one). */
export function stringifyLabels(labels: Record<string, string>): string {
  if (isEmpty(labels)) return '';
  let s = labelsCache.get(labels);
  if (s === undefined) {
    s = JSON.stringify(labels);
    labelsCache.set(labels, s);
  }
  return s;
}

function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

/** Records of one request share their observed time: split it once. */
let lastObserved = -1n;
let lastObservedSplit: [number, number] = [0, 0];

/** splitNs() of an observed time, cached for the next record of the same request. */
export function splitObservedNs(ns: bigint): [number, number] {
  if (ns !== lastObserved) {
    lastObserved = ns;
    lastObservedSplit = splitNs(ns);
  }
  return lastObservedSplit;
}

export function toRow(r: LogRecord, seq: number): Row {
  const [ms, subNs] = splitNs(r.timeNs);
  const [obsMs, obsSubNs] = r.observedNs === r.timeNs ? [ms, subNs] : splitObservedNs(r.observedNs);
  return {
    seq,
    ms,
    subNs,
    obsMs,
    obsSubNs,
    level: levelRank(r.level),
    levelText: r.levelText,
    severity: r.severity,
    service: r.service,
    host: r.host,
    message: r.message,
    attrs: isEmpty(r.attributes) ? '' : JSON.stringify(r.attributes),
    traceId: r.traceId,
    spanId: r.spanId,
    labels: stringifyLabels(r.labels),
    protocol: r.protocol,
  };
}

export function toRecord(row: Row): StoredRecord {
  return {
    seq: row.seq,
    timeNs: joinNs(row.ms, row.subNs),
    observedNs: joinNs(row.obsMs, row.obsSubNs),
    level: LEVELS[row.level],
    levelText: row.levelText,
    severity: row.severity,
    service: row.service,
    host: row.host,
    message: row.message,
    attributes: row.attrs === '' ? {} : (JSON.parse(row.attrs) as Record<string, JsonValue>),
    traceId: row.traceId,
    spanId: row.spanId,
    labels: row.labels === '' ? {} : (JSON.parse(row.labels) as Record<string, string>),
    protocol: row.protocol,
  };
}

/** Orders rows by time, then seq (the store's total order). */
export function compareRows(a: Row, b: Row): number {
  return a.ms - b.ms || a.subNs - b.subNs || a.seq - b.seq;
}

/** Approximate raw size of a row as shipped, for bytes-per-raw-byte figures. */
export function rawSize(row: Row): number {
  return (
    row.message.length + row.attrs.length + row.host.length + row.traceId.length + row.spanId.length + 48
  );
}

/**
 * Cheap necessary condition for "the record contains every token": each token occurs as a substring
 * of the lowercased text fields. Tokens are word characters, which JSON never escapes.
 */
export function rowMayContain(row: Row, tokens: string[], lowerMessage?: string): boolean {
  let msg: string | undefined = lowerMessage;
  let rest: string | undefined;
  for (const t of tokens) {
    msg ??= row.message.toLowerCase();
    if (msg.includes(t)) continue;
    rest ??=
      `${row.attrs}\n${row.host}\n${row.labels}\n${row.traceId}\n${row.spanId}\n${row.service}`.toLowerCase();
    if (!rest.includes(t)) return false;
  }
  return true;
}

// Request bodies whose parsing the log store may run in a worker thread: the handler hands the store
// the raw bytes and a kind, the store (or its worker) calls parseBody. One table, kind → parser, so
// the durable inbox can keep the body itself and replay it through the same parser after a crash.
import type { LogRecord } from '../model.js';
import { type AgeCutoff, otlpAgeSink, refuseOld } from './age-cutoff.js';
import { bodyText } from './body-text.js';
import { type BulkItem, parseBulk } from './elasticsearch-bulk.js';
import { type LokiHeld, type LokiMarks, type LokiStreams, parseLokiJson, parseLokiProtobuf } from './loki.js';
import { parseNdjsonLogs } from './ndjson.js';
import type { RecordSink } from './otlp-common.js';
import { parseOtlpJson } from './otlp-json.js';
import { parseOtlpProtobuf } from './otlp-protobuf.js';

/** Append only: a kind's index is its byte in the inbox's body frames. */
export const BODY_KINDS = [
  'ndjson',
  'otlp-protobuf',
  'otlp-json',
  'loki-protobuf',
  'loki-json',
  'elasticsearch-bulk',
] as const;
export type BodyKind = (typeof BODY_KINDS)[number];

export interface ParsedBody {
  records: LogRecord[];
  /** Records rejected one by one (OTLP partial success, bulk items, Loki entries over MAX_LINE_BYTES). */
  rejected: number;
  errors: string[];
  /** Elasticsearch bulk: one answer per action, in request order (the response's `items`). */
  items?: BulkItem[];
  /** Loki: each stream's stored entries (loki.ts, duplicates across pushes). */
  lokiStreams?: LokiStreams;
}

/** What a body needs beside its bytes to be parsed the same way again (kept with it in the inbox). */
export interface BodyOptions {
  /** Elasticsearch bulk: the index of `/<index>/_bulk`, for the actions that name none. */
  index?: string;
  /** Records older than this are refused one by one (age-cutoff.ts). */
  cutoff?: AgeCutoff;
  /** Loki: entries the streams' heads already hold, dropped here (loki.ts LokiHeld). */
  lokiHeld?: LokiHeld;
  /** Loki, in frames of the ninth session: the last stored entry of some streams (loki.ts LokiMarks). */
  lokiLast?: LokiMarks;
}

/**
 * Parses a body of `kind` observed at `nowNs`; throws the parser's typed error (ParseError, TooLarge,
 * …). With a sink, the accepted records go to it in order (as each is parsed, for OTLP, so none
 * outlives its turn) and `records` comes back empty; a parser that throws may have handed some over.
 */
export function parseBody(
  kind: BodyKind,
  body: Uint8Array,
  nowNs: bigint,
  sink?: RecordSink,
  options: BodyOptions = {},
): ParsedBody {
  const { cutoff } = options;
  if (kind === 'otlp-protobuf' || kind === 'otlp-json') {
    const records: LogRecord[] = [];
    const aged = cutoff && otlpAgeSink(cutoff, sink ?? ((r) => records.push(r)));
    const take = aged ? aged.sink : sink;
    const parsed =
      kind === 'otlp-protobuf'
        ? parseOtlpProtobuf(body, nowNs, take)
        : parseOtlpJson(bodyText(body), nowNs, take);
    return aged ? aged.finish({ ...parsed, records: sink ? [] : records }) : parsed;
  }
  let parsed = parseWhole(kind, body, nowNs, options);
  if (cutoff) parsed = refuseOld(kind, parsed, cutoff);
  if (sink) {
    for (const r of parsed.records) sink(r);
    parsed.records = [];
  }
  return parsed;
}

function parseWhole(kind: BodyKind, body: Uint8Array, nowNs: bigint, options: BodyOptions): ParsedBody {
  switch (kind) {
    case 'ndjson':
      return { records: parseNdjsonLogs(bodyText(body), nowNs), rejected: 0, errors: [] };
    case 'otlp-protobuf':
      return parseOtlpProtobuf(body, nowNs);
    case 'otlp-json':
      return parseOtlpJson(bodyText(body), nowNs);
    case 'loki-protobuf': // snappy-compressed, as sent (the inbox keeps the compressed body)
      return parseLokiProtobuf(body, nowNs, true, { held: options.lokiHeld, last: options.lokiLast });
    case 'loki-json':
      return parseLokiJson(bodyText(body), nowNs, { held: options.lokiHeld, last: options.lokiLast });
    case 'elasticsearch-bulk': {
      const { records, items } = parseBulk(bodyText(body), nowNs, options.index);
      return { records, rejected: items.length - records.length, errors: [], items };
    }
  }
}

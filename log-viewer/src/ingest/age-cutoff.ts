// Records older than the retention are refused at ingest, one by one, in each protocol's way: they
// used to be acknowledged and then dropped by the next retention pass (issue 4). Loki stores the
// rest of a push and answers 400 naming each stream ("entry too far behind, oldest acceptable
// timestamp is: …", pkg/validation), OTLP counts them in partialSuccess, a bulk document gets its
// own 400 item, /api/logs lists them beside the accepted count. The cut-off is computed once per
// request from its observed time (the store's retention policy) and travels with the body: a replay
// of the inbox refuses exactly what the first parse refused, whatever the configuration is by then.
import type { LogRecord } from '../model.js';
import type { BodyKind, ParsedBody } from './body-parsers.js';
import type { RecordSink } from './otlp-common.js';

export interface AgeCutoff {
  /** Records whose time is before this (ms since the epoch) are refused; absent: no limit. */
  minMs?: number;
  /** Per-service cut-offs overriding minMs; null: that service is kept forever. */
  services?: Record<string, number | null>;
}

/** The cut-off of a service's records (-Infinity: none). */
export function cutoffMs(cutoff: AgeCutoff, service: string): number {
  const s = cutoff.services;
  if (s !== undefined && Object.hasOwn(s, service)) return s[service] ?? Number.NEGATIVE_INFINITY;
  return cutoff.minMs ?? Number.NEGATIVE_INFINITY;
}

const iso = (ms: number) => new Date(ms).toISOString();
const recordMs = (r: LogRecord) => Number(r.timeNs / 1_000_000n);

/** The cut-off a record misses (undefined when it is recent enough). */
function missed(cutoff: AgeCutoff, r: LogRecord): number | undefined {
  const min = cutoffMs(cutoff, r.service);
  return min > Number.NEGATIVE_INFINITY && recordMs(r) < min ? min : undefined;
}

function reason(r: LogRecord, min: number): string {
  return `timestamp ${iso(recordMs(r))} is older than the retention: oldest acceptable timestamp is ${iso(min)}`;
}

/**
 * OTLP: a sink that takes the recent records to `next` and counts the others; `finish` adds them to
 * the result's rejected count and errors (one message for all of them).
 */
export function otlpAgeSink(cutoff: AgeCutoff, next: RecordSink) {
  let refused = 0;
  let first = '';
  return {
    sink(r: LogRecord): void {
      const min = missed(cutoff, r);
      if (min === undefined) next(r);
      else if (refused++ === 0) first = `${reason(r, min)} (service ${JSON.stringify(r.service)})`;
    },
    finish(parsed: ParsedBody): ParsedBody {
      if (refused === 0) return parsed;
      const message = `${refused} log record${refused === 1 ? '' : 's'} older than the retention, the first: ${first}`;
      return { ...parsed, rejected: parsed.rejected + refused, errors: [...parsed.errors, message] };
    },
  };
}

/** A whole-parsed body (NDJSON, Loki, bulk) without its records older than the cut-off, refused the protocol's way. */
export function refuseOld(kind: BodyKind, parsed: ParsedBody, cutoff: AgeCutoff): ParsedBody {
  const records: LogRecord[] = [];
  const old: { r: LogRecord; min: number; index: number }[] = [];
  parsed.records.forEach((r, index) => {
    const min = missed(cutoff, r);
    if (min === undefined) records.push(r);
    else old.push({ r, min, index });
  });
  if (old.length === 0) return parsed;
  if (kind === 'elasticsearch-bulk') {
    // records are the documents of the 201 items, in order
    const refused = new Set(old.map((o) => o.index));
    const reasons = new Map(old.map((o) => [o.index, reason(o.r, o.min)]));
    let doc = 0;
    const items = (parsed.items ?? []).map((item) => {
      if (item.status !== 201) return item;
      const i = doc++;
      if (!refused.has(i)) return item;
      return { ...item, status: 400, error: { type: 'illegal_argument_exception', reason: reasons.get(i)! } };
    });
    return { records, rejected: parsed.rejected + old.length, errors: parsed.errors, items };
  }
  if (kind === 'loki-json' || kind === 'loki-protobuf')
    return { ...parsed, records, ...lokiRefusal(parsed, old) };
  const errors = old.slice(0, 5).map((o) => `record ${o.index + 1}: ${reason(o.r, o.min)}`);
  if (old.length > 5) errors.push(`and ${old.length - 5} more records older than the retention`);
  return { ...parsed, records, rejected: old.length, errors };
}

/** Loki's message, one per stream: "entry with timestamp … ignored, reason: 'entry too far behind, …'". */
function lokiRefusal(parsed: ParsedBody, old: { r: LogRecord; min: number }[]) {
  const streamOf = (r: LogRecord) =>
    `{${Object.entries(r.labels)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(', ')}}`;
  const totals = new Map<string, number>();
  for (const r of parsed.records) totals.set(streamOf(r), (totals.get(streamOf(r)) ?? 0) + 1);
  const perStream = new Map<string, { first: { r: LogRecord; min: number }; n: number }>();
  for (const o of old) {
    const s = streamOf(o.r);
    const seen = perStream.get(s);
    if (seen) seen.n++;
    else perStream.set(s, { first: o, n: 1 });
  }
  const errors = [...perStream]
    .slice(0, 5)
    .map(
      ([stream, { first, n }]) =>
        `entry with timestamp ${iso(recordMs(first.r))} ignored, reason: 'entry too far behind, oldest acceptable timestamp is: ${iso(first.min)}', total ignored: ${n} out of ${totals.get(stream)} for stream: ${stream}`,
    );
  if (perStream.size > 5) errors.push(`and ${perStream.size - 5} more streams with entries too far behind`);
  // added to the entries the parse dropped (over MAX_LINE_BYTES)
  return { rejected: parsed.rejected + old.length, errors: [...parsed.errors, ...errors] };
}

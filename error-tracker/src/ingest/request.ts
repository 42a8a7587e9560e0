// Turns a decoded Sentry ingest body into what the service stores: raw event objects, per-type
// item counts and session counters. Pure; size limits per item are checked here, body limits at
// the edge. Endpoints: `envelope` (/api/<id>/envelope/) and `store` (legacy /api/<id>/store/).
import { createHash, type Hash } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { type JsonObject, parseEnvelope, parseJsonObject } from './envelope.js';
import { IngestParseError, IngestTooLarge } from './errors.js';
import { INVALID, type SessionCounts, sessionAggregatesCounts, sessionCounts } from './sessions.js';

export const MAX_EVENT_BYTES = 1024 * 1024;

export interface RawEvent {
  raw: JsonObject;
  /** The event's JSON bytes as sent (stored as-is; normalization is repeated on read). */
  bytes: Buffer;
  /** event_id from the envelope header (wins over the payload's). */
  envelopeEventId?: string;
}

export interface IngestPayload {
  envelopeHeaders: JsonObject;
  events: RawEvent[];
  itemCounts: Record<string, number>;
  sessions: SessionCounts[];
  /**
   * sha256 of the envelope's attachment items (headers and bytes, in order), when it has any:
   * Sentry counts every attachment, also those sent later under the same event_id, so they are told
   * apart from a retry (which repeats them) by their bytes, not by the event_id alone.
   */
  attachmentsKey?: string;
}

const EVENT_TYPES = new Set(['event']);

// Relay's item types (relay-server envelope ItemType::from_str); any other name is counted as
// `unknown`, as Relay's ItemType::Unknown: a public DSN could otherwise add a counter row per made-up
// name, of any length
const ITEM_TYPES = new Set([
  'event',
  'transaction',
  'security',
  'attachment',
  'form_data',
  'raw_security',
  'nel',
  'unreal_report',
  'user_report',
  'feedback',
  'session',
  'sessions',
  'statsd',
  'metric_buckets',
  'client_report',
  'profile',
  'replay_event',
  'replay_recording',
  'replay_video',
  'check_in',
  'log',
  'otel_log',
  'trace_metric',
  'span',
  'otel_span',
  'otel_traces_data',
  'profile_chunk',
  'integration',
]);
const countedType = (type: string) =>
  ITEM_TYPES.has(type) ? type : type === 'profile_chunk_ui' ? 'profile_chunk' : 'unknown';

/** The envelope header's event_id, checked whatever the items hold (Relay parses it as a UUID:
 * one that is not makes the envelope malformed), normalized to 32 lower-case hex digits. */
function headerEventIdOf(headers: JsonObject): string | undefined {
  const id = headers.event_id;
  if (id === undefined || id === null) return undefined;
  const hex = typeof id === 'string' ? id.replaceAll('-', '').toLowerCase() : '';
  if (!/^[0-9a-f]{32}$/.test(hex))
    throw new IngestParseError(`invalid event_id in the envelope header: ${asciiJson(id).slice(0, 64)}`);
  return hex;
}

/** JSON with every character outside printable ASCII escaped: the message goes into X-Sentry-Error. */
const asciiJson = (value: unknown) =>
  JSON.stringify(value).replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );

export function readEnvelopeBody(body: Buffer): IngestPayload {
  const envelope = parseEnvelope(body);
  const headerEventId = headerEventIdOf(envelope.headers);
  const headers =
    headerEventId === undefined ? envelope.headers : { ...envelope.headers, event_id: headerEventId };
  const out: IngestPayload = { envelopeHeaders: headers, events: [], itemCounts: {}, sessions: [] };
  let attachments: Hash | undefined;
  for (const item of envelope.items) {
    const type = countedType(item.type);
    out.itemCounts[type] = (out.itemCounts[type] ?? 0) + 1;
    if (EVENT_TYPES.has(item.type)) {
      if (item.payload.length > MAX_EVENT_BYTES) {
        throw new IngestTooLarge(`event is larger than ${MAX_EVENT_BYTES} bytes`, MAX_EVENT_BYTES);
      }
      const raw = parseJsonObject(item.payload, 'event payload');
      // the payload's type decides, as on /store/: a transaction sent in an event item is counted
      // as a transaction, not grouped as an error into one "<unlabeled event>" issue
      if (raw.type === 'transaction') {
        countAs(out, item.type, 'transaction');
        continue;
      }
      out.events.push({ raw, bytes: item.payload, envelopeEventId: headerEventId });
    } else if (item.type === 'session') {
      const counts = sessionCounts(safeJson(item.payload));
      if (counts === INVALID) countInvalid(out, item.type);
      else if (counts) out.sessions.push(counts);
    } else if (item.type === 'sessions') {
      const counts = sessionAggregatesCounts(safeJson(item.payload));
      if (counts === INVALID) countInvalid(out, item.type);
      else out.sessions.push(...counts);
    } else if (item.type === 'attachment') {
      attachments ??= createHash('sha256');
      attachments.update(`${JSON.stringify(item.headers)}\n${item.payload.length}\n`).update(item.payload);
    }
    // transaction, client_report, attachment, check_in and unknown types: counted only
  }
  if (attachments) out.attachmentsKey = attachments.digest('hex');
  return out;
}

/** Legacy /store/: one JSON event, or base64 (of zlib) JSON from old raven clients, or an envelope. */
export function readStoreBody(body: Buffer, contentType: string | undefined): IngestPayload {
  if ((contentType ?? '').toLowerCase().startsWith('application/x-sentry-envelope')) {
    return readEnvelopeBody(body);
  }
  if (body.length > MAX_EVENT_BYTES) {
    throw new IngestTooLarge(`event is larger than ${MAX_EVENT_BYTES} bytes`, MAX_EVENT_BYTES);
  }
  const bytes = unwrapLegacy(body);
  const raw = parseJsonObject(bytes, 'event');
  const type = typeof raw.type === 'string' ? raw.type : 'event';
  const isEvent = type === 'event' || type === 'error' || type === 'default';
  return {
    envelopeHeaders: {},
    events: isEvent ? [{ raw, bytes }] : [],
    itemCounts: { [isEvent ? 'event' : countedType(type)]: 1 },
    sessions: [],
  };
}

function unwrapLegacy(body: Buffer): Buffer {
  const start = body.subarray(0, 64).toString('utf8').trimStart();
  if (start.startsWith('{') || body.length === 0) return body;
  const decoded = Buffer.from(body.toString('ascii').trim(), 'base64');
  if (decoded.length === 0) throw new IngestParseError('event is neither JSON nor base64');
  if (decoded[0] === 0x7b) return decoded;
  try {
    return inflateSync(decoded, { maxOutputLength: MAX_EVENT_BYTES });
  } catch (err) {
    // the cap stops inflating: an event over 1 MiB decompressed, a 413 as on the other paths
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new IngestTooLarge(`event is larger than ${MAX_EVENT_BYTES} bytes`, MAX_EVENT_BYTES);
    }
    throw new IngestParseError('event is neither JSON, base64 JSON nor base64 zlib JSON');
  }
}

/** An item Relay would reject is dropped, the rest of the envelope kept: counted as `invalid`
 * (Relay's outcome) instead of under its type. */
function countInvalid(out: IngestPayload, type: string): void {
  countAs(out, type, INVALID);
}

/** Moves one item's count from the type it was sent as to the one it is counted as. */
function countAs(out: IngestPayload, sentAs: string, countedAs: string): void {
  if (--out.itemCounts[sentAs] === 0) delete out.itemCounts[sentAs];
  out.itemCounts[countedAs] = (out.itemCounts[countedAs] ?? 0) + 1;
}

function safeJson(payload: Buffer): JsonObject | null {
  try {
    return parseJsonObject(payload, 'item');
  } catch {
    return null;
  }
}

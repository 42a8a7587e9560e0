// The CPU-heavy half of accepting: parse the (decoded) body, normalize each event and compute its
// facts and compressed payload. Pure apart from the id generator; runs inline or in a worker.
import { createHash } from 'node:crypto';
import { decodeBody } from '../ingest/decode.js';
import { IngestParseError, IngestTooLarge, IngestUnsupportedEncoding } from '../ingest/errors.js';
import { limitEventDepth } from '../ingest/depth-limit.js';
import { withModernNames } from '../ingest/legacy-names.js';
import { envelopeClockDrift, isObject, normalizeEvent } from '../ingest/normalize.js';
import { type IngestPayload, readEnvelopeBody, readStoreBody } from '../ingest/request.js';
import { scrubEvent } from '../ingest/scrub.js';
import type { SessionCounts } from '../ingest/sessions.js';
import { payloadAsSent } from '../store/codec.js';
import type { InboxEntry } from '../store/store.js';
import { type EventAsSent, prepareEvent } from './prepare.js';

export interface PrepareInput {
  endpoint: 'envelope' | 'store';
  projectId: number;
  body: Buffer;
  contentType?: string;
  contentEncoding?: string;
  clientIp?: string;
  nowMs: number;
}

export interface PreparedPayload {
  entries: InboxEntry[];
  itemCounts: Record<string, number>;
  sessions: SessionCounts[];
  headerEventId: string | null;
  /** The envelope header's `dsn`, checked against a key presented outside the body. */
  envelopeDsn: string | null;
  /** What makes a retry of this request recognizable (AcceptBatch.countsKey). */
  countsKey: string | null;
}

export const MAX_DECODED_BYTES = 20 * 1024 * 1024;

export function preparePayload(input: PrepareInput, newEventId: () => string): PreparedPayload {
  const body = decodeBody(input.body, input.contentEncoding, MAX_DECODED_BYTES);
  const payload =
    input.endpoint === 'envelope' ? readEnvelopeBody(body) : readStoreBody(body, input.contentType);
  const entries: InboxEntry[] = [];
  const sentAt = payload.envelopeHeaders.sent_at;
  const clockDrifted = sentAt !== undefined && envelopeClockDrift(sentAt, input.nowMs) !== 0;
  for (const e of payload.events) {
    // events are stored as sent and normalized again on read, unless normalizing used the
    // connection's address ({{auto}}) or the envelope's sent_at (a clock drift), which are only
    // known now, or nesting had to be trimmed, or a value had to be scrubbed (as Relay, before it is
    // stored: the bytes as sent would keep it in the database), or it used raven-era interface
    // names (the scrubber reads the modern ones)
    const raw = scrubEvent(limitEventDepth(withModernNames(e.raw)));
    const asSent =
      raw === e.raw && !clockDrifted && !(isObject(raw.user) && raw.user.ip_address === '{{auto}}');
    const event = normalizeEvent(raw, {
      receivedAtMs: input.nowMs,
      sentAt,
      envelopeEventId: e.envelopeEventId,
      clientIp: input.clientIp,
      newEventId,
      factsOnly: asSent,
    });
    entries.push(
      prepareEvent(
        event,
        input.projectId,
        input.nowMs,
        asSent ? eventAsSent(input, body, e.bytes, onlyItemIsEvent(payload)) : undefined,
      ),
    );
  }
  const headerId = payload.envelopeHeaders.event_id;
  const dsn = payload.envelopeHeaders.dsn;
  return {
    entries,
    itemCounts: payload.itemCounts,
    sessions: payload.sessions,
    headerEventId: typeof headerId === 'string' ? headerId : null,
    envelopeDsn: typeof dsn === 'string' ? dsn : null,
    countsKey: countsKeyOf(input, payload, body),
  };
}

/** None when the request holds events only (the digest counts the events it stores). Else the
 * envelope header's event_id; else, for an envelope without events and without session aggregates
 * (two flushes can repeat byte for byte), a hash of its bytes: @sentry/node sends session updates
 * and spans without an event_id, and a retry resends the same bytes. */
function countsKeyOf(input: PrepareInput, payload: IngestPayload, decoded: Buffer): string | null {
  let onlyEvents = true;
  for (const type in payload.itemCounts) if (type !== 'event') onlyEvents = false;
  if (onlyEvents) return null;
  const headerId = payload.envelopeHeaders.event_id;
  if (typeof headerId === 'string')
    return payload.attachmentsKey ? `${headerId}:${payload.attachmentsKey}` : headerId;
  if (input.endpoint !== 'envelope' || payload.events.length > 0 || payload.itemCounts.sessions) return null;
  return createHash('sha256').update(decoded).digest('hex');
}

/** Whether the body holds one item, an event: only then may it be stored as received. Any other
 * item (an attachment, a user report, a session) would be kept in errors.db byte for byte, out of
 * the scrubber's reach, although it is only counted (Relay stores the event alone). */
function onlyItemIsEvent(payload: IngestPayload): boolean {
  let items = 0;
  for (const type in payload.itemCounts) {
    if (type !== 'event') return false;
    items += payload.itemCounts[type];
  }
  return items === 1;
}

/** The compressed body as received when it holds just this event and codec.ts finds it worth
 * keeping (payloadAsSent), else the event's bytes within the `decoded` body. */
function eventAsSent(input: PrepareInput, decoded: Buffer, event: Buffer, onlyItem: boolean): EventAsSent {
  const offset = event.byteOffset - decoded.byteOffset;
  const inBody = event.buffer === decoded.buffer && offset >= 0 && offset + event.length <= decoded.length;
  const payload =
    onlyItem && inBody && decoded !== input.body
      ? payloadAsSent(input.body, input.contentEncoding, {
          offset,
          length: event.length,
          decodedLength: decoded.length,
        })
      : null;
  return payload ? { payload } : { json: event };
}

/** Ingest errors as plain data, to cross a worker boundary. */
export interface SerializedError {
  kind: 'parse' | 'too_large' | 'encoding' | 'other';
  message: string;
  position?: number;
  limitBytes?: number;
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof IngestParseError) return { kind: 'parse', message: err.message, position: err.position };
  if (err instanceof IngestTooLarge)
    return { kind: 'too_large', message: err.message, limitBytes: err.limitBytes };
  if (err instanceof IngestUnsupportedEncoding) return { kind: 'encoding', message: err.message };
  return { kind: 'other', message: (err as Error)?.message ?? String(err) };
}

export function deserializeError(e: SerializedError): Error {
  if (e.kind === 'parse') {
    const err = new IngestParseError('', 0);
    return Object.assign(err, { message: e.message, position: e.position ?? 0 });
  }
  if (e.kind === 'too_large')
    return Object.assign(new IngestTooLarge('', 0), { message: e.message, limitBytes: e.limitBytes ?? 0 });
  if (e.kind === 'encoding') return Object.assign(new IngestUnsupportedEncoding(''), { message: e.message });
  return new Error(e.message);
}

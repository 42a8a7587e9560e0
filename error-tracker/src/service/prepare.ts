// From a normalized event to what the inbox stores: its facts (grouping key, title, culprit, tags,
// user, trace) and its compressed JSON. Runs on the accept path: CPU only, no I/O.
import { describeEvent } from '../grouping/describe.js';
import { exceptionsOf } from '../grouping/event-shape.js';
import { groupEvent } from '../grouping/grouping.js';
import { isObject } from '../ingest/normalize.js';
import type { Level } from '../model.js';
import { compressPayload } from '../store/codec.js';
import { userValuesOf } from '../store/user-values.js';
import type { EventFacts, InboxEntry } from '../store/store.js';

const MAX_TAGS = 50;
const TRACE_ID = /^[0-9a-f]{32}$/;

/**
 * The event as the SDK sent it: a finished payload (the compressed request body kept as sent,
 * store/codec.ts) or the event's JSON bytes, which prepareEvent() compresses.
 */
export type EventAsSent = { payload: Buffer } | { json: Buffer };

/**
 * `asSent` is stored instead of re-serializing the normalized object, because normalization is
 * repeated on read; it is omitted when normalizing used the connection's IP, which is not.
 */
export function prepareEvent(
  event: Record<string, unknown>,
  projectId: number,
  receivedAtMs: number,
  asSent?: EventAsSent,
): InboxEntry {
  const exceptions = exceptionsOf(event);
  const grouping = groupEvent(event, exceptions);
  const description = describeEvent(event, exceptions);
  const release = str(event.release);
  const environment = str(event.environment);
  const userKey = userKeyOf(event.user);
  const facts: EventFacts = {
    eventId: event.event_id as string,
    timestampMs: Date.parse(event.timestamp as string),
    level: event.level as Level,
    platform: event.platform as string,
    title: description.title,
    culprit: description.culprit,
    type: description.type,
    message: description.message,
    release,
    environment,
    traceId: traceIdOf(event),
    userKey,
    tags: tagsOf(event, userKey),
    groupingHash: grouping.hash,
    groupingVersion: grouping.version,
  };
  const userValues = userValuesOf(event.user);
  if (userValues.length > 0) facts.userValues = userValues;
  if (grouping.legacyHashes.length > 0) facts.legacyGroupingHashes = grouping.legacyHashes;
  const payload =
    asSent && 'payload' in asSent ? asSent.payload : compressPayload(asSent?.json ?? JSON.stringify(event));
  return { projectId, receivedAtMs, eventId: facts.eventId, factsJson: JSON.stringify(facts), payload };
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value.slice(0, 200) : null;
}

function userKeyOf(user: unknown): string | null {
  if (!isObject(user)) return null;
  for (const [field, prefix] of [
    ['id', 'id'],
    ['email', 'email'],
    ['username', 'username'],
    ['ip_address', 'ip'],
  ] as const) {
    const v = user[field];
    if ((typeof v === 'string' && v !== '') || typeof v === 'number') return `${prefix}:${v}`.slice(0, 200);
  }
  return null;
}

function traceIdOf(event: Record<string, unknown>): string | null {
  const contexts = isObject(event.contexts) ? event.contexts : {};
  const trace = isObject(contexts.trace) ? contexts.trace : {};
  const id = typeof trace.trace_id === 'string' ? trace.trace_id.replaceAll('-', '').toLowerCase() : '';
  return TRACE_ID.test(id) ? id : null;
}

function tagsOf(event: Record<string, unknown>, userKey: string | null): [string, string][] {
  const tags = new Map<string, string>();
  const put = (k: string, v: unknown) => {
    const s = str(v);
    if (s !== null && tags.size < MAX_TAGS) tags.set(k, s);
  };
  put('level', event.level);
  put('release', event.release);
  put('environment', event.environment);
  put('server_name', event.server_name);
  put('transaction', event.transaction);
  put('user', userKey);
  const contexts = isObject(event.contexts) ? event.contexts : {};
  for (const name of ['runtime', 'os', 'browser']) {
    const c = contexts[name];
    if (isObject(c) && typeof c.name === 'string') {
      put(name, typeof c.version === 'string' ? `${c.name} ${c.version.trim()}` : c.name);
      if (name !== 'runtime') put(`${name}.name`, c.name);
    }
  }
  // Sentry's context tags: `device` is the model; `url` is request.url without its query
  if (isObject(contexts.device)) put('device', contexts.device.model);
  if (isObject(event.request) && typeof event.request.url === 'string') {
    put('url', event.request.url.replace(/[?#].*$/s, ''));
  }
  if (isObject(event.tags)) for (const [k, v] of Object.entries(event.tags)) put(k, v);
  return [...tags];
}

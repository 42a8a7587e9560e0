// Sentry event normalization (develop.sentry.dev event payloads, 2026): brings the shapes SDKs
// send into one form and keeps every unknown field. Pure: clock, ids and client IP are inputs.
//   raven-era names (sentry.interfaces.Message, .Exception, .Http, .User, ...) -> the modern ones
//   exception: {values:[...]} | [...] | single object  -> {values:[...]}
//   message: string | {message, params, formatted}; logentry {...} -> logentry + message string
//   message: null or a list -> none (not the text "null"); release: a number -> its text; release and
//     environment trimmed, empty -> none (Relay's LenientString, trim_whitespace, nonempty)
//   tags: object | [[k, v], ...] -> object of strings; breadcrumbs: {values} | [...] -> {values}
//   timestamps: RFC 3339 (UTC assumed without zone) or epoch seconds -> RFC 3339; a time outside
//     1970..9999 is treated as absent (the event's falls back to the received time); an event time
//     more than 60 s after or 30 days before the received time is a wrong clock (Relay's rule):
//     the received time, breadcrumbs moved by the same amount, noted in _meta.timestamp; with the
//     envelope's sent_at 55 minutes or more off, every time moves by that drift first
//   nesting deeper than depth-limit.ts allows -> "[Object]" / "[Array]"
//   values under password/secret/token/auth… keys in frame vars, extra, request, breadcrumb data
//     -> "[Filtered]" (scrub.ts, Sentry's default data scrubber)
//   request.headers User-Agent, when no browser context was sent -> the missing browser, os and
//     device contexts (user-agent.ts, as Relay)
import type { Level } from '../model.js';
import { limitEventDepth } from './depth-limit.js';
import type { JsonObject } from './envelope.js';
import { IngestParseError } from './errors.js';
import { withModernNames } from './legacy-names.js';
import { scrubEvent } from './scrub.js';
import { parseUserAgent } from './user-agent.js';

export interface NormalizeContext {
  receivedAtMs: number;
  /** The envelope header's event_id, which wins over the payload's. */
  envelopeEventId?: string;
  clientIp?: string;
  /** The envelope header's `sent_at`: corrects a client clock off by 55 minutes or more. */
  sentAt?: unknown;
  /** Used when the event carries no event_id (legacy clients). */
  newEventId: () => string;
  /**
   * Skip the bulky parts grouping never reads (breadcrumbs, threads): for the accept path, which
   * stores the bytes as sent and normalizes them fully on read. Also skips the depth limit: that
   * caller applies limitEventDepth() and withModernNames() itself first, to know whether the
   * bytes as sent may be kept.
   */
  factsOnly?: boolean;
}

const LEVEL_ALIASES: Record<string, Level> = {
  fatal: 'fatal',
  critical: 'fatal',
  error: 'error',
  warning: 'warning',
  warn: 'warning',
  info: 'info',
  log: 'info',
  debug: 'debug',
};
const MAX_TAG_CHARS = 200;

export function normalizeEvent(input: JsonObject, ctx: NormalizeContext): JsonObject {
  const raw = ctx.factsOnly ? input : withModernNames(limitEventDepth(input));
  const event: JsonObject = { ...raw };
  event.event_id = normalizeEventId(ctx.envelopeEventId ?? raw.event_id, ctx.newEventId);
  const clock = correctClock(toIsoTimestamp(raw.timestamp), ctx);
  event.timestamp = clock.timestamp;
  event.received = new Date(ctx.receivedAtMs).toISOString();
  if (clock.note)
    event._meta = { ...(isObject(raw._meta) ? raw._meta : {}), timestamp: { '': { err: [clock.note] } } };
  const drift = clock.driftMs;
  event.level = LEVEL_ALIASES[String(raw.level ?? 'error').toLowerCase()] ?? 'error';
  event.platform = typeof raw.platform === 'string' && raw.platform ? raw.platform : 'other';
  if (raw.exception !== undefined) event.exception = normalizeValues(raw.exception);
  normalizeMessage(event, raw);
  normalizeReleaseAndEnvironment(event, raw);
  if (raw.tags !== undefined) event.tags = normalizeTags(raw.tags);
  addUserAgentContexts(event);
  if (!ctx.factsOnly) {
    if (raw.breadcrumbs !== undefined) event.breadcrumbs = normalizeBreadcrumbs(raw.breadcrumbs, drift);
    if (raw.threads !== undefined) event.threads = normalizeValues(raw.threads);
  }
  if (isObject(raw.user) && raw.user.ip_address === '{{auto}}') {
    event.user = { ...raw.user, ip_address: ctx.clientIp ?? null };
  }
  if (event.fingerprint !== undefined && !isStringList(event.fingerprint)) {
    event.fingerprint = Array.isArray(event.fingerprint)
      ? event.fingerprint.map((p) => String(p))
      : undefined;
  }
  // Sentry's default server-side scrubber; facts-only events are scrubbed when read (normalized in full)
  return ctx.factsOnly ? event : scrubEvent(event);
}

export function normalizeEventId(value: unknown, newEventId: () => string): string {
  if (value === undefined || value === null || value === '') return newEventId();
  const id = String(value).replaceAll('-', '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(id))
    throw new IngestParseError(`invalid event_id: ${String(value).slice(0, 64)}`);
  return id;
}

// Times a clock can honestly send: from the epoch to the last one RFC 3339's four-digit year
// writes. Outside it are broken clocks and wrong units (milliseconds sent as seconds land in the
// year 50,000), and beyond a Date's ±8.64e15 ms toISOString() throws.
const MIN_TIME_MS = 0;
const END_TIME_MS = Date.UTC(10_000, 0, 1);

// Relay's clock rules and defaults: its ClockDriftProcessor moves every time of an event by the
// difference between the envelope's sent_at and the received time when that is 55 minutes or
// more; then normalize_timestamps (max_secs_in_future 60, max_secs_in_past 30 days) moves an event
// time still out of bounds to the received time. Both note it in _meta.timestamp.
const MIN_CLOCK_DRIFT_MS = 55 * 60_000;
const MAX_MS_IN_FUTURE = 60_000;
const MAX_MS_IN_PAST = 30 * 86_400_000;

/** Whether an event time (ms) is from a wrong clock: more than 60 s after or 30 days before the
 * received time (Relay's defaults); such an event gets the received time. */
export function isWrongClock(eventMs: number, receivedMs: number): boolean {
  return eventMs > receivedMs + MAX_MS_IN_FUTURE || eventMs < receivedMs - MAX_MS_IN_PAST;
}

/** The envelope's clock drift: received - sent_at when at least 55 minutes apart, else 0. An
 * event so corrected is stored normalized: the read path has no envelope header. */
export function envelopeClockDrift(sentAt: unknown, receivedAtMs: number): number {
  const sentIso = typeof sentAt === 'string' ? toIsoTimestamp(sentAt) : null;
  const drift = sentIso === null ? 0 : receivedAtMs - Date.parse(sentIso);
  return Math.abs(drift) >= MIN_CLOCK_DRIFT_MS ? drift : 0;
}

interface ClockCorrection {
  timestamp: string;
  /** Milliseconds every other time of the event moves by. */
  driftMs: number;
  /** Relay's `_meta` error: [kind, {sdk_time, server_time}]. */
  note: [string, { sdk_time: string; server_time: string }] | null;
}

function correctClock(sent: string | null, ctx: NormalizeContext): ClockCorrection {
  const received = ctx.receivedAtMs;
  const server_time = new Date(received).toISOString();
  const envelopeDrift = envelopeClockDrift(ctx.sentAt, received);
  const shifted = sent === null ? null : isoInRange(Date.parse(sent) + envelopeDrift);
  const ms = shifted === null ? received : Date.parse(shifted);
  if (sent !== null && isWrongClock(ms, received)) {
    const kind = ms > received ? 'future_timestamp' : 'past_timestamp';
    return {
      timestamp: server_time,
      driftMs: received - Date.parse(sent),
      note: [kind, { sdk_time: sent, server_time }],
    };
  }
  const note: ClockCorrection['note'] =
    envelopeDrift === 0
      ? null
      : ['clock_drift', { sdk_time: new Date(received - envelopeDrift).toISOString(), server_time }];
  return { timestamp: shifted ?? server_time, driftMs: envelopeDrift, note };
}

/** RFC 3339 string or epoch seconds → RFC 3339 UTC; null when absent, unparseable or out of range. */
export function toIsoTimestamp(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return isoInRange(Math.round(value * 1000));
  if (typeof value === 'string' && value !== '') {
    if (/^\d+(\.\d+)?$/.test(value)) return toIsoTimestamp(Number(value));
    const hasZone = /(Z|[+-]\d\d:?\d\d)$/i.test(value);
    return isoInRange(Date.parse(hasZone ? value : `${value}Z`));
  }
  return null;
}

function isoInRange(ms: number): string | null {
  return ms >= MIN_TIME_MS && ms < END_TIME_MS ? new Date(ms).toISOString() : null;
}

function normalizeValues(value: unknown): JsonObject {
  if (Array.isArray(value)) return { values: value.filter(isObject) };
  if (isObject(value)) {
    if (Array.isArray(value.values)) return { ...value, values: value.values.filter(isObject) };
    if ('type' in value || 'value' in value || 'stacktrace' in value) return { values: [value] };
  }
  return { values: [] };
}

function normalizeMessage(event: JsonObject, raw: JsonObject): void {
  const entry = isObject(raw.logentry) ? raw.logentry : isObject(raw.message) ? raw.message : null;
  if (entry) {
    const template = typeof entry.message === 'string' ? entry.message : '';
    const formatted =
      typeof entry.formatted === 'string' && entry.formatted !== ''
        ? entry.formatted
        : formatMessage(template, entry.params);
    event.logentry = { ...entry, formatted };
    event.message = formatted;
  } else if (typeof raw.message === 'string') {
    event.logentry = { formatted: raw.message };
  } else if (typeof raw.message === 'number' || typeof raw.message === 'boolean') {
    event.message = String(raw.message);
  } else if (raw.message !== undefined) {
    // null or a list: no message, as Relay drops a value of the wrong type (was the text "null")
    delete event.message;
  }
}

/**
 * As Relay's schema: `release` is a lenient string (a number or boolean is its text: an SDK
 * initialised with `release=123` sends a JSON number), both are trimmed, and an empty one is none.
 * Another type is left as sent and read as no release.
 */
function normalizeReleaseAndEnvironment(event: JsonObject, raw: JsonObject): void {
  const release =
    typeof raw.release === 'number' || typeof raw.release === 'boolean' ? String(raw.release) : raw.release;
  for (const [key, value] of [
    ['release', release],
    ['environment', raw.environment],
  ] as const) {
    if (typeof value !== 'string') continue;
    const trimmed = value.trim();
    if (trimmed === '') delete event[key];
    else event[key] = trimmed;
  }
}

/** Best-effort interpolation of printf-style (`%s`, `%d`, `%r`) or `{name}` parameters. */
export function formatMessage(template: string, params: unknown): string {
  if (Array.isArray(params)) {
    let i = 0;
    return template.replace(/%[sdifr%]/g, (m) =>
      m === '%%' ? '%' : i < params.length ? paramText(params[i++]) : m,
    );
  }
  if (isObject(params)) {
    return template.replace(/\{(\w+)\}|%\((\w+)\)[sdifr]/g, (m, a, b) => {
      const key = a ?? b;
      return key in params ? paramText(params[key]) : m;
    });
  }
  return template;
}

function paramText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function normalizeTags(tags: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const put = (k: unknown, v: unknown) => {
    if (k === undefined || k === null || v === undefined || v === null) return;
    const key = String(k).slice(0, MAX_TAG_CHARS);
    out[key] = (typeof v === 'string' ? v : JSON.stringify(v)).slice(0, MAX_TAG_CHARS);
  };
  if (Array.isArray(tags)) {
    for (const pair of tags) if (Array.isArray(pair) && pair.length >= 2) put(pair[0], pair[1]);
  } else if (isObject(tags)) {
    for (const [k, v] of Object.entries(tags)) put(k, v);
  }
  return out;
}

/** `drift`: milliseconds to move each time by (the event's clock was wrong, see clockDrift). */
function normalizeBreadcrumbs(value: unknown, drift: number): JsonObject {
  const list = Array.isArray(value)
    ? value
    : isObject(value) && Array.isArray(value.values)
      ? value.values
      : [];
  return {
    values: list.filter(isObject).map((b) => {
      if (b.timestamp === undefined) return b;
      const ts = toIsoTimestamp(b.timestamp);
      const moved = ts !== null && drift !== 0 ? isoInRange(Date.parse(ts) + drift) : ts;
      if (moved) return { ...b, timestamp: moved };
      // a time nobody can read (out of range, unparseable) is dropped rather than shown raw
      const { timestamp: _, ...rest } = b;
      return rest;
    }),
  };
}

/** Only when the SDK sent no browser context (the browser SDKs send the UA in request.headers). */
function addUserAgentContexts(event: JsonObject): void {
  const contexts = isObject(event.contexts) ? event.contexts : undefined;
  if (contexts && isObject(contexts.browser)) return;
  const ua = isObject(event.request) ? headerOf(event.request.headers, 'user-agent') : undefined;
  if (!ua) return;
  const parsed = parseUserAgent(ua);
  let filled: JsonObject | undefined;
  for (const name of ['browser', 'os', 'device'] as const) {
    const context = parsed[name];
    if (context && !isObject(contexts?.[name])) {
      filled ??= { ...contexts };
      filled[name] = { ...context, type: name };
    }
  }
  if (filled) event.contexts = filled;
}

/** A header from Sentry's request.headers: an object, or a list of [name, value] pairs. */
function headerOf(headers: unknown, lowerName: string): string | undefined {
  const pairs = Array.isArray(headers) ? headers : isObject(headers) ? Object.entries(headers) : [];
  for (const pair of pairs) {
    if (Array.isArray(pair) && typeof pair[0] === 'string' && pair[0].toLowerCase() === lowerName) {
      return typeof pair[1] === 'string' ? pair[1] : undefined;
    }
  }
  return undefined;
}

export function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

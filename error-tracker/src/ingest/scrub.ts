// Server-side data scrubbing of an event's free-form values, as Sentry's default scrubber does it
// (Relay's `@password` rule, "Data Scrubber" on by default in a project's security settings): the
// value of any key whose name contains password, secret, passwd, api_key, apikey, auth,
// credentials, mysql_pwd, privatekey, private_key or token (any case) becomes "[Filtered]" (not a
// boolean, null or "": Relay's selector takes strings, numbers, arrays and objects), in stack
// frame vars, `extra`, `request.data`, `request.headers`, `request.cookies`, `request.env` and
// breadcrumb data; nested objects are walked. Cookies named like a framework's session or CSRF
// cookie (Relay's SENSITIVE_COOKIES) are filtered too, also within a Cookie header or a cookie
// string (Relay parses both into request.cookies). Sentry's PII rules for values (credit card numbers,
// IP addresses) are not copied: they need per-project settings. Pure; returns the input itself when
// nothing matched (no copy on the common path).
import type { JsonObject } from './envelope.js';

export const FILTERED = '[Filtered]';
const SENSITIVE_KEY =
  /password|secret|passwd|api_key|apikey|auth|credentials|mysql_pwd|privatekey|private_key|token/i;
/** Walk depth: the event was depth-limited already; this only bounds the work. */
const MAX_DEPTH = 20;

type Json = JsonObject[string];

/** copy (or a copy of src made now) with [i] = v: arrays are copied only once something changed. */
function replaced(copy: Json[] | undefined, src: Json[], i: number, v: Json): Json[] {
  const out = copy ?? src.slice();
  out[i] = v;
  return out;
}

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key);
}

/** Relay's SENSITIVE_COOKIES (relay-pii convert.rs): session and CSRF cookies of common frameworks. */
const SENSITIVE_COOKIES = new Set([
  'sentrysid',
  'sudo',
  'su',
  'session',
  '__session',
  'sessionid',
  'user_session',
  'symfony',
  'phpsessid',
  'fasthttpsessionid',
  'mysession',
  'irissessionid',
  '_vercel_jwt',
  'csrf',
  'xsrf',
  '_xsrf',
  '_csrf',
  'csrf-token',
  'csrf_token',
  'xsrf-token',
  'xsrf_token',
  'fastcsrf',
  '_iris_csrf',
]);

const isSensitiveCookie = (name: string) =>
  isSensitiveKey(name) || SENSITIVE_COOKIES.has(name.trim().toLowerCase());

/** What a sensitive key's value becomes: Relay's rule does not apply to booleans and null; "" stays. */
const filtered = (v: Json): Json => (v === null || v === '' || typeof v === 'boolean' ? v : FILTERED);

/** "a=1; sessionid=2" with the values of sensitive cookies filtered; the same string when none. */
function scrubCookieString(text: string): string {
  let changed = false;
  const parts = text.split(';').map((part) => {
    const eq = part.indexOf('=');
    if (eq < 0 || !isSensitiveCookie(part.slice(0, eq)) || part.slice(eq + 1).trim() === '') return part;
    changed = true;
    return `${part.slice(0, eq + 1)}${FILTERED}`;
  });
  return changed ? parts.join(';') : text;
}

/** value with every member under a sensitive key filtered; the same value when none matched. */
export function scrubValue(value: Json, depth = 0): Json {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let out: Json[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = scrubValue(value[i], depth + 1);
      if (v !== value[i]) out = replaced(out, value, i, v);
    }
    return out ?? value;
  }
  const obj = value as JsonObject;
  let out: JsonObject | undefined;
  for (const key in obj) {
    const v = obj[key];
    const scrubbed = isSensitiveKey(key) ? filtered(v) : scrubValue(v, depth + 1);
    if (scrubbed !== v) {
      out ??= { ...obj };
      out[key] = scrubbed;
    }
  }
  return out ?? obj;
}

/** A name → value map, as an object or as [[name, value], …] (request headers and cookies), with
 * each value through `each`; the same value when nothing changed. */
function scrubNamed(value: Json, each: (name: string, v: Json) => Json): Json {
  if (Array.isArray(value)) {
    let out: Json[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const pair = value[i];
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string') continue;
      const v = each(pair[0], pair[1]);
      if (v !== pair[1]) out = replaced(out, value, i, [pair[0], v]);
    }
    return out ?? value;
  }
  if (!isObject(value)) return value;
  let out: JsonObject | undefined;
  for (const key in value) {
    const v = each(key, value[key]);
    if (v === value[key]) continue;
    out ??= { ...value };
    out[key] = v;
  }
  return out ?? value;
}

const headerValue = (name: string, v: Json): Json => {
  if (isSensitiveKey(name)) return filtered(v);
  return typeof v === 'string' && name.toLowerCase() === 'cookie' ? scrubCookieString(v) : v;
};
const cookieValue = (name: string, v: Json): Json => (isSensitiveCookie(name) ? filtered(v) : v);

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The frames' vars of one exception or thread list ({values:[{stacktrace:{frames}}]}). */
function scrubStacktraces(container: Json | undefined): Json | undefined {
  if (!isObject(container) || !Array.isArray(container.values)) return container;
  let values: Json[] | undefined;
  container.values.forEach((entry, i) => {
    if (!isObject(entry) || !isObject(entry.stacktrace) || !Array.isArray(entry.stacktrace.frames)) return;
    const frames = entry.stacktrace.frames;
    let newFrames: Json[] | undefined;
    frames.forEach((frame, j) => {
      if (!isObject(frame) || frame.vars === undefined) return;
      const vars = scrubValue(frame.vars);
      if (vars !== frame.vars) newFrames = replaced(newFrames, frames, j, { ...frame, vars });
    });
    if (newFrames)
      values = replaced(values, container.values as Json[], i, {
        ...entry,
        stacktrace: { ...entry.stacktrace, frames: newFrames },
      });
  });
  return values ? { ...container, values } : container;
}

/** The event with its sensitive values filtered (a shallow copy where something changed). */
export function scrubEvent(event: JsonObject): JsonObject {
  let out: JsonObject | undefined;
  const set = (key: string, value: Json | undefined) => {
    if (value === event[key]) return;
    out ??= { ...event };
    out[key] = value as Json;
  };
  set('exception', scrubStacktraces(event.exception));
  set('threads', scrubStacktraces(event.threads));
  if (event.extra !== undefined) set('extra', scrubValue(event.extra));
  const request = event.request;
  if (isObject(request)) {
    let r: JsonObject | undefined;
    for (const key of ['data', 'env'] as const) {
      if (request[key] === undefined) continue;
      const v = scrubValue(request[key]);
      if (v === request[key]) continue;
      r ??= { ...request };
      r[key] = v;
    }
    for (const key of ['headers', 'cookies'] as const) {
      const before = request[key];
      if (before === undefined) continue;
      const v =
        key === 'headers'
          ? scrubNamed(before, headerValue)
          : typeof before === 'string'
            ? scrubCookieString(before)
            : scrubNamed(before, cookieValue);
      if (v === before) continue;
      r ??= { ...request };
      r[key] = v;
    }
    if (r) set('request', r);
  }
  const crumbs = event.breadcrumbs;
  if (isObject(crumbs) && Array.isArray(crumbs.values)) {
    const list = crumbs.values;
    let values: Json[] | undefined;
    list.forEach((crumb, i) => {
      if (!isObject(crumb) || crumb.data === undefined) return;
      const data = scrubValue(crumb.data);
      if (data !== crumb.data) values = replaced(values, list, i, { ...crumb, data });
    });
    if (values) set('breadcrumbs', { ...crumbs, values });
  }
  return out ?? event;
}

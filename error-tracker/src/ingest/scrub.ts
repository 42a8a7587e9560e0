// Server-side data scrubbing of an event's free-form values, as Sentry's default scrubber does it
// (Relay's `@password` rule, "Data Scrubber" on by default in a project's security settings): the
// value of any key whose name contains password, secret, passwd, api_key, apikey, auth,
// credentials, mysql_pwd, privatekey, private_key or token (any case) becomes "[Filtered]", in stack
// frame vars, `extra`, `request.data`, `request.headers`, `request.cookies`, `request.env` and
// breadcrumb data; nested objects are walked. Sentry's PII rules for values (credit card numbers,
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
    const scrubbed = isSensitiveKey(key) && v !== null && v !== '' ? FILTERED : scrubValue(v, depth + 1);
    if (scrubbed !== v) {
      out ??= { ...obj };
      out[key] = scrubbed;
    }
  }
  return out ?? obj;
}

/** [[name, value], …] with the values of sensitive names filtered (request headers and cookies). */
function scrubPairs(value: Json): Json {
  if (!Array.isArray(value)) return scrubValue(value);
  let out: Json[] | undefined;
  for (let i = 0; i < value.length; i++) {
    const pair = value[i];
    if (Array.isArray(pair) && pair.length === 2 && typeof pair[0] === 'string' && isSensitiveKey(pair[0])) {
      out = replaced(out, value, i, [pair[0], FILTERED]);
    }
  }
  return out ?? value;
}

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
      if (request[key] === undefined) continue;
      const v = scrubPairs(request[key]);
      if (v === request[key]) continue;
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

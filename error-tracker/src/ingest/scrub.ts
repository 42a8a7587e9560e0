// Server-side data scrubbing as Relay's defaults (relay-pii convert.rs to_pii_config for a new
// project's DataScrubbingConfig: scrubData and scrubDefaults on, scrubIpAddresses off), applied
// before an event is stored. Pure; returns the input itself when nothing matched (no copy).
//
// Rules ("@common:filter" plus SENSITIVE_COOKIES), each writing "[Filtered]":
//  - key rule (@password: PASSWORD_KEY_REGEX and TOKEN_KEY_REGEX): the value under a key naming a
//    password, secret, api key, auth, credentials, private key, token, otp or two-factor code.
//    Relay's selector takes strings, numbers, arrays and objects: booleans, null and the strings
//    "", "true", "false", "null", "undefined" stay. Relay removes a non-string (null plus a _meta
//    note); we have no _meta, so it reads "[Filtered]" too.
//  - value rules, on the match within a string: credit card numbers (Relay's @creditcard regex; we
//    also ask the Luhn check, so a 16-digit order id is kept), PEM key bodies (@pemkey), US SSNs
//    (@usssn), Bearer tokens (@password's BEARER_TOKEN_REGEX), the password of a URL (@urlauth:legacy),
//    and "Basic <base64 of user:password>" (not in Relay, which filters it only under an
//    Authorization key).
//  - session and CSRF cookies of common frameworks (SENSITIVE_COOKIES), in request.cookies, a
//    Cookie header or a cookie string (Relay parses both into cookies).
// Where (the fields Relay's schema marks pii = "true"): stack frame vars, extra, request (data,
// query_string and the URL's query, headers, cookies, env), breadcrumb message and data, user
// (id, email and ip_address are not sensitive keys and no default rule matches them: kept), and
// contexts that are not one of Relay's typed contexts (a context under a sensitive name goes whole).
// Not: tags (pii = "maybe": Relay's default selectors skip them), exception values and messages
// ($error.value, $logentry.formatted are excluded), frame paths and context lines.
// Not copied: PASSWORD_KEY_REGEX on values, which filters a whole string merely containing "auth",
// "secret", ... ("User authenticated" would read "[Filtered]"), @iban and @userpath.
// Events are read normalized or as sent (exception, threads and breadcrumbs as bare lists too).
// One file, past the usual size: the value rules split into a module of their own cost ~3 % more
// per event (a call across modules per string).
import type { JsonObject } from './envelope.js';

export const FILTERED = '[Filtered]';
/** Bumped when the rules filter more: events stored before are rewritten in the background
 * (store/rescrub.ts). 1: the key rule (f5399ba, 512b613); 2: Relay's value rules and fields. */
export const SCRUB_VERSION = 2;
const SENSITIVE_KEY =
  /password|secret|passwd|api[-_]?key|auth|credentials|mysql_pwd|private[-_]?key|token|^otp$|^two[-_]factor$/i;
/** Walk depth: the event was depth-limited already; this only bounds the work. */
const MAX_DEPTH = 20;

type Json = JsonObject[string];

/** Keys repeat from event to event (JSON.parse interns them): a verdict is looked up, not matched. */
const keyVerdicts = new Map<string, boolean>();
const MAX_CACHED_KEYS = 4096;

export function isSensitiveKey(key: string): boolean {
  let verdict = keyVerdicts.get(key);
  if (verdict === undefined) {
    verdict = SENSITIVE_KEY.test(key);
    if (keyVerdicts.size >= MAX_CACHED_KEYS) keyVerdicts.clear();
    keyVerdicts.set(key, verdict);
  }
  return verdict;
}

const PEM_KEY =
  /(-----BEGIN[A-Z ]+(?:PRIVATE|PUBLIC) KEY-----[\t ]*\r?\n?)[\s\S]+?(\r?\n?-----END[A-Z ]+(?:PRIVATE|PUBLIC) KEY-----)/g;
const PEM_END = /-----END[A-Z ]+(?:PRIVATE|PUBLIC) KEY-----/g;

/** PEM_KEY's lazy body ran to the end of the text from every BEGIN without an END after it, so
 * BEGIN lines repeated were quadratic (black-box 10 #9 addendum: 99 s at 928 KB). No match can end
 * after the last END line: PEM_KEY runs on the text up to it, where every BEGIN finds its END. */
function scrubPemKeys(text: string): string {
  let end = 0;
  PEM_END.lastIndex = 0;
  for (let m = PEM_END.exec(text); m !== null; m = PEM_END.exec(text)) {
    end = Math.max(end, m.index + m[0].length);
    PEM_END.lastIndex = m.index + 1; // END lines may overlap ("KEY-------END …")
  }
  if (end === 0) return text;
  return text.slice(0, end).replace(PEM_KEY, `$1${FILTERED}$2`) + text.slice(end);
}
const URL_PASSWORD = /\b((?:[a-z0-9]+:)?\/\/[a-zA-Z0-9%_.-]+:)[a-zA-Z0-9%_.-]+@/g;
const BEARER = /\bBearer\s+\S+/gi;
const BASIC = /\bBasic\s+([A-Za-z0-9+/]{4,}={0,2})(?![A-Za-z0-9+/=])/gi;
const CREDIT_CARD = /\b(?:3[47]\d|4\d{3}|5[1-5]\d\d|65\d\d|6011)(?:[-\s]?\d){12}\b/g;
const US_SSN = /\b\d{3}-\d{2}-\d{4}\b/g;
/** True of every string a value rule matches, and cheap (one test, anchored on word boundaries
 * or rare characters): most strings fail it, and only those that pass are matched rule by rule. */
const VALUE_HINT = new RegExp(
  `${CREDIT_CARD.source}|${US_SSN.source}|@|-----|[Bb][Ee][Aa][Rr][Ee][Rr]\\s|[Bb][Aa][Ss][Ii][Cc]\\s`,
);
/** The shortest string a value rule matches: "//a:b@". */
const MIN_MATCH_CHARS = 6;

function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let i = digits.length - 1, double = false; i >= 0; i--, double = !double) {
    let d = digits.charCodeAt(i) - 48;
    if (double) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

const isBasicCredentials = (b64: string) => Buffer.from(b64, 'base64').toString('latin1').includes(':');

/** The string with the value rules' matches filtered; the same string when none matched. */
export function scrubString(text: string): string {
  if (text.length < MIN_MATCH_CHARS || !VALUE_HINT.test(text)) return text;
  return scrubPemKeys(text)
    .replace(URL_PASSWORD, `$1${FILTERED}@`)
    .replace(BEARER, FILTERED)
    .replace(BASIC, (m, b64: string) => (isBasicCredentials(b64) ? FILTERED : m))
    .replace(CREDIT_CARD, (m) => (passesLuhn(m.replace(/\D/g, '')) ? FILTERED : m))
    .replace(US_SSN, FILTERED);
}

/** copy (or a copy of src made now) with [i] = v: arrays are copied only once something changed. */
function replaced(copy: Json[] | undefined, src: Json[], i: number, v: Json): Json[] {
  const out = copy ?? src.slice();
  out[i] = v;
  return out;
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

/** Strings Relay's process_string leaves alone, whatever their key. */
const KEPT_STRINGS = new Set(['', 'true', 'false', 'null', 'undefined']);

/** What a sensitive key's value becomes: booleans, null and KEPT_STRINGS stay. */
const filtered = (v: Json): Json =>
  v === null || typeof v === 'boolean' || (typeof v === 'string' && KEPT_STRINGS.has(v)) ? v : FILTERED;

/** "a=1<sep>password=2" with the values under sensitive names filtered and the rest through the
 * value rules; the same string when nothing changed. Cookie strings (";") and query strings ("&"). */
function scrubPairString(text: string, sep: string, sensitive: (name: string) => boolean): string {
  if (!text.includes('=')) return scrubString(text);
  let changed = false;
  const parts = text.split(sep).map((part) => {
    const eq = part.indexOf('=');
    if (eq < 0) return part;
    const value = part.slice(eq + 1);
    const name = sep === '&' ? safeDecode(part.slice(0, eq)) : part.slice(0, eq);
    const out = sensitive(name) ? (value.trim() === '' ? value : FILTERED) : scrubString(value);
    if (out === value) return part;
    changed = true;
    return `${part.slice(0, eq + 1)}${out}`;
  });
  return changed ? parts.join(sep) : text;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replaceAll('+', ' '));
  } catch {
    return s;
  }
}

const scrubCookieString = (text: string) => scrubPairString(text, ';', isSensitiveCookie);
const scrubQueryString = (text: string) => scrubPairString(text, '&', isSensitiveKey);

/** A URL with its query's sensitive parameters and its password filtered (Relay moves the query
 * to query_string and scrubs it there; we keep the URL whole). */
function scrubUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return scrubString(url);
  const hash = url.indexOf('#', q);
  const end = hash < 0 ? url.length : hash;
  const query = url.slice(q + 1, end);
  const scrubbedQuery = scrubQueryString(query);
  const head = scrubString(url.slice(0, q));
  if (scrubbedQuery === query && head === url.slice(0, q)) return url;
  return `${head}?${scrubbedQuery}${url.slice(end)}`;
}

/** value with every member under a sensitive key filtered and every string through the value
 * rules; the same value when nothing matched. */
export function scrubValue(value: Json, depth = 0): Json {
  if (typeof value === 'string') return scrubString(value);
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
    // leaves inline: a call per number or short string is most of the walk's cost
    let scrubbed: Json;
    if (isSensitiveKey(key)) scrubbed = filtered(v);
    else if (typeof v === 'string') scrubbed = v.length < MIN_MATCH_CHARS ? v : scrubString(v);
    else if (typeof v === 'object' && v !== null) scrubbed = scrubValue(v, depth + 1);
    else continue;
    if (scrubbed !== v) {
      out ??= { ...obj };
      out[key] = scrubbed;
    }
  }
  return out ?? obj;
}

/** A name → value map, as an object or as [[name, value], …] (request headers, cookies, query
 * pairs), with each value through `each`; the same value when nothing changed. */
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
  if (typeof v !== 'string') return scrubValue(v);
  return name.toLowerCase() === 'cookie' ? scrubCookieString(v) : scrubString(v);
};
const cookieValue = (name: string, v: Json): Json => (isSensitiveCookie(name) ? filtered(v) : scrubValue(v));
const pairValue = (name: string, v: Json): Json => (isSensitiveKey(name) ? filtered(v) : scrubValue(v));

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A request body as sent: an object, or a string holding JSON or a form. */
function scrubBody(data: Json): Json {
  if (typeof data !== 'string') return scrubValue(data);
  const trimmed = data.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      const parsed = JSON.parse(data) as Json;
      const scrubbed = scrubValue(parsed);
      return scrubbed === parsed ? data : JSON.stringify(scrubbed);
    } catch {
      return scrubString(data);
    }
  }
  return scrubQueryString(data);
}

/** The parts of a request (or a response context) that hold what a user sent. */
function scrubRequest(request: JsonObject): JsonObject {
  let r: JsonObject | undefined;
  const set = (key: string, v: Json) => {
    if (v === request[key]) return;
    r ??= { ...request };
    r[key] = v;
  };
  for (const key in request) {
    const before = request[key];
    if (before === undefined || before === null) continue;
    if (key === 'data') set(key, scrubBody(before));
    else if (key === 'env') set(key, scrubValue(before));
    else if (key === 'headers') set(key, scrubNamed(before, headerValue));
    else if (key === 'cookies')
      set(key, typeof before === 'string' ? scrubCookieString(before) : scrubNamed(before, cookieValue));
    else if (key === 'query_string')
      set(key, typeof before === 'string' ? scrubQueryString(before) : scrubNamed(before, pairValue));
    else if (key === 'url' && typeof before === 'string') set(key, scrubUrl(before));
  }
  return r ?? request;
}

/** The frames' vars of one stack trace ({frames:[…]}); the same object when none changed. */
function scrubFrames(stacktrace: Json | undefined): Json | undefined {
  if (!isObject(stacktrace) || !Array.isArray(stacktrace.frames)) return stacktrace;
  const frames = stacktrace.frames;
  let newFrames: Json[] | undefined;
  for (let j = 0; j < frames.length; j++) {
    const frame = frames[j];
    if (!isObject(frame) || frame.vars === undefined) continue;
    const vars = scrubValue(frame.vars);
    if (vars !== frame.vars) newFrames = replaced(newFrames, frames, j, { ...frame, vars });
  }
  return newFrames ? { ...stacktrace, frames: newFrames } : stacktrace;
}

/** An entry's (an exception's, a thread's) frames' vars; the same entry when none changed. */
function scrubEntry(entry: Json): Json {
  if (!isObject(entry)) return entry;
  const stacktrace = scrubFrames(entry.stacktrace);
  return stacktrace === entry.stacktrace ? entry : ({ ...entry, stacktrace } as Json);
}

/** Each entry of a list, as sent ([…]) or normalized ({values:[…]}); the same list when none changed. */
function scrubList(container: Json | undefined, each: (entry: Json) => Json): Json | undefined {
  const list = Array.isArray(container) ? container : isObject(container) ? container.values : undefined;
  if (!Array.isArray(list)) return container;
  let values: Json[] | undefined;
  for (let i = 0; i < list.length; i++) {
    const v = each(list[i]);
    if (v !== list[i]) values = replaced(values, list, i, v);
  }
  if (!values) return container;
  return Array.isArray(container) ? values : { ...(container as JsonObject), values };
}

/** Exceptions or threads as normalized ({values}), as sent (a list), or one exception alone. */
function scrubStacktraces(container: Json | undefined): Json | undefined {
  if (isObject(container) && !Array.isArray(container.values)) return scrubEntry(container);
  return scrubList(container, scrubEntry);
}

/** Relay's typed contexts (relay-event-schema Context): their fields are typed, the extra keys
 * are not scrubbed by the default rules; only a context of another type is a free-form bag. */
const TYPED_CONTEXTS = new Set([
  'app',
  'browser',
  'cloud_resource',
  'device',
  'flags',
  'gpu',
  'monitor',
  'nel',
  'os',
  'otel',
  'performance_score',
  'profile',
  'replay',
  'response',
  'runtime',
  'spring',
  'trace',
]);

function scrubContexts(contexts: JsonObject): JsonObject {
  let out: JsonObject | undefined;
  for (const name in contexts) {
    const ctx = contexts[name];
    let v: Json;
    if (isSensitiveKey(name)) v = filtered(ctx);
    else if (!isObject(ctx)) v = ctx;
    else {
      const type = typeof ctx.type === 'string' ? ctx.type : name;
      if (type === 'response') v = scrubRequest(ctx);
      else v = TYPED_CONTEXTS.has(type) ? ctx : scrubValue(ctx);
    }
    if (v === ctx) continue;
    out ??= { ...contexts };
    out[name] = v;
  }
  return out ?? contexts;
}

function scrubCrumb(crumb: Json): Json {
  if (!isObject(crumb)) return crumb;
  const data = crumb.data === undefined ? undefined : scrubValue(crumb.data);
  const message = typeof crumb.message === 'string' ? scrubString(crumb.message) : crumb.message;
  if (data === crumb.data && message === crumb.message) return crumb;
  const copy: JsonObject = { ...crumb };
  if (data !== undefined) copy.data = data;
  if (message !== undefined) copy.message = message;
  return copy;
}

/** The event, normalized or as sent (lists bare or in {values}), with its sensitive values
 * filtered (a shallow copy where something changed). Stable: scrubbing twice changes nothing more. */
export function scrubEvent(event: JsonObject): JsonObject {
  let out: JsonObject | undefined;
  const set = (key: string, value: Json | undefined) => {
    if (value === event[key]) return;
    out ??= { ...event };
    out[key] = value as Json;
  };
  if (event.exception !== undefined) set('exception', scrubStacktraces(event.exception));
  if (event.threads !== undefined) set('threads', scrubStacktraces(event.threads));
  if (event.stacktrace !== undefined) set('stacktrace', scrubFrames(event.stacktrace));
  if (event.extra !== undefined) set('extra', scrubValue(event.extra));
  if (event.user !== undefined) set('user', scrubValue(event.user));
  if (isObject(event.request)) set('request', scrubRequest(event.request));
  if (isObject(event.contexts)) set('contexts', scrubContexts(event.contexts));
  if (event.breadcrumbs !== undefined) set('breadcrumbs', scrubList(event.breadcrumbs, scrubCrumb));
  return out ?? event;
}

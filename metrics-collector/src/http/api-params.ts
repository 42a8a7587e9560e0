// Request parameters of the Prometheus HTTP API (web/api/v1/api.go of 2.42): form values from the
// URL and a form-encoded POST body (body first, like Go's r.FormValue), times as Unix seconds or
// RFC 3339, durations as seconds or Prometheus durations, with Prometheus' error messages.
import { PromQLError } from '../promql/errors.js';
import { parseDurationMs } from '../promql/literals.js';
import { parseExpr } from '../promql/parse.js';
import type { LabelMatcher } from '../promql/sample-source.js';

/** Prometheus' minTime/maxTime sentinels, clamped to what a JS Date can hold. */
export const MIN_TIME_MS = -8_640_000_000_000_000;
export const MAX_TIME_MS = 8_640_000_000_000_000;

export class FormParams {
  private readonly params: URLSearchParams;

  constructor(url: string, body: Buffer | string | undefined) {
    const text = Buffer.isBuffer(body) ? body.toString('utf8') : (body ?? '');
    this.params = new URLSearchParams(text);
    // The query string of the request target, as URL.searchParams reads it, without a WHATWG URL
    // parse per request (a POST form usually has none). The leading '&' keeps a second '?' part
    // of the first name, where URLSearchParams would strip it.
    const q = url.indexOf('?');
    if (q < 0) return;
    const hash = url.indexOf('#', q);
    const query = `&${url.slice(q + 1, hash < 0 ? undefined : hash)}`;
    for (const [k, v] of new URLSearchParams(query)) this.params.append(k, v);
  }

  get(name: string): string | undefined {
    return this.params.get(name) ?? undefined;
  }

  getAll(name: string): string[] {
    return this.params.getAll(name);
  }
}

export function badData(message: string): PromQLError {
  return new PromQLError('bad_data', message);
}

function invalidParam(name: string, message: string): PromQLError {
  return badData(`invalid parameter "${name}": ${message}`);
}

/** Unix seconds (float) or RFC 3339 → ms; `fallback` when absent. */
export function parseTimeParam(p: FormParams, name: string, fallback?: number): number {
  const raw = p.get(name);
  if ((raw === undefined || raw === '') && fallback !== undefined) return fallback;
  return engineMs(requiredTime(p, name, fallback !== undefined));
}

/**
 * A time parameter as 2.42's time.Time: ns since Go's internal epoch (year 1), from int64 seconds
 * that wrap where Go's do. `wrapped`: the error as parseTimeParam words it (optional times), else
 * as parseTime (query_range's start and end).
 */
export function requiredTime(p: FormParams, name: string, wrapped = false): bigint {
  const raw = p.get(name) ?? '';
  const ns = parseTimeNs(raw);
  if (ns === undefined) {
    const prefix = wrapped ? `Invalid time value for '${name}': ` : '';
    throw invalidParam(name, `${prefix}cannot parse "${raw}" to a valid timestamp`);
  }
  return ns;
}

/** Go's unixToInternal: seconds from year 1 to 1970. */
const UNIX_TO_INTERNAL_NS = 62_135_596_800n * 1_000_000_000n;

/** The engine's ms of a time: t.UnixNano() (wraps past year 2262) / 1e6. */
export const engineMs = (ns: bigint): number => Number(wrap64(ns - UNIX_TO_INTERNAL_NS) / 1_000_000n);

/** time.Time.Sub: saturates at the int64 bounds. */
export function subNs(end: bigint, start: bigint): bigint {
  const d = end - start;
  return d > INT64_MAX ? INT64_MAX : d < INT64_MIN ? INT64_MIN : d;
}

/** Go's math.Round: halves away from zero (Math.round takes -0.5 to -0). */
const goRound = (x: number) => Math.sign(x) * Math.round(Math.abs(x));

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** Go's int64(f) on amd64 (CVTTSD2SQ): truncated; NaN, ±Inf and out of range give MinInt64. */
const goInt64 = (f: number): bigint => (Math.abs(f) < 2 ** 63 ? BigInt(Math.trunc(f)) : INT64_MIN);
const wrap64 = (v: bigint) => BigInt.asIntN(64, v);

/** strconv.ParseFloat's decimal syntax (underscores between digits too) and its words (inf and
 * infinity with a sign, nan without). Hexadecimal floats (0x1p3) are not taken here. */
const DIGITS = '\\d+(?:_\\d+)*';
const GO_FLOAT = new RegExp(
  `^(?:[+-]?(?:(?:${DIGITS}(?:\\.(?:${DIGITS})?)?|\\.${DIGITS})(?:[eE][+-]?${DIGITS})?|inf|infinity)|nan)$`,
  'i',
);

/** strconv.ParseFloat: undefined on bad syntax and on overflow (1e400, where Number gives Infinity). */
function goParseFloat(raw: string): number | undefined {
  if (!GO_FLOAT.test(raw)) return undefined;
  if (/n/i.test(raw)) return /a/i.test(raw) ? Number.NaN : raw.startsWith('-') ? -Infinity : Infinity;
  const v = Number(raw.replaceAll('_', ''));
  return Number.isFinite(v) ? v : undefined;
}

/**
 * Unix seconds → ns exactly as 2.42's parseTime: math.Modf, the fraction rounded to ms half away
 * from zero, time.Unix(int64(s), int64(ns)) with Go's int64 conversions and time.Unix's
 * normalization. So -0.0005 is -1 ms, and seconds past year 2262 wrap in the engine (1e10 is
 * -8446744073709 ms), as 2.42 answers them.
 */
function secondsToNs(t: number): bigint {
  const whole = Number.isFinite(t) ? Math.trunc(t) : t;
  const frac = goRound((t - whole) * 1000) / 1000;
  let sec = goInt64(whole);
  let nsec = goInt64(frac * 1e9);
  if (nsec < 0n || nsec >= 1_000_000_000n) {
    const n = nsec / 1_000_000_000n;
    sec = wrap64(sec + n);
    nsec -= n * 1_000_000_000n;
    if (nsec < 0n) {
      nsec += 1_000_000_000n;
      sec = wrap64(sec - 1n);
    }
  }
  // time.Unix keeps sec + unixToInternal in an int64: that wraps too.
  return wrap64(sec + 62_135_596_800n) * 1_000_000_000n + nsec;
}

/** Unix seconds or RFC 3339 → ns since year 1 (see requiredTime); undefined where 2.42's parseTime
 * fails. */
function parseTimeNs(raw: string): bigint | undefined {
  const seconds = goParseFloat(raw);
  // 2.42 turns NaN and ±Inf into a time near -292 years (secondsToNs would too); a 400 is more use
  // to a client (a documented difference, README).
  if (seconds !== undefined) return Number.isFinite(seconds) ? secondsToNs(seconds) : undefined;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(raw)) {
    const ms = Date.parse(raw);
    return Number.isNaN(ms) ? undefined : BigInt(ms) * 1_000_000n + UNIX_TO_INTERNAL_NS;
  }
  return undefined;
}

export function parseTime(raw: string): number | undefined {
  const ns = parseTimeNs(raw);
  return ns === undefined ? undefined : engineMs(ns);
}

/** Seconds (float) or a Prometheus duration → ms, as 2.42's API parseDuration (then the engine's
 * truncation to ms). */
export function parseDurationParam(p: FormParams, name: string): number | undefined {
  const ns = parseDurationNs(p, name);
  return ns === undefined ? undefined : Number(ns / 1_000_000n);
}

/** 2.42's API parseDuration: time.Duration (int64 ns) of seconds or a Prometheus duration. */
export function parseDurationNs(p: FormParams, name: string): bigint | undefined {
  const raw = p.get(name);
  if (raw === undefined || raw === '') return undefined;
  const s = goParseFloat(raw);
  if (s !== undefined) {
    // The bounds are float64(MaxInt64) = 2^63, so 2^63 itself passes and converts to MinInt64,
    // as NaN does (negative: refused as a step).
    const ns = s * 1e9;
    if (ns > 2 ** 63 || ns < -(2 ** 63)) {
      throw invalidParam(name, `cannot parse "${raw}" to a valid duration. It overflows int64`);
    }
    return goInt64(ns);
  }
  const ms = parseDurationMs(raw);
  if (ms === undefined) throw invalidParam(name, `cannot parse "${raw}" to a valid duration`);
  return BigInt(ms) * 1_000_000n;
}

/** `match[]` selectors → matcher lists; each must be a plain vector selector. 2.42's series
 * endpoint names the parameter in its errors, labels and label values give the bare parse error. */
export function parseMatchParams(values: string[], nameInErrors = true): LabelMatcher[][] {
  const fail = (message: string) => (nameInErrors ? invalidParam('match[]', message) : badData(message));
  return values.map((v) => {
    let e: ReturnType<typeof parseExpr>;
    try {
      e = parseExpr(v);
    } catch (err) {
      throw fail((err as Error).message);
    }
    if (e.type !== 'VectorSelector') throw fail('match[] must be a series selector');
    // parser.ParseMetricSelector takes a bare selector: no offset, no @.
    if (e.offsetMs !== 0 || e.at) throw fail('a series selector takes no offset or @ modifier');
    return e.matchers;
  });
}

/** start/end of query_exemplars: both optional, default to the whole time axis. */
export function parseTimeRange(p: FormParams): { start: number; end: number } {
  const { start, end } = parseMetaTimeRange(p);
  if (end < start) throw invalidParam('end', 'end timestamp must not be before start time');
  return { start, end };
}

/** start/end of series, labels and label values: as parseTimeRange, but an end before the start
 * is an empty range, not an error (Prometheus 2.42 answers 200 with no data there). */
export function parseMetaTimeRange(p: FormParams): { start: number; end: number } {
  return { start: parseTimeParam(p, 'start', MIN_TIME_MS), end: parseTimeParam(p, 'end', MAX_TIME_MS) };
}

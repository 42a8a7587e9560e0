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
  if (raw === undefined || raw === '') {
    if (fallback !== undefined) return fallback;
    throw invalidParam(name, `cannot parse "" to a valid timestamp`);
  }
  const ms = parseTime(raw);
  if (ms === undefined) {
    // 2.42 reads optional times through parseTimeParam, which wraps the error; query_range's
    // required start/end go to parseTime directly.
    const prefix = fallback === undefined ? '' : `Invalid time value for '${name}': `;
    throw invalidParam(name, `${prefix}cannot parse "${raw}" to a valid timestamp`);
  }
  return ms;
}

/** Go's math.Round: halves away from zero (Math.round takes -0.5 to -0). */
const goRound = (x: number) => Math.sign(x) * Math.round(Math.abs(x));

/**
 * Unix seconds → ms as 2.42's parseTime and timestamp.FromTime: the fraction rounded to ms half
 * away from zero (math.Round), then whole ns, then floored ms (time.Unix normalizes a negative
 * fraction into the previous second): -0.0005 is -1 ms, 1700001800.0015 (a float just below)
 * 1700001800001.
 */
function secondsToMs(t: number): number {
  if (!Number.isFinite(t)) return t;
  const s = Math.trunc(t);
  const ns = Math.trunc((goRound((t - s) * 1000) / 1000) * 1e9);
  return s * 1000 + Math.floor(ns / 1e6);
}

export function parseTime(raw: string): number | undefined {
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw)) return secondsToMs(Number(raw));
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(raw)) {
    const ms = Date.parse(raw);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

/** Seconds (float) or a Prometheus duration → ms. */
export function parseDurationParam(p: FormParams, name: string): number | undefined {
  const raw = p.get(name);
  if (raw === undefined || raw === '') return undefined;
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw)) {
    const s = Number(raw);
    // Go's time.Duration: int64 nanoseconds.
    if (!Number.isFinite(s) || Math.abs(s) * 1e9 > 2 ** 63) {
      throw invalidParam(name, `cannot parse "${raw}" to a valid duration. It overflows int64`);
    }
    // time.Duration(s * 1e9) truncates to ns, and the engine's ms truncate again (10.0005 is 10 s).
    return Math.trunc(Math.trunc(s * 1e9) / 1e6);
  }
  const ms = parseDurationMs(raw);
  if (ms === undefined) throw invalidParam(name, `cannot parse "${raw}" to a valid duration`);
  return ms;
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

// Prometheus HTTP API JSON (web/api/v1 of 2.42): values as strings ("NaN", "+Inf"), timestamps
// as seconds written like jsonutil.MarshalTimestamp ("1435781451.781"), error bodies with errorType.
// Scalar and string results are written by their own MarshalJSON in 2.42 (promql/value.go): the
// value with strconv.FormatFloat(v, 'f', -1, 64) (1e21 → "1000000000000000000000", never an
// exponent) and the time as the float64 seconds encoding/json writes (1435781451.5). Strings go
// through Go's encoding/json, which escapes <, >, & and U+2028/U+2029 (goJson).
import type { PromErrorType } from './errors.js';
import { formatGoFloat } from './format-value.js';
import type { QueryResult } from './query.js';
import type { Labels } from './sample-source.js';

/** Milliseconds → seconds text with up to 3 decimals, trailing zeros kept as Prometheus does. */
export function formatTimestamp(ms: number): string {
  const neg = ms < 0;
  const a = Math.abs(Math.round(ms));
  const whole = Math.floor(a / 1000);
  const frac = a % 1000;
  const s = frac === 0 ? String(whole) : `${whole}.${String(frac).padStart(3, '0')}`;
  return neg ? `-${s}` : s;
}

const GO_ESCAPED = /[<>&\u2028\u2029]/g;
const goEscape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** JSON text as Go's encoding/json (and Prometheus' jsoniter config) writes it: HTML-safe
 * escapes for <, >, & and the JavaScript line separators; the same JSON value. */
export function goJson(json: string): string {
  GO_ESCAPED.lastIndex = 0;
  return GO_ESCAPED.test(json) ? json.replace(GO_ESCAPED, goEscape) : json;
}

/** A scalar's or string's time: encoding/json of float64(t) / 1000 (shortest digits). */
function scalarTime(t: number): string {
  return JSON.stringify(t / 1000);
}

/** point() of a float: formatGoFloat's text (digits, '.', 'e', signs, NaN, Inf) needs no escaping. */
function floatPoint(t: number, v: number): string {
  return `[${formatTimestamp(t)},"${formatGoFloat(v)}"]`;
}

/** Pieces of a response body are cut at about this many characters: V8 allocates a string past
 * ~128 KB in the old generation, where it (and the series strings a one-piece join keeps alive
 * until it is done) stays until the next full GC — the RSS of a process serving a 0.5 MB range
 * result grew ~1 MB per query that way. Pieces this size die young. */
const PIECE_CHARS = 32_768;

/** Where a matrix's points are written before they become a piece's text: emptied before every
 * yield, so generators of concurrent responses never see each other's bytes. A point takes at
 * most 2 + 21 + 2 + 25 + 2 bytes (floatPoint's longest timestamp and value texts). */
const POINTS = Buffer.allocUnsafe(PIECE_CHARS + 256);
const COMMA = 0x2c;

/** floatPoint(t, v) written into POINTS at `pos`; returns the position after it. Whole non-negative
 * milliseconds and safe integers (the usual points) are written digit by digit; anything else
 * (fractions, -0, NaN, ±Inf, exponents) takes formatTimestamp's and formatGoFloat's text. */
function writePoint(pos: number, t: number, v: number): number {
  POINTS[pos++] = 0x5b; // [
  if (Number.isSafeInteger(t) && t >= 0) {
    const ms = t % 1000;
    pos = writeDigits(pos, (t - ms) / 1000);
    if (ms !== 0) {
      POINTS[pos++] = 0x2e; // .
      POINTS[pos++] = 48 + Math.floor(ms / 100);
      POINTS[pos++] = 48 + (Math.floor(ms / 10) % 10);
      POINTS[pos++] = 48 + (ms % 10);
    }
  } else {
    pos += POINTS.write(formatTimestamp(t), pos, 'latin1');
  }
  POINTS[pos++] = COMMA;
  POINTS[pos++] = 0x22; // "
  if (Number.isSafeInteger(v) && (v !== 0 || !Object.is(v, -0))) {
    if (v < 0) POINTS[pos++] = 0x2d; // -
    pos = writeDigits(pos, Math.abs(v));
  } else {
    pos += POINTS.write(formatGoFloat(v), pos, 'latin1');
  }
  POINTS[pos++] = 0x22;
  POINTS[pos++] = 0x5d; // ]
  return pos;
}

/** The decimal digits of a non-negative safe integer. Below 2^31 (seconds until 2038, most
 * values) on int32 arithmetic; above, x % 10 and floor(x / 10) are still exact. */
function writeDigits(pos: number, x: number): number {
  let end: number;
  if (x < 2 ** 31) {
    let n = x | 0;
    end = pos + int32Digits(n);
    let p = end;
    do {
      POINTS[--p] = 48 + (n % 10);
      n = (n / 10) | 0;
    } while (n > 0);
    return end;
  }
  end = pos + 10;
  for (let y = x; y >= 1e10; y = Math.floor(y / 10)) end++;
  let p = end;
  do {
    POINTS[--p] = 48 + (x % 10);
    x = Math.floor(x / 10);
  } while (x > 0);
  return end;
}

function int32Digits(n: number): number {
  if (n < 100_000) return n < 100 ? (n < 10 ? 1 : 2) : n < 1000 ? 3 : n < 10_000 ? 4 : 5;
  return n < 10_000_000 ? (n < 1_000_000 ? 6 : 7) : n < 100_000_000 ? 8 : n < 1_000_000_000 ? 9 : 10;
}

function metricJson(m: Labels): string {
  const names = Object.keys(m).sort();
  return goJson(`{${names.map((n) => `${JSON.stringify(n)}:${JSON.stringify(m[n])}`).join(',')}}`);
}

/**
 * A full success body for /api/v1/query and /api/v1/query_range, in pieces of about PIECE_CHARS
 * characters (concatenated, the same text as formatPromResponse), so that the HTTP layer can
 * write a large result without ever holding it as one string.
 */
export function* promResponsePieces(
  r: QueryResult,
  warnings: string[] = [],
  /** JSON text of data.stats (`stats=all`), if asked. */
  stats?: string,
): Generator<string> {
  let out = `{"status":"success","data":{"resultType":"${r.resultType}","result":`;
  switch (r.resultType) {
    case 'scalar':
      out += `[${scalarTime(r.result.t)},"${formatGoFloat(r.result.v, 'f')}"]`;
      break;
    case 'string':
      out += `[${scalarTime(r.result.t)},${goJson(JSON.stringify(r.result.v))}]`;
      break;
    case 'vector':
      out += '[';
      for (let k = 0; k < r.result.length; k++) {
        const s = r.result[k];
        out += `${k > 0 ? ',' : ''}{"metric":${metricJson(s.metric)},"value":${floatPoint(s.t, s.v)}}`;
        if (out.length >= PIECE_CHARS) {
          yield out;
          out = '';
        }
      }
      out += ']';
      break;
    case 'matrix':
      out += '[';
      for (let k = 0; k < r.result.length; k++) {
        const s = r.result[k];
        out += `${k > 0 ? ',' : ''}{"metric":${metricJson(s.metric)},"values":[`;
        // The points are written as bytes (the text of floatPoint) and taken as one string per
        // piece: a string per number (JSON.stringify) was ~60 % of formatting a raw series.
        let pos = 0;
        for (let i = 0; i < s.timestamps.length; i++) {
          if (i > 0) POINTS[pos++] = COMMA;
          pos = writePoint(pos, s.timestamps[i], s.values[i]);
          if (out.length + pos >= PIECE_CHARS) {
            yield out + POINTS.toString('latin1', 0, pos);
            out = '';
            pos = 0;
          }
        }
        out += `${POINTS.toString('latin1', 0, pos)}]}`;
        if (out.length >= PIECE_CHARS) {
          yield out;
          out = '';
        }
      }
      out += ']';
      break;
  }
  const statsField = stats === undefined ? '' : `,"stats":${stats}`;
  yield `${out}${statsField}}${warnings.length > 0 ? `,"warnings":${goJson(JSON.stringify(warnings))}` : ''}}`;
}

/** promResponsePieces as one string. */
export function formatPromResponse(r: QueryResult, warnings: string[] = []): string {
  let body = '';
  for (const piece of promResponsePieces(r, warnings)) body += piece;
  return body;
}

export function formatPromSuccess(data: unknown): string {
  return goJson(JSON.stringify({ status: 'success', data }));
}

export function formatPromError(errorType: PromErrorType, error: string): string {
  return goJson(JSON.stringify({ status: 'error', errorType, error }));
}

/** HTTP status Prometheus uses for each errorType. */
export function statusForErrorType(t: PromErrorType): number {
  switch (t) {
    case 'bad_data':
      return 400;
    case 'execution':
      return 422;
    case 'timeout':
    case 'canceled':
      return 503;
    default:
      return 500;
  }
}

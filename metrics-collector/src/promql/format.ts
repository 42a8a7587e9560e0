// Prometheus HTTP API JSON (web/api/v1 of 2.42): values as strings ("NaN", "+Inf"), timestamps
// as seconds written like jsonutil.MarshalTimestamp ("1435781451.781"), error bodies with errorType.
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

function point(t: number, v: string): string {
  return `[${formatTimestamp(t)},${JSON.stringify(v)}]`;
}

function metricJson(m: Labels): string {
  const names = Object.keys(m).sort();
  return `{${names.map((n) => `${JSON.stringify(n)}:${JSON.stringify(m[n])}`).join(',')}}`;
}

/** The `data` object of a query response: {"resultType":…,"result":…}. */
export function formatQueryData(r: QueryResult): string {
  let result: string;
  switch (r.resultType) {
    case 'scalar':
      result = point(r.result.t, formatGoFloat(r.result.v));
      break;
    case 'string':
      result = point(r.result.t, r.result.v);
      break;
    case 'vector':
      result = `[${r.result.map((s) => `{"metric":${metricJson(s.metric)},"value":${point(s.t, formatGoFloat(s.v))}}`).join(',')}]`;
      break;
    case 'matrix':
      result = `[${r.result
        .map((s) => {
          const pts = s.timestamps.map((t, i) => point(t, formatGoFloat(s.values[i])));
          return `{"metric":${metricJson(s.metric)},"values":[${pts.join(',')}]}`;
        })
        .join(',')}]`;
      break;
  }
  return `{"resultType":"${r.resultType}","result":${result}}`;
}

/** A full success body for /api/v1/query and /api/v1/query_range. */
export function formatPromResponse(r: QueryResult, warnings: string[] = []): string {
  const w = warnings.length > 0 ? `,"warnings":${JSON.stringify(warnings)}` : '';
  return `{"status":"success","data":${formatQueryData(r)}${w}}`;
}

export function formatPromSuccess(data: unknown): string {
  return JSON.stringify({ status: 'success', data });
}

export function formatPromError(errorType: PromErrorType, error: string): string {
  return JSON.stringify({ status: 'error', errorType, error });
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

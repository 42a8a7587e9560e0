// /api/v1/query and /api/v1/query_range: parse → evaluate over the SampleSource → Prometheus JSON.
import type { PromQLError } from '../promql/errors.js';
import { formatPromResponse } from '../promql/format.js';
import { parseExpr } from '../promql/parse.js';
import { evaluateInstant, evaluateRange, MAX_POINTS_PER_SERIES, type QueryOptions } from '../promql/query.js';
import type { SampleSource } from '../promql/sample-source.js';
import { badData, type FormParams, parseDurationParam, parseTimeParam } from './api-params.js';

export interface QueryDeps {
  source: SampleSource;
  clock: () => number;
  /** --query.timeout; a smaller `timeout` parameter wins. */
  timeoutMs: number;
  lookbackMs: number;
  /** Step of subqueries written without one: the global evaluation interval, as in Prometheus. */
  subqueryStepMs?: number;
}

function parseQuery(p: FormParams) {
  try {
    return parseExpr(p.get('query') ?? '');
  } catch (e) {
    throw badData(`invalid parameter "query": ${(e as PromQLError).message}`);
  }
}

function options(deps: QueryDeps, p: FormParams): QueryOptions {
  const timeout = parseDurationParam(p, 'timeout');
  return {
    lookbackMs: deps.lookbackMs,
    subqueryStepMs: deps.subqueryStepMs,
    timeoutMs: timeout !== undefined && timeout > 0 ? Math.min(timeout, deps.timeoutMs) : deps.timeoutMs,
  };
}

export function instantQuery(deps: QueryDeps, p: FormParams): string {
  const time = parseTimeParam(p, 'time', deps.clock());
  const opts = options(deps, p);
  const expr = parseQuery(p);
  return formatPromResponse(evaluateInstant(deps.source, expr, time, opts));
}

export function rangeQuery(deps: QueryDeps, p: FormParams): string {
  const start = parseTimeParam(p, 'start');
  const end = parseTimeParam(p, 'end');
  if (end < start) throw badData('invalid parameter "end": end timestamp must not be before start time');
  const step = parseDurationParam(p, 'step');
  if (step === undefined) throw badData(`invalid parameter "step": cannot parse "" to a valid duration`);
  if (step <= 0) {
    throw badData(
      'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer',
    );
  }
  if ((end - start) / step > MAX_POINTS_PER_SERIES) {
    throw badData(
      'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)',
    );
  }
  const opts = options(deps, p);
  const expr = parseQuery(p);
  return formatPromResponse(evaluateRange(deps.source, expr, start, end, step, opts));
}

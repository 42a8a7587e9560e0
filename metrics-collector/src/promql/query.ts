// Public entry points of the PromQL engine: evaluateInstant / evaluateRange over any SampleSource.
// Results keep times in milliseconds; format.ts renders Prometheus' JSON.
import { type Expr, typeOf } from './ast.js';
import { PromQLError } from './errors.js';
import { evaluate } from './eval/engine.js';
import {
  countSamples,
  type Eval,
  type EvalContext,
  PAUSE,
  runWhole,
  type SampleCounts,
  type Slice,
  type StepSeries,
  stepTime,
} from './eval/values.js';
import { sortByLabels } from './labels.js';
import { peakAccounting, recordOf } from './eval/peak.js';
import { parseExpr } from './parse.js';
import type { Labels, SampleSource } from './sample-source.js';

export interface InstantSample {
  metric: Labels;
  t: number;
  v: number;
}

export interface RangeSeries {
  metric: Labels;
  timestamps: number[];
  values: number[];
}

export type QueryResult =
  | { resultType: 'vector'; result: InstantSample[] }
  | { resultType: 'matrix'; result: RangeSeries[] }
  | { resultType: 'scalar'; result: { t: number; v: number } }
  | { resultType: 'string'; result: { t: number; v: string } };

export interface QueryOptions {
  /** Default 5 m, as Prometheus' --query.lookback-delta. */
  lookbackMs?: number;
  /** Default 2 m, as --query.timeout. */
  timeoutMs?: number;
  /** Step of subqueries written without one (Prometheus' global evaluation_interval, default 1 m). */
  subqueryStepMs?: number;
  /** Clock for the timeout (ms). */
  now?: () => number;
  /** Default 50,000,000, as --query.max-samples. */
  maxSamples?: number;
  /** Receives the query's sample counts (stats=all); the evaluation keeps them up to date. */
  counts?: SampleCounts;
  /** When set, evaluation pauses (yields PAUSE) once it is due: see evaluateSliced. */
  slice?: Slice;
}

/** --query.max-samples' default: points a query may hold at once. */
export const DEFAULT_MAX_SAMPLES = 50_000_000;

/** Prometheus' limit on points per series in a range query. */
export const MAX_POINTS_PER_SERIES = 11_000;

function context(
  source: SampleSource,
  start: number,
  end: number,
  interval: number,
  opts: QueryOptions,
): EvalContext {
  const now = opts.now ?? Date.now;
  return {
    source,
    start,
    interval,
    steps: Math.floor((end - start) / interval) + 1,
    queryStart: start,
    queryEnd: end,
    lookbackMs: opts.lookbackMs ?? 300_000,
    subqueryStepMs: opts.subqueryStepMs ?? 60_000,
    deadline: now() + (opts.timeoutMs ?? 120_000),
    now,
    samples: Object.assign(opts.counts ?? { loaded: 0, peak: 0, total: 0, max: 0 }, {
      max: opts.maxSamples ?? DEFAULT_MAX_SAMPLES,
    }),
    slice: opts.slice,
  };
}

/** With stats, 2.42's peakSamples bookkeeping is replayed alongside (eval/peak.ts). */
function trackPeak(ctx: EvalContext, expr: Expr, opts: QueryOptions): void {
  if (opts.counts) ctx.peak = peakAccounting(expr);
}

/** peakSamples of the query: the top node's peak (`held`: a range result's points, which 2.42's
 * matrix selector holds as it reads them). */
function finishPeak(ctx: EvalContext, expr: Expr, held = 0): void {
  if (!ctx.peak) return;
  ctx.samples.peak = Math.max(recordOf(ctx, expr).peak, held);
}

function toExpr(query: string | Expr): Expr {
  return typeof query === 'string' ? parseExpr(query) : query;
}

export function evaluateInstant(
  source: SampleSource,
  query: string | Expr,
  timeMs: number,
  opts: QueryOptions = {},
): QueryResult {
  return runWhole(instantEvaluation(source, query, timeMs, opts));
}

/** evaluateInstant as an evaluation that pauses when opts.slice says so. */
export function* instantEvaluation(
  source: SampleSource,
  query: string | Expr,
  timeMs: number,
  opts: QueryOptions = {},
): Eval<QueryResult> {
  const expr = toExpr(query);
  const ctx = context(source, timeMs, timeMs, 1, opts);
  trackPeak(ctx, expr, opts);
  const v = yield* evaluate(ctx, expr);
  if (v.kind !== 'matrix') finishPeak(ctx, expr);
  switch (v.kind) {
    case 'scalar':
      return { resultType: 'scalar', result: { t: timeMs, v: v.values[0] } };
    case 'string':
      return { resultType: 'string', result: { t: timeMs, v: v.value } };
    case 'vector':
      return {
        resultType: 'vector',
        result: v.series.map((s) => ({ metric: s.metric, t: timeMs, v: s.values[0] })),
      };
    case 'matrix': {
      const ref = (v.range.at ?? timeMs) - v.range.offsetMs;
      const result: RangeSeries[] = [];
      for (const s of v.range.series) {
        if (s === PAUSE) {
          yield PAUSE;
          continue;
        }
        const timestamps: number[] = [];
        const values: number[] = [];
        s.timestamps.forEach((t, i) => {
          if (t >= ref - v.range.rangeMs && t <= ref) {
            timestamps.push(t);
            values.push(s.values[i]);
          }
        });
        // The result keeps a range selector's points past its series-at-a-time accounting.
        if (!v.range.counted) countSamples(ctx, timestamps.length);
        if (v.range.read === undefined) ctx.samples.total += timestamps.length;
        if (timestamps.length > 0) result.push({ metric: s.metric, timestamps, values });
      }
      ctx.samples.total += v.range.read ?? 0;
      finishPeak(
        ctx,
        expr,
        result.reduce((n, s) => n + s.timestamps.length, 0),
      );
      return { resultType: 'matrix', result };
    }
  }
}

export function evaluateRange(
  source: SampleSource,
  query: string | Expr,
  startMs: number,
  endMs: number,
  stepMs: number,
  opts: QueryOptions = {},
): QueryResult {
  return runWhole(rangeEvaluation(source, query, startMs, endMs, stepMs, opts));
}

/** evaluateRange as an evaluation that pauses when opts.slice says so. */
export function* rangeEvaluation(
  source: SampleSource,
  query: string | Expr,
  startMs: number,
  endMs: number,
  stepMs: number,
  opts: QueryOptions = {},
): Eval<QueryResult> {
  if (!(stepMs > 0)) {
    throw new PromQLError(
      'bad_data',
      'zero or negative query resolution step widths are not accepted. Try a positive integer',
    );
  }
  if ((endMs - startMs) / stepMs > MAX_POINTS_PER_SERIES) {
    throw new PromQLError(
      'bad_data',
      'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)',
    );
  }
  const expr = toExpr(query);
  const t = typeOf(expr);
  if (t !== 'scalar' && t !== 'vector') {
    const name = t === 'matrix' ? 'range vector' : t;
    throw new PromQLError(
      'bad_data',
      `invalid expression type "${name}" for range query, must be Scalar or instant Vector`,
    );
  }
  // The API refuses an end before the start on the times as given; past year 2262 2.42's ms wrap
  // (api-params.ts) and can come out reversed, where its engine evaluates no step.
  if (endMs < startMs) return { resultType: 'matrix', result: [] };
  const ctx = context(source, startMs, endMs, stepMs, opts);
  trackPeak(ctx, expr, opts);
  const v = yield* evaluate(ctx, expr);
  finishPeak(ctx, expr);
  let series: StepSeries[];
  if (v.kind === 'scalar') {
    series = [{ metric: {}, values: v.values, present: new Uint8Array(ctx.steps).fill(1) }];
  } else if (v.kind === 'vector') series = v.series;
  else throw new PromQLError('execution', `unexpected ${v.kind} result`);
  const result: RangeSeries[] = series.map((s) => {
    const timestamps: number[] = [];
    const values: number[] = [];
    for (let i = 0; i < ctx.steps; i++) {
      if (!s.present[i]) continue;
      timestamps.push(stepTime(ctx, i));
      values.push(s.values[i]);
    }
    return { metric: s.metric, timestamps, values };
  });
  const sorted = sortByLabels(result, (s) => s.metric);
  return { resultType: 'matrix', result: sorted.filter((s) => s.timestamps.length > 0) };
}

/** How a query shares the event loop: it runs for `sliceMs` of work, then gives the loop back
 * (`nextTurn`, setImmediate: pending I/O such as remote_write and health checks runs first). */
export interface QuerySlicing {
  sliceMs: number;
  nextTurn: () => Promise<void>;
  /** Clock of the slices (ms). */
  now: () => number;
}

export function defaultQuerySlicing(sliceMs = 10): QuerySlicing {
  return {
    sliceMs,
    nextTurn: () => new Promise<void>((resolve) => setImmediate(resolve)),
    now: () => performance.now(),
  };
}

/**
 * Runs an evaluation in slices (Prometheus evaluates queries concurrently with ingest; our one JS
 * thread interleaves them instead). Its deadline (QueryOptions.timeoutMs) runs on across pauses.
 * `canceled` is asked between slices: true (the client went away) ends the evaluation, as
 * Prometheus cancels a query's context.
 */
export async function evaluateSliced<T>(
  run: (slice: Slice) => Eval<T>,
  slicing: QuerySlicing,
  canceled: () => boolean = () => false,
): Promise<T> {
  if (canceled()) throw new PromQLError('canceled', 'query was canceled in query execution');
  let end = 0;
  const evaluation = run({ due: () => slicing.now() >= end });
  for (;;) {
    end = slicing.now() + slicing.sliceMs;
    const r = evaluation.next();
    if (r.done) return r.value;
    await slicing.nextTurn();
    if (canceled()) {
      evaluation.return(undefined as never);
      throw new PromQLError('canceled', 'query was canceled in query execution');
    }
  }
}

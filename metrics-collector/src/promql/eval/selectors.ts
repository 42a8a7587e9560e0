// Selectors against a SampleSource with Prometheus 2.42 semantics: an instant selector takes the
// newest sample in [ref - lookback, ref] unless it is a staleness marker; a range selector takes
// every non-stale sample in [ref - range, ref]; ref = (@ time or step time) - offset.
import type { SubqueryExpr, VectorSelector } from '../ast.js';
import { METRIC_NAME, sortByLabels } from '../labels.js';
import { splitForSource } from '../matchers.js';
import type { SeriesSamples } from '../sample-source.js';
import {
  checkDeadline,
  checkDeadlineAt,
  countSamples,
  type Distinct,
  type EvalContext,
  type PointSeries,
  type RangeArg,
  resolveAt,
  STEPS_PER_CHECK,
  type StepSeries,
  stepTime,
  type Value,
  vectorValue,
} from './values.js';

function refRange(ctx: EvalContext, at: number | undefined, offsetMs: number): [number, number] {
  if (at !== undefined) return [at - offsetMs, at - offsetMs];
  return [ctx.start - offsetMs, stepTime(ctx, ctx.steps - 1) - offsetMs];
}

/** The selector's series in label order, read one at a time (RE2-only regexes tested here). */
function selectSeries(
  ctx: EvalContext,
  vs: VectorSelector,
  from: number,
  to: number,
): Iterable<SeriesSamples> {
  const { pushed, own } = splitForSource(vs.matchers);
  return ctx.source.stream(pushed, from, to, own ? { filter: own } : undefined);
}

/**
 * Evaluates an instant vector selector at every step, one series at a time; `sampleTimes`
 * receives the sample timestamps of each yielded series, in order, for timestamp().
 */
export function* streamVectorSelector(
  ctx: EvalContext,
  vs: VectorSelector,
  sampleTimes?: Float64Array[],
): Generator<StepSeries> {
  const at = resolveAt(ctx, vs.at);
  const [minRef, maxRef] = refRange(ctx, at, vs.offsetMs);
  const { start, interval, steps, lookbackMs } = ctx;
  const offset = vs.offsetMs;
  for (const s of selectSeries(ctx, vs, minRef - lookbackMs, maxRef)) {
    checkDeadline(ctx);
    const values = new Float64Array(steps);
    const present = new Uint8Array(steps);
    const times = sampleTimes ? new Float64Array(steps) : undefined;
    const ts = s.timestamps;
    const vals = s.values;
    const stale = s.stale;
    const n = ts.length;
    let j = -1;
    // Points are counted as Prometheus counts them (each step that has a value), a block of steps
    // at a time while they are produced (a subquery can have millions of steps), with a deadline
    // check per block. Counting every step up front refused queries Prometheus answers: a series
    // with no value in the range, or a few, counted all its steps.
    let produced = 0;
    let counted = 0;
    for (let i = 0; i < steps; i++) {
      if (i % STEPS_PER_CHECK === STEPS_PER_CHECK - 1) {
        checkDeadline(ctx);
        countSamples(ctx, produced - counted);
        counted = produced;
      }
      const ref = (at ?? start + i * interval) - offset;
      while (j + 1 < n && ts[j + 1] <= ref) j++;
      if (j < 0 || ts[j] < ref - lookbackMs || stale?.[j]) continue;
      values[i] = vals[j];
      present[i] = 1;
      if (times) times[i] = ts[j];
      produced++;
    }
    countSamples(ctx, produced - counted);
    if (produced === 0) continue;
    if (times) sampleTimes?.push(times);
    yield { metric: s.labels, values, present };
  }
}

/**
 * The raw points a range selector reads across all steps (staleness markers dropped), as a lazy
 * sequence: each series is read from the source when the consumer reaches it, and is the
 * consumer's to use until it asks for the next one. Iterate once.
 */
export function streamMatrixSelector(ctx: EvalContext, vs: VectorSelector, rangeMs: number): RangeArg {
  const at = resolveAt(ctx, vs.at);
  const [minRef, maxRef] = refRange(ctx, at, vs.offsetMs);
  return {
    series: matrixPoints(ctx, selectSeries(ctx, vs, minRef - rangeMs, maxRef)),
    rangeMs,
    offsetMs: vs.offsetMs,
    at,
    distinct: selectorDistinct(vs),
  };
}

function* matrixPoints(ctx: EvalContext, found: Iterable<SeriesSamples>): Generator<PointSeries> {
  for (const s of found) {
    checkDeadline(ctx);
    let timestamps = s.timestamps;
    let values = s.values;
    const stale = s.stale;
    if (stale && Array.prototype.some.call(stale, Boolean)) {
      timestamps = [];
      values = [];
      for (let i = 0; i < s.timestamps.length; i++) {
        if (stale[i]) continue;
        timestamps.push(s.timestamps[i]);
        values.push(s.values[i]);
      }
    }
    if (timestamps.length === 0) continue;
    // Counted while the consumer holds them, released when it asks for the next series: the
    // peak, as Prometheus counts raw points against --query.max-samples, not the total.
    countSamples(ctx, timestamps.length);
    yield { metric: s.labels, timestamps, values };
    ctx.samples.loaded -= timestamps.length;
  }
}

/** A selector's series differ; when it pins one name they still do without it. */
export function selectorDistinct(vs: VectorSelector): Distinct {
  return vs.matchers.some((m) => m.name === METRIC_NAME && m.type === '=') ? 'without-name' : 'labels';
}

/** Evaluates a subquery's inner expression on its own step grid, aligned to multiples of the step. */
export function evalSubquery(
  ctx: EvalContext,
  sq: SubqueryExpr,
  evaluate: (ctx: EvalContext, e: SubqueryExpr['expr']) => Value,
): RangeArg {
  const at = resolveAt(ctx, sq.at);
  const [minRef, maxRef] = refRange(ctx, at, sq.offsetMs);
  const step = sq.stepMs || ctx.subqueryStepMs;
  const lowest = minRef - sq.rangeMs;
  // Go's integer division truncates toward zero; keep that for negative times.
  let start = step * Math.trunc(lowest / step);
  if (start < lowest) start += step;
  const range: RangeArg = {
    series: [] as PointSeries[],
    rangeMs: sq.rangeMs,
    offsetMs: sq.offsetMs,
    at,
    distinct: undefined,
    // The inner expression counted its output points as it produced them; they stay held.
    counted: true,
  };
  if (maxRef < start) return range;
  const steps = Math.floor((maxRef - start) / step) + 1;
  // Each inner step holds at least one value; refuse resolutions no sample budget can hold.
  if (steps > ctx.samples.max) countSamples(ctx, steps);
  const inner: EvalContext = { ...ctx, start, interval: step, steps };
  const stepSeries = vectorValue(evaluate(inner, sq.expr));
  const points: PointSeries[] = [];
  for (let k = 0; k < stepSeries.length; k++) {
    const s = stepSeries[k];
    // Released as converted, so the two forms of the points are not held at once.
    (stepSeries as (StepSeries | undefined)[])[k] = undefined;
    const timestamps: number[] = [];
    const values: number[] = [];
    for (let i = 0; i < inner.steps; i++) {
      checkDeadlineAt(ctx, i);
      if (!s.present[i]) continue;
      timestamps.push(start + i * step);
      values.push(s.values[i]);
    }
    points.push({ metric: s.metric, timestamps, values });
  }
  range.series = sortByLabels(points, (s) => s.metric);
  return range;
}

/** Index window [lo, hi) of points in [ref - range, ref] for each step, walked with two pointers. */
export function forEachWindow(
  ctx: EvalContext,
  range: RangeArg,
  ts: number[],
  fn: (step: number, lo: number, hi: number, ref: number) => void,
): void {
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < ctx.steps; i++) {
    checkDeadlineAt(ctx, i);
    const ref = (range.at ?? ctx.start + i * ctx.interval) - range.offsetMs;
    const mint = ref - range.rangeMs;
    while (hi < ts.length && ts[hi] <= ref) hi++;
    while (lo < hi && ts[lo] < mint) lo++;
    fn(i, lo, hi, ref);
  }
}

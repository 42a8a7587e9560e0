// Selectors against a SampleSource with Prometheus 2.42 semantics: an instant selector takes the
// newest sample in [ref - lookback, ref] unless it is a staleness marker; a range selector takes
// every non-stale sample in [ref - range, ref]; ref = (@ time or step time) - offset.
import type { SubqueryExpr, VectorSelector } from '../ast.js';
import { labelsKey, METRIC_NAME, sortByLabels } from '../labels.js';
import { splitForSource } from '../matchers.js';
import type { Labels, SeriesSamples } from '../sample-source.js';
import {
  checkDeadline,
  checkDeadlineAt,
  countSamples,
  type Distinct,
  type Eval,
  type EvalContext,
  PAUSE,
  type Pause,
  pauseDue,
  type PointSeries,
  type RangeArg,
  resolveAt,
  STEPS_PER_CHECK,
  type StepSeries,
  stepTime,
  type Value,
  vectorValue,
} from './values.js';
import { recordOf, setRecord } from './peak.js';

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
): Generator<StepSeries | Pause> {
  const at = resolveAt(ctx, vs.at);
  const [minRef, maxRef] = refRange(ctx, at, vs.offsetMs);
  const { start, interval, steps, lookbackMs } = ctx;
  const offset = vs.offsetMs;
  for (const s of selectSeries(ctx, vs, minRef - lookbackMs, maxRef)) {
    if (pauseDue(ctx)) yield PAUSE;
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
    ctx.samples.total += produced;
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

function* matrixPoints(ctx: EvalContext, found: Iterable<SeriesSamples>): Generator<PointSeries | Pause> {
  for (const s of found) {
    if (pauseDue(ctx)) yield PAUSE;
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

/**
 * Inner steps evaluated at once by a subquery: its dense step arrays are sized by this, not by its
 * whole step count (a fine subquery over a sparse metric has millions of steps and few points).
 */
export const SUBQUERY_BLOCK_STEPS = 65_536;

/** A block of one series' subquery points: the inner step arrays when dense, else its points. */
type SubqueryBlock =
  | { start: number; values: Float64Array; present: Uint8Array }
  | { times: Float64Array; values: Float64Array };

interface SubquerySeries {
  metric: Labels;
  blocks: SubqueryBlock[];
}

/**
 * Evaluates a subquery's inner expression on its own step grid, aligned to multiples of the step,
 * a block of steps at a time. Its points are counted against --query.max-samples as Prometheus
 * counts them: the points produced (a step without a value produces none), held until the range
 * function over them is done (range-call.ts), so an empty or sparse metric at any resolution is
 * answered, and a dense one is refused while its blocks are produced. A block is kept as the inner
 * step arrays when most steps have a value (9 bytes a step, no copy), else as its points (16 bytes
 * a point); the consumer gets one series' points at a time.
 */
export function* evalSubquery(
  ctx: EvalContext,
  sq: SubqueryExpr,
  evaluate: (ctx: EvalContext, e: SubqueryExpr['expr']) => Eval<Value>,
): Eval<RangeArg> {
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
    // Counted below as the blocks are produced; held until the call over them is done.
    counted: true,
  };
  // 2.42's bookkeeping of the inner evaluation (peak.ts): each block's records extend the blocks'
  // before, so the last block's is the whole evaluation's.
  const peak = { peak: 0, after: 0, counts: new Int32Array(ctx.steps) };
  if (maxRef < start) {
    setRecord(ctx, sq, peak);
    return range;
  }
  const steps = Math.floor((maxRef - start) / step) + 1;
  const bySeries = new Map<string, SubquerySeries>();
  for (let first = 0; first < steps; first += SUBQUERY_BLOCK_STEPS) {
    const blockStart = start + first * step;
    const n = Math.min(SUBQUERY_BLOCK_STEPS, steps - first);
    const inner: EvalContext = {
      ...ctx,
      start: blockStart,
      interval: step,
      steps: n,
      peakBlockBefore: steps > SUBQUERY_BLOCK_STEPS ? first : undefined,
    };
    const before = ctx.samples.loaded;
    const read = ctx.samples.total;
    const stepSeries = vectorValue(yield* evaluate(inner, sq.expr));
    const whole = recordOf(inner, sq.expr);
    peak.peak = whole.peak;
    peak.after = whole.after;
    // The inner expression counted its points as it produced them; what stays held is the
    // block's output points. What it read is not the query's (2.42 keeps a subquery's own
    // totalQueryableSamples apart).
    ctx.samples.loaded = before;
    range.read = (range.read ?? 0) + ctx.samples.total - read;
    ctx.samples.total = read;
    for (let k = 0; k < stepSeries.length; k++) {
      if (pauseDue(ctx)) yield PAUSE;
      const s = stepSeries[k];
      (stepSeries as (StepSeries | undefined)[])[k] = undefined;
      let points = 0;
      for (let i = 0; i < n; i++) {
        checkDeadlineAt(ctx, i);
        points += s.present[i];
      }
      if (points === 0) continue;
      countSamples(ctx, points);
      const key = labelsKey(s.metric);
      let out = bySeries.get(key);
      if (!out) {
        out = { metric: s.metric, blocks: [] };
        bySeries.set(key, out);
      }
      out.blocks.push(
        points * 16 >= n * 9
          ? { start: blockStart, values: s.values, present: s.present }
          : sparseBlock(s, points, n, blockStart, step),
      );
    }
  }
  setRecord(ctx, sq, peak);
  range.series = subqueryPoints(
    ctx,
    sortByLabels([...bySeries.values()], (s) => s.metric),
    step,
  );
  return range;
}

function sparseBlock(
  s: StepSeries,
  points: number,
  n: number,
  blockStart: number,
  step: number,
): SubqueryBlock {
  const times = new Float64Array(points);
  const values = new Float64Array(points);
  for (let i = 0, j = 0; i < n; i++) {
    if (!s.present[i]) continue;
    times[j] = blockStart + i * step;
    values[j++] = s.values[i];
  }
  return { times, values };
}

/** A subquery's series as points, one at a time; each series' blocks are dropped once converted. */
function* subqueryPoints(
  ctx: EvalContext,
  list: (SubquerySeries | undefined)[],
  step: number,
): Generator<PointSeries | Pause> {
  for (let k = 0; k < list.length; k++) {
    if (pauseDue(ctx)) yield PAUSE;
    const s = list[k] as SubquerySeries;
    list[k] = undefined;
    const timestamps: number[] = [];
    const values: number[] = [];
    for (const b of s.blocks) {
      if ('present' in b) {
        for (let i = 0; i < b.present.length; i++) {
          checkDeadlineAt(ctx, i);
          if (!b.present[i]) continue;
          timestamps.push(b.start + i * step);
          values.push(b.values[i]);
        }
      } else {
        for (let j = 0; j < b.times.length; j++) {
          checkDeadlineAt(ctx, j);
          timestamps.push(b.times[j]);
          values.push(b.values[j]);
        }
      }
    }
    yield { metric: s.metric, timestamps, values };
  }
}

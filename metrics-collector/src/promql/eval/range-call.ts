// Range-function calls (rate(x[5m]), max_over_time(...), ...) evaluated one input series at a
// time: each series' raw points are folded into its step values and dropped before the next series
// is read, so `sum(rate(x[5m]))` over every series holds one series' samples, not all of them.
import { type Call, type Expr, typeOf } from '../ast.js';
import { executionError } from '../errors.js';
import { dropMetricName, labelsKey } from '../labels.js';
import { rangeCallPeak } from './peak.js';
import { mayReset, RANGE_FUNCTIONS, type Window } from './range-functions.js';
import { selectorDistinct } from './selectors.js';
import {
  checkDeadline,
  countSamples,
  type Eval,
  type EvalContext,
  PAUSE,
  type Pause,
  type RangeArg,
  STEPS_PER_CHECK,
  type StepSeries,
  scalarValue,
  type Value,
  type VectorStream,
} from './values.js';

type Evaluate = (ctx: EvalContext, e: Expr) => Eval<Value>;

function* rangeArgOf(
  ctx: EvalContext,
  e: Call,
  evaluate: Evaluate,
): Eval<{ range: RangeArg; params: Float64Array[] }> {
  let range: RangeArg | undefined;
  const params: Float64Array[] = [];
  for (const a of e.args) {
    const v = yield* evaluate(ctx, a);
    if (v.kind === 'matrix') range = v.range;
    else params.push(scalarValue(v));
  }
  if (!range) throw executionError(`expected range vector argument in call to "${e.func}"`);
  return { range, params };
}

/** The call's output series in input order, those without any value left out. */
export function streamRangeCall(ctx: EvalContext, e: Call, evaluate: Evaluate): VectorStream {
  // Known before evaluating: from a selector, or nothing (subqueries).
  let arg = e.args.find((a) => typeOf(a) === 'matrix');
  while (arg?.type === 'ParenExpr') arg = arg.expr;
  const input = arg?.type === 'MatrixSelector' ? selectorDistinct(arg.selector) : undefined;
  const keepName = e.func === 'last_over_time';
  return {
    series: rangeCallSeries(ctx, e, evaluate),
    distinct: !keepName ? 'without-name' : input === 'without-name' ? input : 'labels',
  };
}

function* rangeCallSeries(ctx: EvalContext, e: Call, evaluate: Evaluate): Generator<StepSeries | Pause> {
  // absent_over_time walks the windows as 2.42 does (aggrOverTime returning 1: present_over_time),
  // with no label-set check; evalAbsent makes its output from these series.
  const absent = e.func === 'absent_over_time';
  const fn = RANGE_FUNCTIONS[absent ? 'present_over_time' : e.func];
  const { range, params } = yield* rangeArgOf(ctx, e, evaluate);
  const keepName = e.func === 'last_over_time';
  // Two inputs with the same labels once the name is dropped: Prometheus refuses the result. The
  // keys are only kept when the input does not rule that out.
  const distinct = range.distinct === 'without-name' || (keepName && range.distinct === 'labels');
  const seen = distinct || absent ? undefined : new Set<string>();
  const w: Window = {
    ts: [],
    vs: [],
    lo: 0,
    hi: 0,
    rangeEnd: 0,
    rangeStart: 0,
    rangeMs: range.rangeMs,
    evalTs: 0,
    params: [],
    mayReset: true,
  };
  const counter = e.func === 'rate' || e.func === 'increase';
  const { rangeMs, offsetMs, at } = range;
  const { steps, start, interval } = ctx;
  const checkEvery = STEPS_PER_CHECK;
  // A subquery's points are held (counted) while the call runs over them and freed once it is done,
  // as Prometheus' evaluator does (`ev.currentSamples -= totalSamples` after the call). Its window
  // over them is counted again while in use, as Prometheus' matrixIterSlice copies it (a range
  // selector's series are counted whole while in use, which holds every window already).
  const countWindow = range.counted === true;
  let subqueryPoints = 0;
  let window = 0;
  const peak = ctx.peak ? rangeCallPeak(ctx, e) : undefined;
  for (const s of range.series) {
    if (s === PAUSE) {
      yield PAUSE;
      continue;
    }
    checkDeadline(ctx);
    if (range.counted) subqueryPoints += s.timestamps.length;
    const ts = s.timestamps;
    w.ts = ts;
    w.vs = s.values;
    if (counter) w.mayReset = mayReset(s.values);
    let values: Float64Array | undefined;
    let present: Uint8Array | undefined;
    let lo = 0;
    let hi = 0;
    // Output points are counted against --query.max-samples as they are produced, a block of
    // steps at a time, with a deadline check per block: one series of a fine-grained subquery has
    // millions of steps, and the limit must stop the work, not follow it.
    let produced = 0;
    let counted = 0;
    let read = 0;
    // Two pointers over the sorted samples: windows [ref - range, ref] only move forward.
    for (let i = 0; i < steps; i++) {
      if (i % checkEvery === checkEvery - 1) {
        checkDeadline(ctx);
        countSamples(ctx, produced - counted);
        counted = produced;
      }
      const evalTs = start + i * interval;
      const ref = (at ?? evalTs) - offsetMs;
      const mint = ref - rangeMs;
      while (hi < ts.length && ts[hi] <= ref) hi++;
      while (lo < hi && ts[lo] < mint) lo++;
      if (peak && i < peak.steps) peak.window(i, hi - lo);
      if (countWindow && hi - lo !== window) {
        countSamples(ctx, hi - lo - window);
        window = hi - lo;
      }
      if (hi <= lo) continue;
      read += hi - lo;
      w.lo = lo;
      w.hi = hi;
      w.rangeEnd = ref;
      w.rangeStart = mint;
      w.evalTs = evalTs;
      if (params.length > 0) w.params = params.map((p) => p[i]);
      const v = fn(w);
      if (v === undefined) continue;
      if (!values || !present) {
        values = new Float64Array(steps);
        present = new Uint8Array(steps);
      }
      values[i] = v;
      present[i] = 1;
      produced++;
    }
    countSamples(ctx, produced - counted);
    ctx.samples.total += read;
    ctx.samples.loaded -= window;
    window = 0;
    peak?.series(s.metric, present);
    if (!values || !present) continue;
    const metric = keepName ? s.metric : dropMetricName(s.metric);
    if (seen) {
      const key = labelsKey(metric);
      if (seen.has(key)) throw executionError('vector cannot contain metrics with the same labelset');
      seen.add(key);
    }
    yield { metric, values, present };
  }
  ctx.samples.loaded -= subqueryPoints;
  peak?.done(subqueryPoints);
}

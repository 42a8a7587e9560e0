// stats=all's peakSamples as Prometheus 2.42 counts it (promql/engine.go, ev.currentSamples and
// samplesStats.UpdatePeak): the most points its evaluator holds at once. Our evaluator holds
// fewer (it streams series), so this replays 2.42's bookkeeping from what each node produced,
// bottom-up: a node's record is its own peak and what it leaves held, both relative to the count
// before it ran (2.42's bookkeeping only adds and releases, so these compose), plus its points per
// step, which its parent gathers again step by step.
// - rangeEval nodes (operators, aggregations, functions of instant vectors, literals): the
//   children in order, then at each step the points gathered from them and the step's output,
//   on top of the outputs of the steps before;
// - selectors: their points; range functions: one input series' window at a time on top of the
//   outputs so far (range-call.ts), then the window of the last step with the series' output;
// - 2.42's PreprocessExpr wraps step-invariant parts (no selector without @, no time()) in a
//   StepInvariantExpr: evaluated at one step, then copied to the others.
// - absent_over_time: the range function's bookkeeping (its per-series outputs stay counted, 2.42
//   never releases them), then its own output (one series or none), which the parent gathers.
// - a subquery of more than SUBQUERY_BLOCK_STEPS inner steps, which we evaluate a block of steps at
//   a time and 2.42 at once: each block's records extend those of the blocks before
//   (ctx.peakBlockBefore): selectors add their points, rangeEval nodes keep their outputs and the
//   most held at a step, range functions their figures per input series.
// Not replayed exactly: a subquery inside such a subquery (evaluated once per outer block).
import type { Call, Expr } from '../ast.js';
import { compareLabels, labelsKey } from '../labels.js';
import type { Labels } from '../sample-source.js';
import { RANGE_FUNCTIONS } from './range-functions.js';
import type { EvalContext, Value } from './values.js';

/** A range function's figures for one input series (in a blocked subquery, merged over blocks). */
interface SeriesPeak {
  labels: Labels;
  /** The most points of its window at one step. */
  window: number;
  /** Its output points. */
  out: number;
  /** Its window at the last step. */
  last: number;
}

export interface PeakRecord {
  /** The most points held while the node ran, above what was held before it. */
  peak: number;
  /** What the node leaves held (its output, plus anything 2.42 never releases). */
  after: number;
  /** Output points per step of the evaluator that ran it. */
  counts: Int32Array;
  /** rangeEval nodes: their output points and the most they held at a step above their inputs'
   * `after` (what a later block of a subquery extends). */
  steps?: { outputs: number; max: number };
  /** Range-function calls in a blocked subquery: their figures per input series. */
  series?: Map<string, SeriesPeak>;
}

export interface PeakAccounting {
  records: Map<Expr, PeakRecord>;
  /** Roots of 2.42's StepInvariantExpr (not literals: those it evaluates directly). */
  wrapped: Set<Expr>;
  /** Nodes evaluated inside such a root, at one step. */
  inside: Set<Expr>;
}

/** 2.42's AtModifierUnsafeFunctions: never step-invariant. */
const UNSAFE = new Set([
  'days_in_month',
  'day_of_month',
  'day_of_week',
  'day_of_year',
  'hour',
  'minute',
  'month',
  'year',
  'predict_linear',
  'time',
  'timestamp',
]);

export function peakAccounting(root: Expr): PeakAccounting {
  const acct: PeakAccounting = { records: new Map(), wrapped: new Set(), inside: new Set() };
  if (invariant(root, acct)) wrap(root, acct);
  return acct;
}

/** newStepInvariantExpr: parentheses unwrapped; a literal is evaluated as it is. */
function wrap(e: Expr, acct: PeakAccounting): void {
  const inner = unparen(e);
  if (inner.type === 'NumberLiteral' || inner.type === 'StringLiteral') return;
  acct.wrapped.add(inner);
  markInside(inner, acct);
}

function markInside(e: Expr, acct: PeakAccounting): void {
  for (const c of children(e)) {
    acct.inside.add(c);
    markInside(c, acct);
  }
}

function unparen(e: Expr): Expr {
  return e.type === 'ParenExpr' ? unparen(e.expr) : e;
}

function children(e: Expr): Expr[] {
  switch (e.type) {
    case 'ParenExpr':
    case 'UnaryExpr':
    case 'SubqueryExpr':
      return [e.expr];
    case 'MatrixSelector':
      return [e.selector];
    case 'BinaryExpr':
      return [e.lhs, e.rhs];
    case 'AggregateExpr':
      return e.param ? [e.param, e.expr] : [e.expr];
    case 'Call':
      return e.args;
    default:
      return [];
  }
}

/** preprocessExprHelper: whether `e` is step-invariant; wraps invariant parts of variant nodes. */
function invariant(e: Expr, acct: PeakAccounting): boolean {
  switch (e.type) {
    case 'VectorSelector':
      return e.at !== undefined;
    case 'MatrixSelector':
      return e.selector.at !== undefined;
    case 'AggregateExpr':
      return invariant(e.expr, acct);
    case 'ParenExpr':
    case 'UnaryExpr':
      return invariant(e.expr, acct);
    case 'NumberLiteral':
    case 'StringLiteral':
      return true;
    case 'SubqueryExpr':
      if (invariant(e.expr, acct)) wrap(e.expr, acct);
      return e.at !== undefined;
    case 'BinaryExpr': {
      const l = invariant(e.lhs, acct);
      const r = invariant(e.rhs, acct);
      if (l && r) return true;
      if (l) wrap(e.lhs, acct);
      if (r) wrap(e.rhs, acct);
      return false;
    }
    case 'Call': {
      const each = e.args.map((a) => invariant(a, acct));
      if (!UNSAFE.has(e.func) && each.every(Boolean)) return true;
      e.args.forEach((a, i) => {
        if (each[i]) wrap(a, acct);
      });
      return false;
    }
  }
}

const NONE: PeakRecord = { peak: 0, after: 0, counts: new Int32Array(0) };

/** Steps the node's evaluator runs: one inside a step-invariant root. */
export function peakSteps(ctx: EvalContext, e: Expr): number {
  const acct = ctx.peak;
  return acct && (acct.inside.has(e) || acct.wrapped.has(e)) ? 1 : ctx.steps;
}

/** Output points per step of a value (a scalar has one at every step). */
export function countsOf(ctx: EvalContext, v: Value): Int32Array {
  const counts = new Int32Array(ctx.steps);
  if (v.kind === 'scalar') counts.fill(1);
  else if (v.kind === 'vector')
    for (const s of v.series) for (let i = 0; i < ctx.steps; i++) counts[i] += s.present[i];
  return counts;
}

/** Stores `rec` for `e`, as copied to every step when 2.42 evaluates `e` step-invariant. */
export function setRecord(ctx: EvalContext, e: Expr, rec: PeakRecord): void {
  const acct = ctx.peak;
  if (!acct) return;
  const steps = (ctx.peakBlockBefore ?? 0) + ctx.steps;
  if (acct.wrapped.has(e) && steps > 1) {
    const after = rec.after + (steps - 1) * rec.counts[0];
    rec = { peak: Math.max(rec.peak, after), after, counts: rec.counts };
  }
  acct.records.set(e, rec);
}

/** The record of `e` from the blocks before this one of a blocked subquery (not for step-invariant
 * parts: evaluated at one step in each block, the same each time). */
function earlier(ctx: EvalContext, e: Expr): PeakRecord | undefined {
  const acct = ctx.peak;
  if (!acct || !ctx.peakBlockBefore || acct.inside.has(e) || acct.wrapped.has(e)) return undefined;
  return acct.records.get(e);
}

/** absent_over_time's record: its range-function bookkeeping (range-call.ts), with the points of
 * its own output per step. */
export function recordAbsentOverTime(ctx: EvalContext, e: Expr, counts: Int32Array): void {
  const rec = ctx.peak?.records.get(e);
  if (rec) setRecord(ctx, e, { ...rec, counts });
}

export function recordOf(ctx: EvalContext, e: Expr): PeakRecord {
  return ctx.peak?.records.get(e) ?? NONE;
}

/** The record of `e` from its output points per step (`counts`); range-function calls and
 * subqueries record themselves. */
export function recordNode(ctx: EvalContext, e: Expr, counts: Int32Array): void {
  if (!ctx.peak) return;
  const rec = recordFor(ctx, e, counts);
  if (rec) setRecord(ctx, e, rec);
}

function recordFor(ctx: EvalContext, e: Expr, counts: Int32Array): PeakRecord | undefined {
  switch (e.type) {
    case 'StringLiteral':
      return { peak: 0, after: 0, counts };
    case 'ParenExpr':
    case 'UnaryExpr':
      return { ...recordOf(ctx, e.expr), counts };
    case 'VectorSelector': {
      const n = peakSteps(ctx, e);
      let points = earlier(ctx, e)?.after ?? 0;
      for (let i = 0; i < n; i++) points += counts[i];
      return { peak: points, after: points, counts };
    }
    case 'MatrixSelector':
    case 'SubqueryExpr':
      return undefined;
    case 'NumberLiteral':
      return rangeEval(ctx, e, [], counts);
    case 'BinaryExpr':
      return rangeEval(ctx, e, [e.lhs, e.rhs], counts);
    case 'AggregateExpr':
      return rangeEval(
        ctx,
        e,
        e.param && e.param.type !== 'StringLiteral' ? [e.param, e.expr] : [e.expr],
        counts,
      );
    case 'Call': {
      if (RANGE_FUNCTIONS[e.func] || e.func === 'absent_over_time') return undefined;
      const arg = e.args[0] && unparen(e.args[0]);
      // timestamp(selector) selects at each step inside the call: gathered, never left held.
      if (e.func === 'timestamp' && arg?.type === 'VectorSelector')
        return rangeEval(ctx, e, [], counts, counts);
      const args = e.args.filter((a) => unparen(a).type !== 'StringLiteral');
      return rangeEval(ctx, e, args, counts);
    }
  }
}

/** 2.42's rangeEval: children in order, then each step's gathered inputs and output. */
function rangeEval(
  ctx: EvalContext,
  e: Expr,
  kids: Expr[],
  counts: Int32Array,
  gathered?: Int32Array,
): PeakRecord {
  const steps = peakSteps(ctx, e);
  let held = 0;
  let peak = 0;
  const records = kids.map((k) => recordOf(ctx, k));
  for (const r of records) {
    peak = Math.max(peak, held + r.peak);
    held += r.after;
  }
  const before = earlier(ctx, e)?.steps;
  let outputs = before?.outputs ?? 0;
  let max = before?.max ?? 0;
  for (let i = 0; i < steps; i++) {
    let step = outputs + (gathered?.[i] ?? 0);
    for (const r of records) step += r.counts[i] ?? 0;
    max = Math.max(max, step + counts[i]);
    outputs += counts[i];
  }
  return { peak: Math.max(peak, held + max), after: outputs, counts, steps: { outputs, max } };
}

/**
 * 2.42's bookkeeping of a range-function call: a subquery argument, then the other arguments;
 * per input series its window at each step (matrixIterSlice) on top of the outputs so far, then
 * its output with the last step's window still held; the subquery's points released at the end.
 */
export function rangeCallPeak(ctx: EvalContext, e: Call) {
  const acct = ctx.peak;
  const steps = peakSteps(ctx, e);
  const sub = e.args.find((a) => unparen(a).type === 'SubqueryExpr');
  const order = sub ? [sub, ...e.args.filter((a) => a !== sub)] : e.args;
  let held = 0;
  let peak = 0;
  for (const a of order) {
    const r = recordOf(ctx, unparen(a));
    peak = Math.max(peak, held + r.peak);
    held += r.after;
  }
  const counts = new Int32Array(ctx.steps);
  // In a blocked subquery each series' figures are kept, merged with the blocks before, and the
  // peak is recomputed over them in label order: 2.42 walks each series' whole range at once.
  const blocked = ctx.peakBlockBefore !== undefined && !acct?.inside.has(e) && !acct?.wrapped.has(e);
  const bySeries = blocked ? new Map<string, SeriesPeak>() : undefined;
  for (const [k, s] of earlier(ctx, e)?.series ?? []) bySeries?.set(k, { ...s, last: 0 });
  let outputs = 0;
  let window = 0;
  let last = 0;
  return {
    steps,
    window(i: number, points: number) {
      if (points > window) window = points;
      if (i === steps - 1) last = points;
    },
    series(labels: Labels, present: Uint8Array | undefined) {
      let out = 0;
      if (present) {
        for (let i = 0; i < steps; i++) out += present[i];
        for (let i = 0; i < ctx.steps; i++) counts[i] += present[i];
      }
      if (bySeries) {
        const key = labelsKey(labels);
        const s = bySeries.get(key);
        if (s) {
          s.window = Math.max(s.window, window);
          s.out += out;
          s.last = last;
        } else bySeries.set(key, { labels, window, out, last });
      } else {
        peak = Math.max(peak, held + outputs + window);
        outputs += out;
        peak = Math.max(peak, held + outputs + last);
      }
      window = 0;
      last = 0;
    },
    done(subqueryPoints: number) {
      if (bySeries) {
        for (const s of [...bySeries.values()].sort((a, b) => compareLabels(a.labels, b.labels))) {
          peak = Math.max(peak, held + outputs + s.window);
          outputs += s.out;
          peak = Math.max(peak, held + outputs + s.last);
        }
      }
      const rec = { peak, after: held + outputs - subqueryPoints, counts, series: bySeries };
      // absent_over_time's output is not these series' (evalAbsent records it with its own).
      if (e.func === 'absent_over_time') acct?.records.set(e, rec);
      else setRecord(ctx, e, rec);
    },
  };
}

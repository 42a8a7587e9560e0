// Binary operators of Prometheus 2.42 (engine.go VectorBinop, VectorscalarBinop, set operators):
// one-to-one / many-to-one / one-to-many matching on signatures, `bool`, and `__name__` dropped
// for arithmetic and for `bool` comparisons.
import { type BinaryExpr, type BinaryOp, COMPARISON_OPS, type VectorMatching } from '../ast.js';
import { executionError } from '../errors.js';
import { dropMetricName, formatLabels, matchSignature, METRIC_NAME } from '../labels.js';
import type { Labels } from '../sample-source.js';
import { goPow } from './stats.js';
import {
  checkDeadline,
  checkDeadlineAt,
  type Eval,
  type EvalContext,
  newSeries,
  PAUSE,
  type Pause,
  pauseDue,
  SeriesBuilder,
  type StepSeries,
} from './values.js';

/** [value, keep]: arithmetic always keeps; comparisons keep the left value when true. */
export function elemBinop(op: BinaryOp, l: number, r: number): [number, boolean] {
  switch (op) {
    case '+':
      return [l + r, true];
    case '-':
      return [l - r, true];
    case '*':
      return [l * r, true];
    case '/':
      return [l / r, true];
    case '%':
      return [l % r, true];
    case '^':
      return [goPow(l, r), true];
    case 'atan2':
      return [Math.atan2(l, r), true];
    case '==':
      return [l, l === r];
    case '!=':
      return [l, l !== r];
    case '>':
      return [l, l > r];
    case '<':
      return [l, l < r];
    case '>=':
      return [l, l >= r];
    case '<=':
      return [l, l <= r];
    default:
      throw executionError(`operator "${op}" not allowed for scalar operations`);
  }
}

/** Prometheus 2.42's shouldDropMetricName: the arithmetic operators (+ - * / % ^), not atan2 nor
 * comparisons (without bool), drop __name__. */
export const dropsName = (op: BinaryOp, returnBool: boolean): boolean =>
  returnBool || (!COMPARISON_OPS.has(op) && op !== 'atan2');

export function scalarBinop(e: BinaryExpr, l: Float64Array, r: Float64Array): Float64Array {
  const out = new Float64Array(l.length);
  for (let i = 0; i < l.length; i++) {
    const [v, keep] = elemBinop(e.op, l[i], r[i]);
    out[i] = COMPARISON_OPS.has(e.op) ? (keep ? 1 : 0) : v;
  }
  return out;
}

/** Vector ⊕ scalar (or scalar ⊕ vector when `swap`); comparisons keep the vector's value. */
export function vectorScalarBinop(
  ctx: EvalContext,
  e: BinaryExpr,
  vec: StepSeries[],
  scalar: Float64Array,
  swap: boolean,
): StepSeries[] {
  const b = new SeriesBuilder(ctx.steps);
  for (const s of vec) {
    const o = seriesScalarBinop(ctx, e, s, scalar, swap);
    if (o) b.addSeries(o);
  }
  return b.result();
}

/** vectorScalarBinop one series at a time, for an input whose output label sets cannot collide. */
export function* streamScalarBinop(
  ctx: EvalContext,
  e: BinaryExpr,
  vec: Iterable<StepSeries | Pause>,
  scalar: Float64Array,
  swap: boolean,
): Generator<StepSeries | Pause> {
  for (const s of vec) {
    if (s === PAUSE) {
      yield PAUSE;
      continue;
    }
    const o = seriesScalarBinop(ctx, e, s, scalar, swap);
    if (o) yield o;
  }
}

/** One series ⊕ scalar; undefined when no step keeps a value. */
function seriesScalarBinop(
  ctx: EvalContext,
  e: BinaryExpr,
  s: StepSeries,
  scalar: Float64Array,
  swap: boolean,
): StepSeries | undefined {
  const isCmp = COMPARISON_OPS.has(e.op);
  let o: StepSeries | undefined;
  for (let i = 0; i < ctx.steps; i++) {
    checkDeadlineAt(ctx, i);
    if (!s.present[i]) continue;
    const lv = swap ? scalar[i] : s.values[i];
    const rv = swap ? s.values[i] : scalar[i];
    let [v, keep] = elemBinop(e.op, lv, rv);
    if (isCmp && swap) v = rv;
    if (e.returnBool) {
      v = keep ? 1 : 0;
      keep = true;
    }
    if (!keep) continue;
    o ??= newSeries(dropsName(e.op, e.returnBool) ? dropMetricName(s.metric) : s.metric, ctx.steps);
    o.values[i] = v;
    o.present[i] = 1;
  }
  return o;
}

function resultMetric(l: Labels, r: Labels, e: BinaryExpr, m: VectorMatching): Labels {
  let out: Labels = { ...l };
  if (dropsName(e.op, false)) delete out[METRIC_NAME];
  if (m.card === 'one-to-one') {
    if (m.on) {
      const kept: Labels = {};
      for (const n of m.labels) if (out[n] !== undefined) kept[n] = out[n];
      out = kept;
    } else {
      for (const n of m.labels) delete out[n];
    }
  }
  for (const n of m.include) {
    if (r[n]) out[n] = r[n];
    else delete out[n];
  }
  if (e.returnBool) delete out[METRIC_NAME];
  return out;
}

/** Prometheus' Labels.MatchLabels: the on(...) labels, or all but the ignoring(...) ones and __name__. */
function matchedLabels(metric: Labels, m: VectorMatching): Labels {
  const out: Labels = {};
  for (const n of Object.keys(metric))
    if (m.on ? m.labels.includes(n) : !m.labels.includes(n) && n !== METRIC_NAME) out[n] = metric[n];
  return out;
}

function maxOf(...lists: number[][]): number {
  let max = 0;
  for (const l of lists) for (const x of l) if (x > max) max = x;
  return max;
}

/** Series of a side between two looks at the slice's clock (vector-vector operators pause inside:
 * 100,000 series a side took ~1 s in one go). */
const SERIES_PER_PAUSE_CHECK = 1024;

/** Whether to pause before series `k` of a loop over series. */
function pauseAt(ctx: EvalContext, k: number): boolean {
  return k % SERIES_PER_PAUSE_CHECK === SERIES_PER_PAUSE_CHECK - 1 && pauseDue(ctx);
}

/** Integer ids for match signatures, so per-step bookkeeping needs no string keys. */
function* signatureIds(ctx: EvalContext, m: VectorMatching, ...sides: StepSeries[][]): Eval<number[][]> {
  const ids = new Map<string, number>();
  const out: number[][] = [];
  for (const side of sides) {
    const sig: number[] = [];
    for (let k = 0; k < side.length; k++) {
      if (pauseAt(ctx, k)) yield PAUSE;
      const key = matchSignature(side[k].metric, m.on, m.labels);
      let id = ids.get(key);
      if (id === undefined) {
        id = ids.size;
        ids.set(key, id);
      }
      sig.push(id);
    }
    out.push(sig);
  }
  return out;
}

export function* vectorBinop(
  ctx: EvalContext,
  e: BinaryExpr,
  lhsIn: StepSeries[],
  rhsIn: StepSeries[],
): Eval<StepSeries[]> {
  const m = e.matching!;
  if (m.card === 'many-to-many') return yield* setBinop(ctx, e.op, m, lhsIn, rhsIn);
  const swapped = m.card === 'one-to-many';
  const lhs = swapped ? rhsIn : lhsIn;
  const rhs = swapped ? lhsIn : rhsIn;
  const [lSig, rSig] = yield* signatureIds(ctx, m, lhs, rhs);
  const rightBySig: number[][] = [];
  rSig.forEach((id, ri) => {
    const list = rightBySig[id];
    if (list) list.push(ri);
    else rightBySig[id] = [ri];
  });
  const stamp = new Int32Array(maxOf(lSig, rSig) + 1).fill(-1);
  const b = new SeriesBuilder(ctx.steps);
  const outFor = new Map<number, StepSeries>();
  for (let i = 0; i < ctx.steps; i++) {
    checkDeadline(ctx);
    for (let li = 0; li < lhs.length; li++) {
      if (pauseAt(ctx, li)) yield PAUSE;
      const ls = lhs[li];
      if (!ls.present[i]) continue;
      const candidates = rightBySig[lSig[li]];
      if (!candidates) continue;
      let ri = -1;
      for (const c of candidates) {
        if (!rhs[c].present[i]) continue;
        if (ri >= 0) {
          const side = swapped ? 'left' : 'right';
          const group = formatLabels(matchedLabels(rhs[c].metric, m));
          throw executionError(
            `found duplicate series for the match group ${group} on the ${side} hand-side of the operation: [${formatLabels(rhs[c].metric)}, ${formatLabels(rhs[ri].metric)}];many-to-many matching not allowed: matching labels must be unique on one side`,
          );
        }
        ri = c;
      }
      if (ri < 0) continue;
      const rs = rhs[ri];
      const vl = swapped ? rs.values[i] : ls.values[i];
      const vr = swapped ? ls.values[i] : rs.values[i];
      let [v, keep] = elemBinop(e.op, vl, vr);
      if (e.returnBool) v = keep ? 1 : 0;
      else if (!keep) continue;
      const pair = li * rhs.length + ri;
      let o = outFor.get(pair);
      if (!o) {
        o = b.get(resultMetric(ls.metric, rs.metric, e, m));
        outFor.set(pair, o);
      }
      if (m.card === 'one-to-one') {
        if (stamp[lSig[li]] === i) {
          throw executionError(
            'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)',
          );
        }
        stamp[lSig[li]] = i;
      } else if (o.present[i]) {
        throw executionError('multiple matches for labels: grouping labels must ensure unique matches');
      }
      b.set(o, i, v);
    }
  }
  return b.result();
}

function* setBinop(
  ctx: EvalContext,
  op: BinaryOp,
  m: VectorMatching,
  lhs: StepSeries[],
  rhs: StepSeries[],
): Eval<StepSeries[]> {
  const [lSig, rSig] = yield* signatureIds(ctx, m, lhs, rhs);
  const size = maxOf(lSig, rSig) + 1;
  const rightAt = new Int32Array(size).fill(-1);
  const leftAt = new Int32Array(size).fill(-1);
  const b = new SeriesBuilder(ctx.steps);
  const outL: StepSeries[] = [];
  for (let k = 0; k < lhs.length; k++) {
    if (pauseAt(ctx, k)) yield PAUSE;
    outL.push(b.get(lhs[k].metric));
  }
  const outR: StepSeries[] = [];
  if (op === 'or') {
    for (let k = 0; k < rhs.length; k++) {
      if (pauseAt(ctx, k)) yield PAUSE;
      outR.push(b.get(rhs[k].metric));
    }
  }
  for (let i = 0; i < ctx.steps; i++) {
    checkDeadline(ctx);
    for (let ri = 0; ri < rhs.length; ri++) if (rhs[ri].present[i]) rightAt[rSig[ri]] = i;
    for (let li = 0; li < lhs.length; li++) {
      if (pauseAt(ctx, li)) yield PAUSE;
      if (!lhs[li].present[i]) continue;
      leftAt[lSig[li]] = i;
      const has = rightAt[lSig[li]] === i;
      if (op === 'or' || (op === 'and' && has) || (op === 'unless' && !has))
        b.set(outL[li], i, lhs[li].values[i]);
    }
    if (op === 'or') {
      for (let ri = 0; ri < rhs.length; ri++) {
        if (rhs[ri].present[i] && leftAt[rSig[ri]] !== i) b.set(outR[ri], i, rhs[ri].values[i]);
      }
    }
  }
  return b.result();
}

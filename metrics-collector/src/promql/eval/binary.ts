// Binary operators of Prometheus 2.42 (engine.go VectorBinop, VectorscalarBinop, set operators):
// one-to-one / many-to-one / one-to-many matching on signatures, `bool`, and `__name__` dropped
// for arithmetic and for `bool` comparisons.
import { type BinaryExpr, type BinaryOp, COMPARISON_OPS, type VectorMatching } from '../ast.js';
import { executionError } from '../errors.js';
import { dropMetricName, formatLabels, labelsKey, matchSignature, METRIC_NAME } from '../labels.js';
import type { Labels } from '../sample-source.js';
import { goPow } from './stats.js';
import { type EvalContext, SeriesBuilder, type StepSeries } from './values.js';

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

const dropsName = (op: BinaryOp, returnBool: boolean) => returnBool || !COMPARISON_OPS.has(op);

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
  const isCmp = COMPARISON_OPS.has(e.op);
  for (const s of vec) {
    const metric = dropsName(e.op, e.returnBool) ? dropMetricName(s.metric) : s.metric;
    const o = b.get(metric);
    for (let i = 0; i < ctx.steps; i++) {
      if (!s.present[i]) continue;
      const lv = swap ? scalar[i] : s.values[i];
      const rv = swap ? s.values[i] : scalar[i];
      let [v, keep] = elemBinop(e.op, lv, rv);
      if (isCmp && swap) v = rv;
      if (e.returnBool) {
        v = keep ? 1 : 0;
        keep = true;
      }
      if (keep) b.set(o, i, v);
    }
  }
  return b.result();
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

export function vectorBinop(
  ctx: EvalContext,
  e: BinaryExpr,
  lhsIn: StepSeries[],
  rhsIn: StepSeries[],
): StepSeries[] {
  const m = e.matching!;
  if (m.card === 'many-to-many') return setBinop(ctx, e.op, m, lhsIn, rhsIn);
  const swapped = m.card === 'one-to-many';
  const lhs = swapped ? rhsIn : lhsIn;
  const rhs = swapped ? lhsIn : rhsIn;
  const sig = (s: StepSeries) => matchSignature(s.metric, m.on, m.labels);
  const rightBySig = new Map<string, StepSeries[]>();
  for (const s of rhs) {
    const k = sig(s);
    const list = rightBySig.get(k);
    if (list) list.push(s);
    else rightBySig.set(k, [s]);
  }
  const lhsSigs = lhs.map(sig);
  const b = new SeriesBuilder(ctx.steps);
  const outFor = new Map<string, StepSeries>();
  const isCmp = COMPARISON_OPS.has(e.op);
  for (let i = 0; i < ctx.steps; i++) {
    const matched = new Map<string, Set<string>>();
    for (let li = 0; li < lhs.length; li++) {
      const ls = lhs[li];
      if (!ls.present[i]) continue;
      const candidates = rightBySig.get(lhsSigs[li]);
      if (!candidates) continue;
      let rs: StepSeries | undefined;
      for (const c of candidates) {
        if (!c.present[i]) continue;
        if (rs) {
          const side = swapped ? 'left' : 'right';
          throw executionError(
            `found duplicate series for the match group on the ${side} hand-side of the operation: [${formatLabels(c.metric)}, ${formatLabels(rs.metric)}];many-to-many matching not allowed: matching labels must be unique on one side`,
          );
        }
        rs = c;
      }
      if (!rs) continue;
      const vl = swapped ? rs.values[i] : ls.values[i];
      const vr = swapped ? ls.values[i] : rs.values[i];
      let [v, keep] = elemBinop(e.op, vl, vr);
      if (e.returnBool) {
        v = keep ? 1 : 0;
      } else if (!keep) continue;
      if (isCmp && !e.returnBool && swapped) v = vl;
      const pairKey = `${li}\x00${labelsKey(rs.metric)}`;
      let o = outFor.get(pairKey);
      if (!o) {
        o = b.get(resultMetric(ls.metric, rs.metric, e, m));
        outFor.set(pairKey, o);
      }
      const s = lhsSigs[li];
      const seen = matched.get(s);
      if (m.card === 'one-to-one') {
        if (seen) {
          throw executionError(
            'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)',
          );
        }
        matched.set(s, new Set());
      } else {
        const outKey = labelsKey(o.metric);
        if (seen?.has(outKey))
          throw executionError('multiple matches for labels: grouping labels must ensure unique matches');
        if (seen) seen.add(outKey);
        else matched.set(s, new Set([outKey]));
      }
      b.set(o, i, v);
    }
  }
  return b.result();
}

function setBinop(
  ctx: EvalContext,
  op: BinaryOp,
  m: VectorMatching,
  lhs: StepSeries[],
  rhs: StepSeries[],
): StepSeries[] {
  const sig = (s: StepSeries) => matchSignature(s.metric, m.on, m.labels);
  const lSigs = lhs.map(sig);
  const rSigs = rhs.map(sig);
  const b = new SeriesBuilder(ctx.steps);
  const outL = lhs.map((s) => b.get(s.metric));
  const outR = op === 'or' ? rhs.map((s) => b.get(s.metric)) : [];
  for (let i = 0; i < ctx.steps; i++) {
    const rightPresent = new Set<string>();
    for (let ri = 0; ri < rhs.length; ri++) if (rhs[ri].present[i]) rightPresent.add(rSigs[ri]);
    const leftPresent = new Set<string>();
    for (let li = 0; li < lhs.length; li++) {
      if (!lhs[li].present[i]) continue;
      leftPresent.add(lSigs[li]);
      const has = rightPresent.has(lSigs[li]);
      if (op === 'or' || (op === 'and' && has) || (op === 'unless' && !has))
        b.set(outL[li], i, lhs[li].values[i]);
    }
    if (op === 'or') {
      for (let ri = 0; ri < rhs.length; ri++) {
        if (rhs[ri].present[i] && !leftPresent.has(rSigs[ri])) b.set(outR[ri], i, rhs[ri].values[i]);
      }
    }
  }
  return b.result();
}

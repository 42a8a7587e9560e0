// Instant-vector functions of Prometheus 2.42 (promql/functions.go): element-wise math that drops
// `__name__`, label_replace/label_join, histogram_quantile, scalar/vector/time, sort, absent.
import { daysInMonth, type GoDate, goUtcDate } from './go-time.js';
import type { Expr } from '../ast.js';
import { executionError } from '../errors.js';
import { dropMetricName, isValidLabelName, labelsKey } from '../labels.js';
import { compileAnchoredRegex } from '../matchers.js';
import type { Labels } from '../sample-source.js';
import { parseGoFloat } from './stats.js';
import {
  checkDeadlineAt,
  type EvalContext,
  newSeries,
  SeriesBuilder,
  type StepSeries,
  stepTime,
} from './values.js';

type Elementwise = (v: number, params: number[]) => number;

const sgn = (v: number) => (v < 0 ? -1 : v > 0 ? 1 : v);
const date = (f: (d: GoDate) => number) => (v: number) => f(goUtcDate(v));

export const ELEMENTWISE: Record<string, Elementwise> = {
  abs: Math.abs,
  ceil: Math.ceil,
  floor: Math.floor,
  exp: Math.exp,
  sqrt: Math.sqrt,
  ln: Math.log,
  log2: Math.log2,
  log10: Math.log10,
  sgn,
  deg: (v) => (v * 180) / Math.PI,
  rad: (v) => (v * Math.PI) / 180,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  tanh: Math.tanh,
  asinh: Math.asinh,
  acosh: Math.acosh,
  atanh: Math.atanh,
  round: (v, [toNearest = 1]) => {
    const inv = 1 / toNearest;
    return Math.floor(v * inv + 0.5) / inv;
  },
  clamp: (v, [min, max]) => Math.max(min, Math.min(max, v)),
  clamp_max: (v, [max]) => Math.min(v, max),
  clamp_min: (v, [min]) => Math.max(v, min),
  day_of_month: date((d) => d.day),
  day_of_week: date((d) => d.weekday),
  day_of_year: date((d) => d.yday),
  days_in_month: date((d) => daysInMonth(d.year, d.month)),
  hour: date((d) => d.hour),
  minute: date((d) => d.minute),
  month: date((d) => d.month),
  year: date((d) => d.year),
};

/** Applies an element-wise function; `params[k][i]` is scalar argument k at step i. */
export function mapElementwise(
  ctx: EvalContext,
  fn: string,
  input: StepSeries[],
  params: Float64Array[],
): StepSeries[] {
  const f = ELEMENTWISE[fn];
  const b = new SeriesBuilder(ctx.steps);
  const p: number[] = [];
  for (const s of input) {
    const o = b.get(dropMetricName(s.metric));
    for (let i = 0; i < ctx.steps; i++) {
      checkDeadlineAt(ctx, i);
      if (!s.present[i]) continue;
      p.length = 0;
      for (const a of params) p.push(a[i]);
      if (fn === 'clamp' && p[1] < p[0]) continue;
      b.set(o, i, f(s.values[i], p));
    }
  }
  return b.result();
}

/** Go regexp.Expand template semantics for label_replace: $1, ${1}, $name, ${name}, $$. */
function expandTemplate(template: string, m: RegExpExecArray): string {
  return template.replace(
    /\$(\$|\{([a-zA-Z0-9_]+)\}|([a-zA-Z0-9_]+))/g,
    (_all, tok: string, braced?: string, bare?: string) => {
      if (tok === '$') return '$';
      const name = (braced ?? bare) as string;
      if (/^\d+$/.test(name)) return m[Number(name)] ?? '';
      return m.groups?.[name] ?? '';
    },
  );
}

export function labelReplace(ctx: EvalContext, input: StepSeries[], args: string[]): StepSeries[] {
  const [dst, repl, src, regexStr] = args;
  let re: RegExp;
  try {
    re = compileAnchoredRegex(regexStr);
  } catch {
    throw executionError(`invalid regular expression in label_replace(): ${regexStr}`);
  }
  if (!isValidLabelName(dst))
    throw executionError(`invalid destination label name in label_replace(): ${dst}`);
  const b = new SeriesBuilder(ctx.steps);
  for (const s of input) {
    const m = re.exec(s.metric[src] ?? '');
    let metric = s.metric;
    if (m) {
      const res = expandTemplate(repl, m);
      metric = { ...s.metric };
      delete metric[dst];
      if (res !== '') metric[dst] = res;
    }
    b.addSeries(s, metric);
  }
  return b.result();
}

export function labelJoin(ctx: EvalContext, input: StepSeries[], args: string[]): StepSeries[] {
  const [dst, sep, ...srcs] = args;
  for (const src of srcs)
    if (!isValidLabelName(src)) throw executionError(`invalid source label name in label_join(): ${src}`);
  if (!isValidLabelName(dst)) throw executionError(`invalid destination label name in label_join(): ${dst}`);
  const b = new SeriesBuilder(ctx.steps);
  for (const s of input) {
    const joined = srcs.map((n) => s.metric[n] ?? '').join(sep);
    const metric = { ...s.metric };
    if (joined !== '') metric[dst] = joined;
    else delete metric[dst];
    b.addSeries(s, metric);
  }
  return b.result();
}

interface Bucket {
  upper: number;
  count: number;
}

/** Prometheus' bucketQuantile (promql/quantile.go) for classic histograms. */
export function bucketQuantile(q: number, buckets: Bucket[]): number {
  if (Number.isNaN(q)) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  buckets.sort((a, b) => a.upper - b.upper);
  if (buckets.length === 0 || buckets[buckets.length - 1].upper !== Number.POSITIVE_INFINITY)
    return Number.NaN;
  const merged: Bucket[] = [];
  for (const bk of buckets) {
    const last = merged[merged.length - 1];
    if (last && last.upper === bk.upper) last.count += bk.count;
    else merged.push({ ...bk });
  }
  let max = Number.NEGATIVE_INFINITY;
  for (const bk of merged) {
    if (bk.count > max) max = bk.count;
    else if (bk.count < max) bk.count = max;
  }
  if (merged.length < 2) return Number.NaN;
  const observations = merged[merged.length - 1].count;
  if (observations === 0) return Number.NaN;
  let rank = q * observations;
  let b = 0;
  while (b < merged.length - 1 && !(merged[b].count >= rank)) b++;
  if (b === merged.length - 1) return merged[merged.length - 2].upper;
  if (b === 0 && merged[0].upper <= 0) return merged[0].upper;
  let bucketStart = 0;
  const bucketEnd = merged[b].upper;
  let count = merged[b].count;
  if (b > 0) {
    bucketStart = merged[b - 1].upper;
    count -= merged[b - 1].count;
    rank -= merged[b - 1].count;
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

export function histogramQuantile(ctx: EvalContext, q: Float64Array, input: StepSeries[]): StepSeries[] {
  const groups = new Map<string, { metric: Labels; members: Array<{ s: StepSeries; upper: number }> }>();
  for (const s of input) {
    const upper = parseGoFloat(s.metric.le ?? '');
    if (upper === undefined) continue;
    const metric = dropMetricName({ ...s.metric });
    delete metric.le;
    const key = labelsKey(metric);
    let g = groups.get(key);
    if (!g) {
      g = { metric, members: [] };
      groups.set(key, g);
    }
    g.members.push({ s, upper });
  }
  const out: StepSeries[] = [];
  for (const g of groups.values()) {
    const o = newSeries(g.metric, ctx.steps);
    for (let i = 0; i < ctx.steps; i++) {
      checkDeadlineAt(ctx, i);
      const buckets: Bucket[] = [];
      for (const m of g.members) if (m.s.present[i]) buckets.push({ upper: m.upper, count: m.s.values[i] });
      if (buckets.length === 0) continue;
      o.values[i] = bucketQuantile(q[i], buckets);
      o.present[i] = 1;
    }
    if (o.present.some((p) => p === 1)) out.push(o);
  }
  return out;
}

/** Labels absent() reports: equality matchers of the selector argument, except `__name__`. */
export function absentLabels(arg: Expr): Labels {
  let e = arg;
  while (e.type === 'ParenExpr') e = e.expr;
  const vs = e.type === 'VectorSelector' ? e : e.type === 'MatrixSelector' ? e.selector : undefined;
  const out: Labels = {};
  if (!vs) return out;
  const drop = new Set<string>();
  for (const m of vs.matchers) {
    if (m.name === '__name__') continue;
    if (m.type === '=' && !(m.name in out)) out[m.name] = m.value;
    else drop.add(m.name);
  }
  for (const n of drop) delete out[n];
  // labels.Builder.Set with an empty value deletes the label (`absent(x{job=""})` has none).
  for (const n of Object.keys(out)) if (out[n] === '') delete out[n];
  return out;
}

/** Orders an instant vector's series by value at step 0 (NaN last), as sort()/sort_desc(). */
export function sortByValue(input: StepSeries[], desc: boolean): StepSeries[] {
  return [...input].sort((a, b) => {
    const x = a.values[0];
    const y = b.values[0];
    if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : 1;
    if (Number.isNaN(y)) return -1;
    return desc ? y - x : x - y;
  });
}

export function timeScalar(ctx: EvalContext): Float64Array {
  const out = new Float64Array(ctx.steps);
  for (let i = 0; i < ctx.steps; i++) out[i] = stepTime(ctx, i) / 1000;
  return out;
}

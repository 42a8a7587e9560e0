// Aggregation operators of Prometheus 2.42 (engine.go aggregation): groups are computed once per
// input series; values per step. Output order for instant queries follows first appearance.
import type { AggregateExpr } from '../ast.js';
import { executionError } from '../errors.js';
import { formatGoFloat } from '../format-value.js';
import { isValidLabelName, LABEL_SEP, labelsKey, METRIC_NAME } from '../labels.js';
import type { Labels } from '../sample-source.js';
import { quantile } from './stats.js';
import {
  checkDeadline,
  collect,
  type Eval,
  type EvalContext,
  newSeries,
  PAUSE,
  type Pause,
  SeriesBuilder,
  type StepSeries,
} from './values.js';

interface Group {
  metric: Labels;
  members: StepSeries[];
}

function groupMetric(metric: Labels, grouping: string[], without: boolean): Labels {
  const out: Labels = {};
  if (without) {
    for (const n in metric) if (n !== METRIC_NAME && !grouping.includes(n)) out[n] = metric[n];
  } else {
    for (const n of grouping) if (metric[n]) out[n] = metric[n];
  }
  return out;
}

function buildGroups(input: StepSeries[], e: AggregateExpr): Group[] {
  const groups = new Map<string, Group>();
  for (const s of input) {
    const metric = groupMetric(s.metric, e.grouping, e.without);
    const key = labelsKey(metric);
    let g = groups.get(key);
    if (!g) {
      g = { metric, members: [] };
      groups.set(key, g);
    }
    g.members.push(s);
  }
  return [...groups.values()];
}

export function* evalAggregate(
  ctx: EvalContext,
  e: AggregateExpr,
  input: Iterable<StepSeries | Pause>,
  param: Float64Array | string | undefined,
): Eval<StepSeries[]> {
  if (e.op === 'count_values') return countValues(ctx, e, yield* collect(input), param as string);
  if (e.op === 'topk' || e.op === 'bottomk')
    return topk(ctx, e, yield* collect(input), param as Float64Array);
  if (e.op === 'quantile') return quantiles(ctx, e, yield* collect(input), param as Float64Array);
  return yield* fold(ctx, e, input);
}

function quantiles(ctx: EvalContext, e: AggregateExpr, input: StepSeries[], q: Float64Array): StepSeries[] {
  const groups = buildGroups(input, e);
  const out: StepSeries[] = groups.map((g) => newSeries(g.metric, ctx.steps));
  const buf: number[] = [];
  for (let i = 0; i < ctx.steps; i++) {
    checkDeadline(ctx);
    for (let gi = 0; gi < groups.length; gi++) {
      buf.length = 0;
      for (const m of groups[gi].members) if (m.present[i]) buf.push(m.values[i]);
      if (buf.length === 0) continue;
      out[gi].values[i] = quantile(q[i], buf);
      out[gi].present[i] = 1;
    }
  }
  return out.filter((s) => s.present.some((p) => p === 1));
}

/** Per-step state of one group: the output plus the count and mean the operator needs. */
interface FoldState {
  out: StepSeries;
  count: Float64Array | undefined;
  mean: Float64Array;
}

/**
 * sum/avg/min/max/count/group/stddev/stdvar: each input series is folded into its group's per-step
 * state as it arrives and not kept, so the input can stream from storage. Per group and step the
 * arithmetic is Prometheus' in member order: plain sum, incremental mean with its Inf handling,
 * Welford for stddev/stdvar, NaN-replacing min/max.
 */
function* fold(ctx: EvalContext, e: AggregateExpr, input: Iterable<StepSeries | Pause>): Eval<StepSeries[]> {
  const { op } = e;
  const steps = ctx.steps;
  const keyOf = groupKeyOf(e);
  const withMean = op === 'avg' || op === 'stddev' || op === 'stdvar';
  const withCount = withMean || op === 'count';
  const groups = new Map<string, FoldState>();
  for (const s of input) {
    if (s === PAUSE) {
      yield PAUSE;
      continue;
    }
    checkDeadline(ctx);
    const key = keyOf(s.metric);
    let g = groups.get(key);
    if (!g) {
      const out = newSeries(groupMetric(s.metric, e.grouping, e.without), steps);
      g = {
        out,
        count: withCount ? new Float64Array(steps) : undefined,
        mean: withMean ? new Float64Array(steps) : out.values,
      };
      groups.set(key, g);
    }
    foldSeries(op, g, s, steps);
  }
  const result: StepSeries[] = [];
  for (const g of groups.values()) {
    const { values: val, present: pres } = g.out;
    const count = g.count;
    let any = false;
    for (let i = 0; i < steps; i++) {
      if (!pres[i]) continue;
      any = true;
      if (!count) continue;
      if (op === 'count') val[i] = count[i];
      else if (op === 'avg') val[i] = g.mean[i];
      else if (op === 'stdvar') val[i] = val[i] / count[i];
      else if (op === 'stddev') val[i] = Math.sqrt(val[i] / count[i]);
    }
    if (any) result.push(g.out);
  }
  return result;
}

function foldSeries(op: AggregateExpr['op'], g: FoldState, m: StepSeries, steps: number): void {
  const val = g.out.values;
  const pres = g.out.present;
  const { count, mean } = g;
  const mv = m.values;
  const mp = m.present;
  for (let i = 0; i < steps; i++) {
    if (!mp[i]) continue;
    const v = mv[i];
    if (!pres[i]) {
      pres[i] = 1;
      if (count) count[i] = 1;
      mean[i] = v;
      val[i] = op === 'stddev' || op === 'stdvar' ? 0 : op === 'group' ? 1 : v;
      continue;
    }
    switch (op) {
      case 'sum':
        val[i] += v;
        break;
      case 'max':
        if (val[i] < v || Number.isNaN(val[i])) val[i] = v;
        break;
      case 'min':
        if (val[i] > v || Number.isNaN(val[i])) val[i] = v;
        break;
      case 'count':
        count![i]++;
        break;
      case 'avg': {
        const n = ++count![i];
        const cur = mean[i];
        if (!Number.isFinite(cur) && !Number.isNaN(cur)) {
          if (!Number.isFinite(v) && !Number.isNaN(v) && cur > 0 === v > 0) break;
          if (Number.isFinite(v)) break;
        }
        mean[i] = cur + (v / n - cur / n);
        break;
      }
      case 'stddev':
      case 'stdvar': {
        const n = ++count![i];
        const delta = v - mean[i];
        mean[i] += delta / n;
        val[i] += delta * (v - mean[i]);
        break;
      }
      default:
        break;
    }
  }
}

/** The key of a series' group: labelsKey(groupMetric(...)) without building the group's labels for `by`. */
function groupKeyOf(e: AggregateExpr): (metric: Labels) => string {
  if (e.without) return (metric) => labelsKey(groupMetric(metric, e.grouping, true));
  const names = [...new Set(e.grouping)].sort();
  return (metric) => {
    let key = '';
    for (const n of names) {
      const v = metric[n];
      if (v) key += `${n}${LABEL_SEP}${v}${LABEL_SEP}`;
    }
    return key;
  };
}

/** The k best present members at step i, best first: insertion into a k-long list, O(n·k). */
function selectTop(
  members: StepSeries[],
  i: number,
  k: number,
  cmp: (a: number, b: number) => number,
): StepSeries[] {
  if (k > 64) {
    const present = members.filter((m) => m.present[i]);
    present.sort((a, b) => cmp(a.values[i], b.values[i]));
    return present.slice(0, k);
  }
  const top: StepSeries[] = [];
  for (const m of members) {
    if (!m.present[i]) continue;
    const v = m.values[i];
    if (top.length === k && cmp(v, top[k - 1].values[i]) >= 0) continue;
    let pos = top.length;
    while (pos > 0 && cmp(v, top[pos - 1].values[i]) < 0) pos--;
    top.splice(pos, 0, m);
    if (top.length > k) top.pop();
  }
  return top;
}

/** NaN sorts last for both topk (descending) and bottomk (ascending), as Prometheus' heaps do. */
function byValue(desc: boolean) {
  return (a: number, b: number): number => {
    if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
    if (Number.isNaN(b)) return -1;
    return desc ? b - a : a - b;
  };
}

function topk(ctx: EvalContext, e: AggregateExpr, input: StepSeries[], k: Float64Array): StepSeries[] {
  const groups = buildGroups(input, e);
  const cmp = byValue(e.op === 'topk');
  const selected = new Map<StepSeries, StepSeries>();
  const instantOrder: StepSeries[] = [];
  for (let i = 0; i < ctx.steps; i++) {
    checkDeadline(ctx);
    // Go converts k to an int64 first: NaN, ±Inf and beyond ±2^63 are an error there.
    if (!(Math.abs(k[i]) < 2 ** 63)) throw executionError(`Scalar value ${goFloatV(k[i])} overflows int64`);
    const kk = Math.trunc(k[i]);
    if (!(kk >= 1)) continue;
    for (const g of groups) {
      const chosen = selectTop(g.members, i, kk, cmp);
      for (const m of chosen) {
        let o = selected.get(m);
        if (!o) {
          o = newSeries(m.metric, ctx.steps);
          selected.set(m, o);
        }
        o.values[i] = m.values[i];
        o.present[i] = 1;
        if (ctx.steps === 1) instantOrder.push(o);
      }
    }
  }
  return ctx.steps === 1 ? instantOrder : [...selected.values()];
}

function countValues(ctx: EvalContext, e: AggregateExpr, input: StepSeries[], label: string): StepSeries[] {
  if (!isValidLabelName(label)) throw executionError(`invalid label name "${label}"`);
  const grouping = e.without ? e.grouping : [...e.grouping, label];
  const b = new SeriesBuilder(ctx.steps);
  for (let i = 0; i < ctx.steps; i++) {
    checkDeadline(ctx);
    for (const s of input) {
      if (!s.present[i]) continue;
      const withValue: Labels = { ...s.metric, [label]: formatGoFloat(s.values[i], 'f') };
      const metric = groupMetric(withValue, grouping, e.without);
      const o = b.get(metric);
      o.values[i] = o.present[i] ? o.values[i] + 1 : 1;
      o.present[i] = 1;
    }
  }
  return b.result();
}

/** Go's %v of a float64 that does not fit an int64: NaN, ±Inf, or |v| ≥ 2^63 (%e form there). */
function goFloatV(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  return v.toExponential();
}

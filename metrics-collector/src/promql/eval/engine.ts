// The evaluator: walks the AST over the query's step grid. Every node yields its value at all
// steps at once (see values.ts), mirroring Prometheus 2.42's range evaluation, so an instant
// query is the one-step case of a range query. Evaluation is a generator that pauses between
// series when its slice is spent (values.ts PAUSE); the order of work is the same either way.
import { type AggregateExpr, type BinaryExpr, type Call, type Expr, SET_OPS, typeOf } from '../ast.js';
import { executionError } from '../errors.js';
import { dropMetricName } from '../labels.js';
import { evalAggregate } from './aggregate.js';
import { dropsName, scalarBinop, streamScalarBinop, vectorBinop, vectorScalarBinop } from './binary.js';
import {
  absentLabels,
  ELEMENTWISE,
  histogramQuantile,
  labelJoin,
  labelReplace,
  mapElementwise,
  sortByValue,
  timeScalar,
} from './functions.js';
import { countsOf, recordAbsentOverTime, recordNode } from './peak.js';
import { streamRangeCall } from './range-call.js';
import { RANGE_FUNCTIONS } from './range-functions.js';
import { evalSubquery, selectorDistinct, streamMatrixSelector, streamVectorSelector } from './selectors.js';
import {
  checkDeadline,
  collect,
  constantScalar,
  type Eval,
  type EvalContext,
  newSeries,
  PAUSE,
  type Pause,
  SeriesBuilder,
  type StepSeries,
  scalarValue,
  stepTime,
  type Value,
  type VectorStream,
  vectorValue,
} from './values.js';

export function* evaluate(ctx: EvalContext, e: Expr): Eval<Value> {
  const v = yield* evaluateNode(ctx, e);
  if (ctx.peak) recordNode(ctx, e, countsOf(ctx, v));
  return v;
}

function* evaluateNode(ctx: EvalContext, e: Expr): Eval<Value> {
  checkDeadline(ctx);
  switch (e.type) {
    case 'NumberLiteral':
      return constantScalar(ctx.steps, e.value);
    case 'StringLiteral':
      return { kind: 'string', value: e.value };
    case 'ParenExpr':
      return yield* evaluate(ctx, e.expr);
    case 'UnaryExpr': {
      const v = yield* evaluate(ctx, e.expr);
      if (e.op === '+') return v;
      if (v.kind === 'scalar') return { kind: 'scalar', values: v.values.map((x) => -x) };
      const b = new SeriesBuilder(ctx.steps);
      for (const s of vectorValue(v))
        b.addSeries({ ...s, values: s.values.map((x) => -x) }, dropMetricName(s.metric));
      return { kind: 'vector', series: b.result() };
    }
    case 'VectorSelector':
      return { kind: 'vector', series: yield* collect(streamVectorSelector(ctx, e)) };
    case 'MatrixSelector':
      return { kind: 'matrix', range: streamMatrixSelector(ctx, e.selector, e.rangeMs) };
    case 'SubqueryExpr':
      return { kind: 'matrix', range: yield* evalSubquery(ctx, e, evaluate) };
    case 'AggregateExpr':
      return yield* evalAggregateExpr(ctx, e);
    case 'BinaryExpr': {
      const l = yield* evaluate(ctx, e.lhs);
      const r = yield* evaluate(ctx, e.rhs);
      if (l.kind === 'scalar' && r.kind === 'scalar')
        return { kind: 'scalar', values: scalarBinop(e, l.values, r.values) };
      if (l.kind === 'vector' && r.kind === 'vector')
        return { kind: 'vector', series: yield* vectorBinop(ctx, e, l.series, r.series) };
      if (l.kind === 'vector')
        return { kind: 'vector', series: vectorScalarBinop(ctx, e, l.series, scalarValue(r), false) };
      return { kind: 'vector', series: vectorScalarBinop(ctx, e, vectorValue(r), scalarValue(l), true) };
    }
    case 'Call':
      return yield* evalCall(ctx, e);
  }
}

function* evalAggregateExpr(ctx: EvalContext, e: AggregateExpr): Eval<Value> {
  let param: Float64Array | string | undefined;
  if (e.param) {
    const p = yield* evaluate(ctx, e.param);
    param = p.kind === 'string' ? p.value : scalarValue(p);
  }
  const before = ctx.samples.loaded;
  const input = yield* streamVector(ctx, e.expr);
  const series = yield* evalAggregate(
    ctx,
    e,
    ctx.peak ? recorded(ctx, e.expr, input.series) : input.series,
    param,
  );
  // As Prometheus' rangeEval: the input's points (counted as they were produced) are released
  // once aggregated, the output's stay held.
  let held = 0;
  for (const s of series) for (let i = 0; i < ctx.steps; i++) held += s.present[i];
  ctx.samples.loaded = before + held;
  return { kind: 'vector', series };
}

/**
 * The instant vector `e` as a sequence of series: selectors, range-function calls and their
 * arithmetic or comparison with a scalar produce one series at a time from storage (nothing is
 * read before iteration starts); anything else is evaluated whole. Iterate once.
 */
function* streamVector(ctx: EvalContext, e: Expr): Eval<VectorStream> {
  switch (e.type) {
    case 'ParenExpr':
      return yield* streamVector(ctx, e.expr);
    case 'VectorSelector':
      return { series: streamVectorSelector(ctx, e), distinct: selectorDistinct(e) };
    case 'Call':
      if (RANGE_FUNCTIONS[e.func]) return streamRangeCall(ctx, e, evaluate);
      break;
    case 'BinaryExpr':
      if (SET_OPS.has(e.op) || typeOf(e.lhs) === typeOf(e.rhs)) break;
      return yield* streamWithScalar(ctx, e);
  }
  return { series: vectorValue(yield* evaluate(ctx, e)), distinct: undefined };
}

/** vector ⊕ scalar streamed when the output label sets cannot collide, else evaluated whole. */
function* streamWithScalar(ctx: EvalContext, e: BinaryExpr): Eval<VectorStream> {
  const swap = typeOf(e.lhs) === 'scalar';
  // Operands in Prometheus' order: the scalar first only when it is on the left.
  const scalar = swap ? scalarValue(yield* evaluate(ctx, e.lhs)) : undefined;
  const operand = swap ? e.rhs : e.lhs;
  const vec = yield* streamVector(ctx, operand);
  if (ctx.peak) vec.series = recorded(ctx, operand, vec.series);
  const s = scalar ?? scalarValue(yield* evaluate(ctx, e.rhs));
  const dropName = dropsName(e.op, e.returnBool);
  if (vec.distinct === 'without-name' || (vec.distinct === 'labels' && !dropName)) {
    return {
      series: streamScalarBinop(ctx, e, vec.series, s, swap),
      distinct: dropName ? 'without-name' : vec.distinct,
    };
  }
  return { series: vectorScalarBinop(ctx, e, yield* collect(vec.series), s, swap), distinct: undefined };
}

/** A streamed input passed through, recording its node once it is consumed (peak.ts). */
function* recorded(
  ctx: EvalContext,
  e: Expr,
  series: Iterable<StepSeries | Pause>,
): Generator<StepSeries | Pause> {
  const counts = new Int32Array(ctx.steps);
  for (const s of series) {
    if (s !== PAUSE) for (let i = 0; i < ctx.steps; i++) counts[i] += s.present[i];
    yield s;
  }
  recordStreamed(ctx, e, counts);
}

/** Records a streamed node and the streamed operands under it (a vector with a scalar). */
function recordStreamed(ctx: EvalContext, e: Expr, counts: Int32Array): void {
  if (e.type === 'ParenExpr') recordStreamed(ctx, e.expr, counts);
  recordNode(ctx, e, counts);
}

function unwrap(e: Expr): Expr {
  return e.type === 'ParenExpr' ? unwrap(e.expr) : e;
}

function* stringArg(ctx: EvalContext, e: Expr): Eval<string> {
  const v = yield* evaluate(ctx, e);
  if (v.kind !== 'string') throw executionError('expected string argument');
  return v.value;
}

function* evalCall(ctx: EvalContext, e: Call): Eval<Value> {
  const { func, args } = e;
  if (RANGE_FUNCTIONS[func])
    return { kind: 'vector', series: yield* collect(streamRangeCall(ctx, e, evaluate).series) };
  switch (func) {
    case 'time':
      return { kind: 'scalar', values: timeScalar(ctx) };
    case 'pi':
      return constantScalar(ctx.steps, Math.PI);
    case 'vector': {
      const s = newSeries({}, ctx.steps);
      s.values.set(scalarValue(yield* evaluate(ctx, args[0])));
      s.present.fill(1);
      return { kind: 'vector', series: [s] };
    }
    case 'scalar': {
      const series = vectorValue(yield* evaluate(ctx, args[0]));
      const out = new Float64Array(ctx.steps);
      for (let i = 0; i < ctx.steps; i++) {
        let n = 0;
        let v = Number.NaN;
        for (const s of series) {
          if (!s.present[i]) continue;
          n++;
          v = s.values[i];
        }
        out[i] = n === 1 ? v : Number.NaN;
      }
      return { kind: 'scalar', values: out };
    }
    case 'timestamp':
      return { kind: 'vector', series: yield* evalTimestamp(ctx, args[0]) };
    case 'absent':
    case 'absent_over_time':
      return yield* evalAbsent(ctx, e);
    case 'sort':
    case 'sort_desc': {
      const series = vectorValue(yield* evaluate(ctx, args[0]));
      return { kind: 'vector', series: ctx.steps === 1 ? sortByValue(series, func === 'sort_desc') : series };
    }
    case 'label_replace':
    case 'label_join': {
      const input = vectorValue(yield* evaluate(ctx, args[0]));
      const strs: string[] = [];
      for (const a of args.slice(1)) strs.push(yield* stringArg(ctx, a));
      return {
        kind: 'vector',
        series: func === 'label_replace' ? labelReplace(ctx, input, strs) : labelJoin(ctx, input, strs),
      };
    }
    case 'histogram_quantile': {
      const q = scalarValue(yield* evaluate(ctx, args[0]));
      return {
        kind: 'vector',
        series: histogramQuantile(ctx, q, vectorValue(yield* evaluate(ctx, args[1]))),
      };
    }
  }
  if (ELEMENTWISE[func]) {
    const input = args.length === 0 ? [timeVector(ctx)] : vectorValue(yield* evaluate(ctx, args[0]));
    const params: Float64Array[] = [];
    for (const a of args.slice(1)) params.push(scalarValue(yield* evaluate(ctx, a)));
    return { kind: 'vector', series: mapElementwise(ctx, func, input, params) };
  }
  throw executionError(`function "${func}" is not supported`);
}

function timeVector(ctx: EvalContext): StepSeries {
  const s = newSeries({}, ctx.steps);
  s.values.set(timeScalar(ctx));
  s.present.fill(1);
  return s;
}

function* evalTimestamp(ctx: EvalContext, arg: Expr): Eval<StepSeries[]> {
  const inner = unwrap(arg);
  const b = new SeriesBuilder(ctx.steps);
  if (inner.type === 'VectorSelector') {
    const times: Float64Array[] = [];
    const series = yield* collect(streamVectorSelector(ctx, inner, times));
    series.forEach((s, k) => {
      const o = b.get(dropMetricName(s.metric));
      for (let i = 0; i < ctx.steps; i++) if (s.present[i]) b.set(o, i, times[k][i] / 1000);
    });
    return b.result();
  }
  for (const s of vectorValue(yield* evaluate(ctx, arg))) {
    const o = b.get(dropMetricName(s.metric));
    for (let i = 0; i < ctx.steps; i++) if (s.present[i]) b.set(o, i, stepTime(ctx, i) / 1000);
  }
  return b.result();
}

function* evalAbsent(ctx: EvalContext, e: Call): Eval<Value> {
  const out = newSeries(absentLabels(e.args[0]), ctx.steps);
  // absent_over_time: the steps where no input series has a point in its window.
  const inputs =
    e.func === 'absent_over_time'
      ? yield* collect(streamRangeCall(ctx, e, evaluate).series)
      : vectorValue(yield* evaluate(ctx, e.args[0]));
  for (const s of inputs) for (let i = 0; i < ctx.steps; i++) if (s.present[i]) out.present[i] = 2;
  for (let i = 0; i < ctx.steps; i++) {
    out.present[i] = out.present[i] === 2 ? 0 : 1;
    out.values[i] = 1;
  }
  const v: Value = { kind: 'vector', series: out.present.some((p) => p === 1) ? [out] : [] };
  if (e.func === 'absent_over_time') recordAbsentOverTime(ctx, e, countsOf(ctx, v));
  return v;
}

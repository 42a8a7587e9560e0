// Intermediate values of the evaluator. An instant vector is evaluated at every step of the query
// at once and stored densely: one Float64Array of values plus a presence mask per series, so that
// per-series work (grouping keys, signatures, label rewrites) is done once, not once per step.
// Selectors and range functions also produce their series one at a time (engine.ts streamVector),
// which aggregations consume without holding every input series.
import type { AtModifier } from '../ast.js';
import { executionError, PromQLError } from '../errors.js';
import { labelsKey } from '../labels.js';
import type { Labels, SampleSource } from '../sample-source.js';
import type { PeakAccounting } from './peak.js';

export interface StepSeries {
  metric: Labels;
  values: Float64Array;
  present: Uint8Array;
}

/** Raw points of one series (from a range selector or a subquery). */
export interface PointSeries {
  metric: Labels;
  timestamps: number[];
  values: number[];
}

/**
 * A range argument: points plus the window each step reads ([ref - range, ref]). From a range
 * selector the series are a lazy sequence read from storage one at a time: iterate once.
 */
export interface RangeArg {
  series: Iterable<PointSeries | Pause>;
  rangeMs: number;
  offsetMs: number;
  at: number | undefined;
  distinct: Distinct;
  /** The points are already counted against --query.max-samples while the range is held
   * (a subquery's); a range selector's are counted only while the consumer uses a series. */
  counted?: true;
  /** A subquery's: the samples its inner expression read (2.42 counts them in
   * totalQueryableSamples only for a subquery that is the whole query). */
  read?: number;
}

/**
 * What is known, without a check, about a sequence of series: their label sets differ ('labels'),
 * and still do once `__name__` is dropped ('without-name': a selector pinning one name, the output
 * of a function that drops it); undefined when nothing is known.
 */
export type Distinct = 'labels' | 'without-name' | undefined;

/** An instant vector produced one series at a time (see engine.ts streamVector). Iterate once. */
export interface VectorStream {
  series: Iterable<StepSeries | Pause>;
  distinct: Distinct;
}

export type Value =
  | { kind: 'vector'; series: StepSeries[] }
  | { kind: 'scalar'; values: Float64Array }
  | { kind: 'string'; value: string }
  | { kind: 'matrix'; range: RangeArg };

/**
 * What the evaluator yields when its time slice is spent: evaluation is a generator (Eval) that
 * gives the event loop back between series, so remote_write, scrapes and health checks are served
 * while a long query runs (query.ts runs it in slices; synchronous callers never slice). Series
 * streams carry it between their series, and every consumer passes it up. The alternative, a query
 * worker, needs the store's heads in another isolate (a copy per read) and +10-20 MB of RSS.
 */
export const PAUSE: unique symbol = Symbol('pause');
export type Pause = typeof PAUSE;
/** A step of evaluation producing T, pausing with PAUSE. */
export type Eval<T> = Generator<Pause, T, undefined>;

/** When the current slice of a query's evaluation is spent. */
export interface Slice {
  due(): boolean;
}

export interface EvalContext {
  source: SampleSource;
  /** Step grid: start + k·interval for k in [0, steps). */
  start: number;
  interval: number;
  steps: number;
  /** Query start/end for @ start() / @ end(). */
  queryStart: number;
  queryEnd: number;
  lookbackMs: number;
  subqueryStepMs: number;
  deadline: number;
  now: () => number;
  /** Points held for the query (a range selector's raw points only while their series is in
   * use), against Prometheus' --query.max-samples. */
  samples: SampleCounts;
  /** Absent: evaluated in one go (rules, tests); never pauses. */
  slice?: Slice;
  /** Present with stats=all: 2.42's peakSamples bookkeeping, replayed (peak.ts). */
  peak?: PeakAccounting;
  /** In a subquery evaluated a block of steps at a time: its inner steps in the blocks before this
   * one, whose peak records this block's extend (peak.ts). */
  peakBlockBefore?: number;
}

export function pauseDue(ctx: EvalContext): boolean {
  return ctx.slice?.due() === true;
}

/** The series of a stream as an array, passing its pauses up. */
export function* collect<T>(items: Iterable<T | Pause>): Eval<T[]> {
  const out: T[] = [];
  for (const x of items) {
    if (x === PAUSE) yield PAUSE;
    else out.push(x);
  }
  return out;
}

/** Runs an evaluation to its end without giving the event loop back. */
export function runWhole<T>(e: Eval<T>): T {
  for (;;) {
    const r = e.next();
    if (r.done) return r.value;
  }
}

/** Points held against --query.max-samples (`loaded`), and `total`: the samples the query read
 * per step (Prometheus' totalQueryableSamples: a point per step for an instant selector, a range's
 * points at each step for a range function). `peak` (2.42's peakSamples, peak.ts) and `total` are
 * what `stats=all` reports. */
export interface SampleCounts {
  loaded: number;
  max: number;
  peak: number;
  total: number;
}

export function countSamples(ctx: EvalContext, n: number): void {
  const samples = ctx.samples;
  samples.loaded += n;
  if (samples.loaded > samples.max) {
    throw executionError('query processing would load too many samples into memory in query execution');
  }
}

export function stepTime(ctx: EvalContext, i: number): number {
  return ctx.start + i * ctx.interval;
}

export function resolveAt(ctx: EvalContext, at: AtModifier | undefined): number | undefined {
  if (!at) return undefined;
  if (at.kind === 'start') return ctx.queryStart;
  if (at.kind === 'end') return ctx.queryEnd;
  return at.ms;
}

export function checkDeadline(ctx: EvalContext): void {
  if (ctx.now() > ctx.deadline) throw new PromQLError('timeout', 'query timed out in expression evaluation');
}

/** Steps between clock reads inside per-step loops (a subquery can have millions of steps). */
export const STEPS_PER_CHECK = 4096;

/** checkDeadline once every STEPS_PER_CHECK steps of a per-step loop. */
export function checkDeadlineAt(ctx: EvalContext, step: number): void {
  if (step % STEPS_PER_CHECK === STEPS_PER_CHECK - 1) checkDeadline(ctx);
}

export function newSeries(metric: Labels, steps: number): StepSeries {
  return { metric, values: new Float64Array(steps), present: new Uint8Array(steps) };
}

/**
 * Collects output series by label set; two values for the same label set at the same step is
 * Prometheus' "vector cannot contain metrics with the same labelset" error.
 */
export class SeriesBuilder {
  private readonly byKey = new Map<string, StepSeries>();
  constructor(private readonly steps: number) {}

  get(metric: Labels, key = labelsKey(metric)): StepSeries {
    let s = this.byKey.get(key);
    if (!s) {
      s = newSeries(metric, this.steps);
      this.byKey.set(key, s);
    }
    return s;
  }

  set(s: StepSeries, i: number, v: number): void {
    if (s.present[i]) throw executionError('vector cannot contain metrics with the same labelset');
    s.present[i] = 1;
    s.values[i] = v;
  }

  /** Adds a whole series, merging with one of the same labels when their steps do not overlap. */
  addSeries(src: StepSeries, metric: Labels = src.metric): void {
    const key = labelsKey(metric);
    const existing = this.byKey.get(key);
    if (!existing) {
      this.byKey.set(key, metric === src.metric ? src : { ...src, metric });
      return;
    }
    for (let i = 0; i < this.steps; i++) if (src.present[i]) this.set(existing, i, src.values[i]);
  }

  result(): StepSeries[] {
    return [...this.byKey.values()].filter((s) => s.present.some((p) => p === 1));
  }
}

export function scalarValue(v: Value): Float64Array {
  if (v.kind !== 'scalar') throw executionError(`expected scalar, got ${v.kind}`);
  return v.values;
}

export function vectorValue(v: Value): StepSeries[] {
  if (v.kind !== 'vector') throw executionError(`expected instant vector, got ${v.kind}`);
  return v.series;
}

export function constantScalar(steps: number, x: number): Value {
  return { kind: 'scalar', values: new Float64Array(steps).fill(x) };
}

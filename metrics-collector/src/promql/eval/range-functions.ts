// Functions over a range of samples (promql/functions.go of Prometheus 2.42): rate/increase/delta
// with extrapolation and counter resets, irate/idelta, deriv/predict_linear (least squares with
// Kahan sums), *_over_time, changes, resets, holt_winters. Pure: points in, one number (or none) out.
import { goPercentF } from '../format-value.js';
import { executionError } from '../errors.js';
import { quantile } from './stats.js';

export interface Window {
  ts: number[];
  vs: number[];
  lo: number;
  hi: number;
  /** Range end (ref) and start (ref - range) in ms. */
  rangeEnd: number;
  rangeStart: number;
  rangeMs: number;
  /** Evaluation step time in ms (predict_linear's intercept time). */
  evalTs: number;
  /** Scalar arguments at this step, in call order (the range argument excluded). */
  params: number[];
  /** False when no value of the series is negative or below its predecessor, so no window holds
   * a counter reset (rate/increase then skip the per-window scan; the result is the same). */
  mayReset: boolean;
}

/** Window.mayReset for a series' values. */
export function mayReset(vs: number[]): boolean {
  for (let i = 0; i < vs.length; i++) if (vs[i] < 0 || (i > 0 && vs[i] < vs[i - 1])) return true;
  return false;
}

export type RangeFn = (w: Window) => number | undefined;

function extrapolatedRate(w: Window, isCounter: boolean, isRate: boolean): number | undefined {
  const { ts, vs, lo, hi } = w;
  if (hi - lo < 2) return undefined;
  const first = lo;
  const last = hi - 1;
  let result = vs[last] - vs[first];
  if (isCounter && w.mayReset) {
    let prev = 0;
    for (let i = lo; i < hi; i++) {
      if (vs[i] < prev) result += prev;
      prev = vs[i];
    }
  }
  let durationToStart = (ts[first] - w.rangeStart) / 1000;
  const durationToEnd = (w.rangeEnd - ts[last]) / 1000;
  const sampledInterval = (ts[last] - ts[first]) / 1000;
  const averageDurationBetweenSamples = sampledInterval / (hi - lo - 1);
  if (isCounter && result > 0 && vs[first] >= 0) {
    const durationToZero = sampledInterval * (vs[first] / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  const threshold = averageDurationBetweenSamples * 1.1;
  let extrapolateToInterval = sampledInterval;
  extrapolateToInterval += durationToStart < threshold ? durationToStart : averageDurationBetweenSamples / 2;
  extrapolateToInterval += durationToEnd < threshold ? durationToEnd : averageDurationBetweenSamples / 2;
  result = result * (extrapolateToInterval / sampledInterval);
  if (isRate) result = result / (w.rangeMs / 1000);
  return result;
}

function instantValue(w: Window, isRate: boolean): number | undefined {
  const { ts, vs, lo, hi } = w;
  if (hi - lo < 2) return undefined;
  const last = vs[hi - 1];
  const prev = vs[hi - 2];
  const result = isRate && last < prev ? last : last - prev;
  const interval = ts[hi - 1] - ts[hi - 2];
  if (interval === 0) return undefined;
  return isRate ? result / (interval / 1000) : result;
}

/** Neumaier-compensated summation step, as Prometheus' kahanSumInc. */
export function kahanSumInc(inc: number, sum: number, c: number): [number, number] {
  const t = sum + inc;
  if (Math.abs(sum) >= Math.abs(inc)) c += sum - t + inc;
  else c += inc - t + sum;
  return [t, c];
}

export function linearRegression(w: Window, interceptTime: number): [number, number] {
  const { ts, vs, lo, hi } = w;
  let n = 0;
  let sumX = 0;
  let cX = 0;
  let sumY = 0;
  let cY = 0;
  let sumXY = 0;
  let cXY = 0;
  let sumX2 = 0;
  let cX2 = 0;
  const initY = vs[lo];
  let constY = true;
  for (let i = lo; i < hi; i++) {
    const v = vs[i];
    if (constY && i > lo && v !== initY) constY = false;
    n += 1;
    const x = (ts[i] - interceptTime) / 1e3;
    [sumX, cX] = kahanSumInc(x, sumX, cX);
    [sumY, cY] = kahanSumInc(v, sumY, cY);
    [sumXY, cXY] = kahanSumInc(x * v, sumXY, cXY);
    [sumX2, cX2] = kahanSumInc(x * x, sumX2, cX2);
  }
  if (constY) {
    if (!Number.isFinite(initY) && !Number.isNaN(initY)) return [Number.NaN, Number.NaN];
    return [0, initY];
  }
  sumX += cX;
  sumY += cY;
  sumXY += cXY;
  sumX2 += cX2;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  return [slope, sumY / n - (slope * sumX) / n];
}

function overTime(fn: (vs: number[], lo: number, hi: number) => number): RangeFn {
  return (w) => (w.hi > w.lo ? fn(w.vs, w.lo, w.hi) : undefined);
}

function avgOverTime(vs: number[], lo: number, hi: number): number {
  let mean = 0;
  let c = 0;
  let count = 0;
  for (let i = lo; i < hi; i++) {
    const v = vs[i];
    count++;
    if (!Number.isFinite(mean) && !Number.isNaN(mean)) {
      if (!Number.isFinite(v) && !Number.isNaN(v) && mean > 0 === v > 0) continue;
      if (Number.isFinite(v)) continue;
    }
    [mean, c] = kahanSumInc(v / count - mean / count, mean, c);
  }
  if (!Number.isFinite(mean) && !Number.isNaN(mean)) return mean;
  return mean + c;
}

function variance(vs: number[], lo: number, hi: number): number {
  let count = 0;
  let mean = 0;
  let cMean = 0;
  let aux = 0;
  let cAux = 0;
  for (let i = lo; i < hi; i++) {
    const v = vs[i];
    count++;
    const delta = v - (mean + cMean);
    [mean, cMean] = kahanSumInc(delta / count, mean, cMean);
    [aux, cAux] = kahanSumInc(delta * (v - (mean + cMean)), aux, cAux);
  }
  return (aux + cAux) / count;
}

function holtWinters(w: Window): number | undefined {
  const [sf, tf] = w.params;
  // As 2.42: `sf <= 0 || sf >= 1` refuses, so a NaN factor is evaluated (to NaN).
  if (sf <= 0 || sf >= 1)
    throw executionError(`invalid smoothing factor. Expected: 0 < sf < 1, got: ${goPercentF(sf)}`);
  if (tf <= 0 || tf >= 1)
    throw executionError(`invalid trend factor. Expected: 0 < tf < 1, got: ${goPercentF(tf)}`);
  const { vs, lo, hi } = w;
  if (hi - lo < 2) return undefined;
  let s0 = 0;
  let s1 = vs[lo];
  let b = vs[lo + 1] - vs[lo];
  for (let i = 1; i < hi - lo; i++) {
    const x = sf * vs[lo + i];
    if (i - 1 !== 0) b = tf * (s1 - s0) + (1 - tf) * b;
    const y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return s1;
}

export const RANGE_FUNCTIONS: Record<string, RangeFn> = {
  rate: (w) => extrapolatedRate(w, true, true),
  increase: (w) => extrapolatedRate(w, true, false),
  delta: (w) => extrapolatedRate(w, false, false),
  irate: (w) => instantValue(w, true),
  idelta: (w) => instantValue(w, false),
  deriv: (w) => (w.hi - w.lo < 2 ? undefined : linearRegression(w, w.ts[w.lo])[0]),
  predict_linear: (w) => {
    if (w.hi - w.lo < 2) return undefined;
    const [slope, intercept] = linearRegression(w, w.evalTs);
    return slope * w.params[0] + intercept;
  },
  holt_winters: holtWinters,
  avg_over_time: overTime(avgOverTime),
  sum_over_time: overTime((vs, lo, hi) => {
    let sum = 0;
    let c = 0;
    for (let i = lo; i < hi; i++) [sum, c] = kahanSumInc(vs[i], sum, c);
    return !Number.isFinite(sum) ? sum : sum + c;
  }),
  count_over_time: overTime((_vs, lo, hi) => hi - lo),
  min_over_time: overTime((vs, lo, hi) => {
    let m = vs[lo];
    for (let i = lo; i < hi; i++) if (vs[i] < m || Number.isNaN(m)) m = vs[i];
    return m;
  }),
  max_over_time: overTime((vs, lo, hi) => {
    let m = vs[lo];
    for (let i = lo; i < hi; i++) if (vs[i] > m || Number.isNaN(m)) m = vs[i];
    return m;
  }),
  last_over_time: overTime((vs, _lo, hi) => vs[hi - 1]),
  present_over_time: overTime(() => 1),
  stdvar_over_time: overTime(variance),
  stddev_over_time: overTime((vs, lo, hi) => Math.sqrt(variance(vs, lo, hi))),
  quantile_over_time: (w) => (w.hi > w.lo ? quantile(w.params[0], w.vs.slice(w.lo, w.hi)) : undefined),
  changes: overTime((vs, lo, hi) => {
    let n = 0;
    for (let i = lo + 1; i < hi; i++) {
      const cur = vs[i];
      const prev = vs[i - 1];
      if (!(cur === prev || (Number.isNaN(cur) && Number.isNaN(prev)))) n++;
    }
    return n;
  }),
  resets: overTime((vs, lo, hi) => {
    let n = 0;
    for (let i = lo + 1; i < hi; i++) if (vs[i] < vs[i - 1]) n++;
    return n;
  }),
};

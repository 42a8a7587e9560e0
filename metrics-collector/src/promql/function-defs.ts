// Signatures of the PromQL functions of Prometheus 2.42 (promql/parser/functions.go): argument
// types, optional/variadic arguments and return type. Used by the type checker in parse.ts.
import type { ValueType } from './ast.js';

export interface FunctionDef {
  args: ValueType[];
  /** As Prometheus' Variadic: 0 exactly args; otherwise the last arg is optional, and may be
   * repeated up to n times when n > 0, any number of times when n < 0. */
  variadic: number;
  returns: ValueType;
}

const v = 'vector' as const;
const m = 'matrix' as const;
const s = 'scalar' as const;
const str = 'string' as const;

function def(args: ValueType[], returns: ValueType, variadic = 0): FunctionDef {
  return { args, returns, variadic };
}

const MATH = ['abs', 'ceil', 'floor', 'exp', 'sqrt', 'ln', 'log2', 'log10', 'sgn', 'deg', 'rad'];
const TRIG = ['sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'sinh', 'cosh', 'tanh', 'asinh', 'acosh', 'atanh'];
const OVER_TIME = [
  'avg_over_time',
  'count_over_time',
  'sum_over_time',
  'min_over_time',
  'max_over_time',
  'last_over_time',
  'present_over_time',
  'stddev_over_time',
  'stdvar_over_time',
  'absent_over_time',
];
const RANGE_FNS = ['rate', 'irate', 'increase', 'delta', 'idelta', 'deriv', 'changes', 'resets'];
const DATE_FNS = [
  'day_of_month',
  'day_of_week',
  'day_of_year',
  'days_in_month',
  'hour',
  'minute',
  'month',
  'year',
];

export const FUNCTIONS: Record<string, FunctionDef> = {
  ...Object.fromEntries([...MATH, ...TRIG].map((n) => [n, def([v], v)])),
  ...Object.fromEntries([...OVER_TIME, ...RANGE_FNS].map((n) => [n, def([m], v)])),
  ...Object.fromEntries(DATE_FNS.map((n) => [n, def([v], v, 1)])),
  absent: def([v], v),
  clamp: def([v, s, s], v),
  clamp_max: def([v, s], v),
  clamp_min: def([v, s], v),
  histogram_quantile: def([s, v], v),
  holt_winters: def([m, s, s], v),
  label_join: def([v, str, str, str], v, -1),
  label_replace: def([v, str, str, str, str], v),
  pi: def([], s),
  predict_linear: def([m, s], v),
  quantile_over_time: def([s, m], v),
  round: def([v, s], v, 1),
  scalar: def([v], s),
  sort: def([v], v),
  sort_desc: def([v], v),
  time: def([], s),
  timestamp: def([v], v),
  vector: def([s], v),
};

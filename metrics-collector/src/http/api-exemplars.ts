// GET/POST /api/v1/query_exemplars?query=&start=&end= (web/api/v1 queryExemplars of Prometheus
// 2.42): the vector selectors of the PromQL query pick the series; each comes back with its
// exemplars in [start, end] as {"seriesLabels","exemplars":[{"labels","value":"<string>",
// "timestamp":<float seconds>}]}. start/end default to the whole time axis.
import type { Expr } from '../promql/ast.js';
import { formatGoFloat } from '../promql/format-value.js';
import { compileMatchers } from '../promql/matchers.js';
import { parseExpr } from '../promql/parse.js';
import type { LabelMatcher, Labels } from '../promql/sample-source.js';
import type { ExemplarStore } from '../store/exemplar-store.js';
import { badData, type FormParams, parseTimeRange } from './api-params.js';

export interface ExemplarQueryResult {
  seriesLabels: Labels;
  exemplars: Array<{ labels: Labels; value: string; timestamp: number }>;
}

export function queryExemplars(store: ExemplarStore | undefined, p: FormParams): ExemplarQueryResult[] {
  const { start, end } = parseTimeRange(p);
  let expr: Expr;
  try {
    expr = parseExpr(p.get('query') ?? '');
  } catch (err) {
    throw badData((err as Error).message);
  }
  const selectors = extractSelectors(expr).map(compileMatchers);
  if (!store || selectors.length === 0) return [];
  return store.select(selectors, start, end).map((s) => ({
    seriesLabels: s.seriesLabels,
    exemplars: s.exemplars.map((e) => ({
      labels: e.labels,
      value: formatGoFloat(e.value),
      timestamp: e.timestampMs / 1000,
    })),
  }));
}

/** The matchers of every vector selector in the expression (Prometheus' parser.ExtractSelectors). */
export function extractSelectors(e: Expr): LabelMatcher[][] {
  switch (e.type) {
    case 'VectorSelector':
      return [e.matchers];
    case 'MatrixSelector':
      return [e.selector.matchers];
    case 'SubqueryExpr':
    case 'UnaryExpr':
    case 'ParenExpr':
      return extractSelectors(e.expr);
    case 'AggregateExpr':
      return [...extractSelectors(e.expr), ...(e.param ? extractSelectors(e.param) : [])];
    case 'BinaryExpr':
      return [...extractSelectors(e.lhs), ...extractSelectors(e.rhs)];
    case 'Call':
      return e.args.flatMap(extractSelectors);
    case 'NumberLiteral':
    case 'StringLiteral':
      return [];
  }
}

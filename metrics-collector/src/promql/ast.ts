// Typed PromQL AST (Prometheus 2.42 semantics), built from the lezer-promql CST by parse.ts.
// Durations and times are milliseconds; `pos` is the [from, to) character range in the query.
import type { LabelMatcher } from './sample-source.js';

export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string';

export interface Pos {
  from: number;
  to: number;
}

/** `@ <time>` modifier: a fixed time in ms, or the query's start()/end(). */
export type AtModifier = { kind: 'time'; ms: number } | { kind: 'start' } | { kind: 'end' };

export interface NumberLiteral {
  type: 'NumberLiteral';
  value: number;
  pos: Pos;
}

export interface StringLiteral {
  type: 'StringLiteral';
  value: string;
  pos: Pos;
}

export interface VectorSelector {
  type: 'VectorSelector';
  name: string | undefined;
  matchers: LabelMatcher[];
  offsetMs: number;
  at: AtModifier | undefined;
  pos: Pos;
}

export interface MatrixSelector {
  type: 'MatrixSelector';
  selector: VectorSelector;
  rangeMs: number;
  pos: Pos;
}

export interface SubqueryExpr {
  type: 'SubqueryExpr';
  expr: Expr;
  rangeMs: number;
  /** 0 means the default (global evaluation interval). */
  stepMs: number;
  offsetMs: number;
  at: AtModifier | undefined;
  pos: Pos;
}

export interface Call {
  type: 'Call';
  func: string;
  args: Expr[];
  pos: Pos;
}

export type AggregateOp =
  | 'sum'
  | 'avg'
  | 'min'
  | 'max'
  | 'count'
  | 'group'
  | 'stddev'
  | 'stdvar'
  | 'topk'
  | 'bottomk'
  | 'quantile'
  | 'count_values';

export interface AggregateExpr {
  type: 'AggregateExpr';
  op: AggregateOp;
  expr: Expr;
  param: Expr | undefined;
  grouping: string[];
  without: boolean;
  pos: Pos;
}

export type ArithmeticOp = '+' | '-' | '*' | '/' | '%' | '^' | 'atan2';
export type ComparisonOp = '==' | '!=' | '>' | '<' | '>=' | '<=';
export type SetOp = 'and' | 'or' | 'unless';
export type BinaryOp = ArithmeticOp | ComparisonOp | SetOp;

export type Cardinality = 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';

export interface VectorMatching {
  card: Cardinality;
  /** true for on(...), false for ignoring(...) or no modifier. */
  on: boolean;
  labels: string[];
  /** Extra labels named in group_left(...)/group_right(...). */
  include: string[];
}

export interface BinaryExpr {
  type: 'BinaryExpr';
  op: BinaryOp;
  lhs: Expr;
  rhs: Expr;
  returnBool: boolean;
  /** Set when both sides are instant vectors. */
  matching: VectorMatching | undefined;
  pos: Pos;
  /** What 2.42's checkAST refuses of the operator itself, found while building and reported by
   * typecheck.ts after the operands, in checkAST's order (`order`: its step). */
  problems?: Array<{ order: number; pos: Pos; message: string }>;
}

export interface UnaryExpr {
  type: 'UnaryExpr';
  op: '+' | '-';
  expr: Expr;
  pos: Pos;
}

export interface ParenExpr {
  type: 'ParenExpr';
  expr: Expr;
  pos: Pos;
}

export type Expr =
  | NumberLiteral
  | StringLiteral
  | VectorSelector
  | MatrixSelector
  | SubqueryExpr
  | Call
  | AggregateExpr
  | BinaryExpr
  | UnaryExpr
  | ParenExpr;

export const COMPARISON_OPS: ReadonlySet<string> = new Set(['==', '!=', '>', '<', '>=', '<=']);
export const SET_OPS: ReadonlySet<string> = new Set(['and', 'or', 'unless']);

/** The value type an expression yields (parse.ts has already checked operand types). */
export function typeOf(e: Expr): ValueType {
  switch (e.type) {
    case 'NumberLiteral':
      return 'scalar';
    case 'StringLiteral':
      return 'string';
    case 'VectorSelector':
    case 'AggregateExpr':
      return 'vector';
    case 'MatrixSelector':
    case 'SubqueryExpr':
      return 'matrix';
    case 'Call':
      return FUNCTION_RETURN_TYPES[e.func] ?? 'vector';
    case 'BinaryExpr':
      return typeOf(e.lhs) === 'scalar' && typeOf(e.rhs) === 'scalar' ? 'scalar' : 'vector';
    case 'UnaryExpr':
    case 'ParenExpr':
      return typeOf(e.expr);
  }
}

const FUNCTION_RETURN_TYPES: Record<string, ValueType> = { scalar: 'scalar', time: 'scalar', pi: 'scalar' };

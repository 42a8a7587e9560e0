// Type checks of Prometheus 2.42's parser (checkAST), with its messages. Pure.
import { type Expr, type Pos, type ValueType, typeOf } from './ast.js';
import { FUNCTIONS } from './function-defs.js';

const TYPE_NAMES: Record<ValueType, string> = {
  scalar: 'scalar',
  vector: 'instant vector',
  matrix: 'range vector',
  string: 'string',
};

export function typeName(t: ValueType): string {
  return TYPE_NAMES[t];
}

type Fail = (pos: Pos, message: string) => never;

export function checkTypes(e: Expr, fail: Fail): void {
  switch (e.type) {
    case 'NumberLiteral':
    case 'StringLiteral':
    case 'VectorSelector':
    case 'MatrixSelector':
      return;
    case 'ParenExpr':
      checkTypes(e.expr, fail);
      return;
    case 'UnaryExpr': {
      checkTypes(e.expr, fail);
      const t = typeOf(e.expr);
      if (t !== 'scalar' && t !== 'vector') {
        fail(
          e.pos,
          `unary expression only allowed on expressions of type scalar or instant vector, got "${typeName(t)}"`,
        );
      }
      return;
    }
    case 'SubqueryExpr': {
      checkTypes(e.expr, fail);
      const t = typeOf(e.expr);
      if (t !== 'vector')
        // 2.42 prints the value type here (%s of ValueType: "matrix"), not its documented name.
        fail(
          e.pos,
          `subquery is only allowed on instant vector, got ${t === 'matrix' ? t : typeName(t)} instead`,
        );
      return;
    }
    case 'BinaryExpr': {
      checkTypes(e.lhs, fail);
      checkTypes(e.rhs, fail);
      // checkAST's order: the operator's own checks (1-3), each operand's type (5, 6), then the
      // matching (7) and a set operator with a scalar (8).
      const problems = [...(e.problems ?? [])];
      [e.lhs, e.rhs].forEach((side, i) => {
        const t = typeOf(side);
        if (t !== 'scalar' && t !== 'vector')
          problems.push({
            order: 5 + i,
            pos: side.pos,
            message: 'binary expression must contain only scalar and instant vector types',
          });
      });
      const first = problems.sort((a, b) => a.order - b.order)[0];
      if (first) fail(first.pos, first.message);
      return;
    }
    case 'AggregateExpr': {
      checkTypes(e.expr, fail);
      const t = typeOf(e.expr);
      if (t !== 'vector')
        fail(e.expr.pos, `expected type instant vector in aggregation expression, got ${typeName(t)}`);
      if (e.param) {
        checkTypes(e.param, fail);
        const want: ValueType = e.op === 'count_values' ? 'string' : 'scalar';
        const got = typeOf(e.param);
        if (got !== want)
          fail(e.param.pos, `expected type ${typeName(want)} in aggregation parameter, got ${typeName(got)}`);
      }
      return;
    }
    case 'Call':
      checkCall(e, fail);
      return;
  }
}

function checkCall(e: Extract<Expr, { type: 'Call' }>, fail: Fail): void {
  const def = FUNCTIONS[e.func];
  const n = e.args.length;
  const want = def.args.length;
  // Prometheus' checkAST: a variadic function's last argument is optional (label_join with no
  // source label sets none), at most `variadic` more when positive, unbounded when negative.
  if (def.variadic === 0) {
    if (n !== want) fail(e.pos, `expected ${want} argument(s) in call to "${e.func}", got ${n}`);
  } else if (n < want - 1) {
    fail(e.pos, `expected at least ${want - 1} argument(s) in call to "${e.func}", got ${n}`);
  } else if (def.variadic > 0 && n > want - 1 + def.variadic) {
    fail(e.pos, `expected at most ${want - 1 + def.variadic} argument(s) in call to "${e.func}", got ${n}`);
  }
  e.args.forEach((arg, i) => {
    checkTypes(arg, fail);
    const wantT = def.args[Math.min(i, want - 1)];
    const got = typeOf(arg);
    if (got !== wantT) {
      fail(arg.pos, `expected type ${typeName(wantT)} in call to function "${e.func}", got ${typeName(got)}`);
    }
  });
}

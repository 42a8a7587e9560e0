// Walks lezer-promql's concrete syntax tree into the typed AST of ast.ts (one method per node
// kind), with Prometheus 2.42's parser errors. Type checks come after, in typecheck.ts.
import { goPercentF } from './format-value.js';
import type { SyntaxNode } from '@lezer/common';
import {
  type AggregateExpr,
  type AggregateOp,
  type AtModifier,
  type BinaryOp,
  type Cardinality,
  COMPARISON_OPS,
  type Expr,
  type Pos,
  SET_OPS,
  type VectorMatching,
  type VectorSelector,
  typeOf,
} from './ast.js';
import { PromQLParseError } from './errors.js';
import { FUNCTIONS } from './function-defs.js';
import { prometheusSyntaxError, tokenKind } from './syntax-error.js';
import { MAX_DURATION_MS, parseDurationMs, parseNumber, unquoteString } from './literals.js';
import { compileAnchoredRegex } from './matchers.js';
import type { LabelMatcher, MatchType } from './sample-source.js';

const AGGREGATE_OPS = new Set([
  'sum',
  'avg',
  'min',
  'max',
  'count',
  'group',
  'stddev',
  'stdvar',
  'topk',
  'bottomk',
  'quantile',
  'count_values',
]);
const BINARY_OPS: Record<string, BinaryOp> = {
  Add: '+',
  Sub: '-',
  Mul: '*',
  Div: '/',
  Mod: '%',
  Pow: '^',
  Atan2: 'atan2',
  Eql: '==',
  Neq: '!=',
  Gtr: '>',
  Lss: '<',
  Gte: '>=',
  Lte: '<=',
  And: 'and',
  Or: 'or',
  Unless: 'unless',
};
type DurationPlace = 'range' | 'step' | 'offset';

/** 2.42's messages for a number where a duration belongs. */
const BARE_NUMBER: Record<DurationPlace, (t: string) => string> = {
  range: () => 'missing unit character in duration',
  step: (t) => `unexpected number "${t}" in subquery selector, expected duration or "]"`,
  offset: (t) => `unexpected number "${t}" in offset, expected duration`,
};

const MATCH_OPS: Record<string, MatchType> = { EqlSingle: '=', Neq: '!=', EqlRegex: '=~', NeqRegex: '!~' };

export class AstBuilder {
  constructor(private readonly q: string) {}

  fail(pos: Pos | SyntaxNode, detail: string): never {
    throw new PromQLParseError(this.q, { from: pos.from, to: pos.to }, detail);
  }

  /** A form the npm grammar takes but 2.42's does not (quoted label names, Prometheus 3's UTF-8
   * syntax): 2.42's syntax error at that point. */
  failSyntax(n: Pos | SyntaxNode): never {
    const { pos, detail } = prometheusSyntaxError(this.q, n.from);
    throw new PromQLParseError(this.q, pos, detail);
  }

  text(n: SyntaxNode): string {
    return this.q.slice(n.from, n.to);
  }

  pos(n: SyntaxNode): Pos {
    return { from: n.from, to: n.to };
  }

  children(n: SyntaxNode): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    for (let c = n.firstChild; c; c = c.nextSibling) if (c.name !== 'LineComment') out.push(c);
    return out;
  }

  string(n: SyntaxNode): string {
    try {
      return unquoteString(this.text(n));
    } catch (e) {
      return this.fail(n, (e as Error).message);
    }
  }

  duration(n: SyntaxNode, where: DurationPlace): number {
    const kids = this.children(n);
    if (n.name === 'DurationExpr' || n.name === 'OffsetDurationExpr') {
      if (kids.length === 2 && kids[0].name === 'UnaryOp') {
        const d = this.duration(kids[1], where);
        return this.text(kids[0]) === '-' ? -d : d;
      }
      if (kids.length !== 1) return this.fail(n, 'duration arithmetic is not supported');
      return this.duration(kids[0], where);
    }
    const t = this.text(n);
    // 2.42 wants a unit: a bare number (`[90]`, `offset 90`, `[5m:30]`) is a parse error there.
    if (/^\d+(\.\d+)?$/.test(t) || tokenKind(t) === 'number') return this.fail(n, BARE_NUMBER[where](t));
    const d = parseDurationMs(t);
    if (d === undefined) return this.fail(n, `bad duration syntax: "${t}"`);
    // Go's time.Duration is int64 nanoseconds (~292 years).
    if (d > MAX_DURATION_MS) return this.fail(n, 'duration out of range');
    // 2.42's parseDuration refuses 0 at the token (`offset 0m`; ranges and steps: positiveDuration).
    if (d === 0 && where === 'offset') return this.fail(n, 'duration must be greater than 0');
    return d;
  }

  /** A range or a subquery step: Prometheus refuses 0 (`x[0s]`, `x[5m:0s]`). */
  positiveDuration(n: SyntaxNode, where: DurationPlace): number {
    const d = this.duration(n, where);
    if (d <= 0) return this.fail(n, 'duration must be greater than 0');
    return d;
  }

  expr(n: SyntaxNode): Expr {
    const pos = this.pos(n);
    const kids = this.children(n);
    switch (n.name) {
      case 'NumberDurationLiteral': {
        // The grammar's literal takes a sign and the blanks after it (`- 1`), which 2.42 reads as
        // a unary sign on 1; and durations (`5m`, Prometheus 3), which 2.42's grammar has no place
        // for outside ranges and offsets ("unexpected duration").
        const t = this.text(n).replace(/^([+-])\s+/, '$1');
        const unsigned = t.replace(/^[+-]/, '');
        const at = n.to - unsigned.length;
        if (tokenKind(unsigned) !== 'number') return this.failSyntax({ from: at, to: n.to });
        const v = parseNumber(unsigned);
        if (v === undefined)
          return this.fail(
            { from: at, to: n.to },
            `error parsing number: strconv.ParseFloat: parsing "${unsigned}": invalid syntax`,
          );
        // strconv.ParseFloat refuses what overflows a float64 (JavaScript reads 1e400 as Infinity).
        if (!Number.isFinite(v) && !Number.isNaN(v) && !/inf/i.test(t))
          return this.fail(
            { from: at, to: n.to },
            `error parsing number: strconv.ParseFloat: parsing "${unsigned}": value out of range`,
          );
        return { type: 'NumberLiteral', value: t.startsWith('-') ? -v : v, pos };
      }
      case 'StringLiteral':
        return { type: 'StringLiteral', value: this.string(n), pos };
      case 'ParenExpr':
        return { type: 'ParenExpr', expr: this.expr(kids[0]), pos };
      case 'UnaryExpr': {
        const op = this.text(kids[0]) as '+' | '-';
        const inner = this.expr(kids[1]);
        if (inner.type === 'NumberLiteral') {
          return { type: 'NumberLiteral', value: op === '-' ? -inner.value : inner.value, pos };
        }
        return { type: 'UnaryExpr', op, expr: inner, pos };
      }
      case 'VectorSelector':
        return this.vectorSelector(n);
      case 'MatrixSelector': {
        // The operand first: 2.42 reports the leftmost error (`up[0m] + up[0s]`, where lezer puts
        // the second range on the whole sum).
        const operand = this.expr(kids[0]);
        const rangeMs = this.positiveDuration(kids[1], 'range');
        // 2.42 reports these at the brackets.
        const brackets = { from: this.q.lastIndexOf('[', kids[1].from), to: n.to };
        return pushDown(operand, (inner) => {
          if (inner.type !== 'VectorSelector')
            return this.fail(brackets, 'ranges only allowed for vector selectors');
          if (inner.offsetMs !== 0) return this.fail(brackets, 'no offset modifiers allowed before range');
          if (inner.at) return this.fail(brackets, 'no @ modifiers allowed before range');
          return {
            type: 'MatrixSelector',
            selector: inner,
            rangeMs,
            pos: { from: inner.pos.from, to: pos.to },
          };
        });
      }
      case 'SubqueryExpr': {
        const operand = this.expr(kids[0]);
        const durations = kids.filter((k) => k.name === 'DurationExpr');
        const rangeMs = this.positiveDuration(durations[0], 'range');
        const stepMs = durations[1] ? this.positiveDuration(durations[1], 'step') : 0;
        return pushDown(operand, (inner) => ({
          type: 'SubqueryExpr',
          expr: inner,
          rangeMs,
          stepMs,
          offsetMs: 0,
          at: undefined,
          pos: { from: inner.pos.from, to: pos.to },
        }));
      }
      case 'OffsetExpr':
        return this.offset(n, kids);
      case 'StepInvariantExpr':
        return this.atModifier(n, kids);
      case 'FunctionCall':
        return this.call(n, kids);
      case 'AggregateExpr':
        return this.aggregate(n, kids);
      case 'BinaryExpr':
        return this.binary(n, kids);
      default:
        return this.fail(n, `unsupported expression "${this.text(n)}" (${n.name})`);
    }
  }

  vectorSelector(n: SyntaxNode): VectorSelector {
    const matchers: LabelMatcher[] = [];
    let name: string | undefined;
    for (const c of this.children(n)) {
      if (c.name === 'Identifier') name = this.text(c);
      else if (c.name === 'LabelMatchers') {
        for (const m of this.children(c)) {
          const mk = this.children(m);
          // 2.42 has no quoted label names ({"up"}, {"a"="b"}: Prometheus 3's UTF-8 syntax).
          if (m.name === 'QuotedLabelName' || m.name === 'QuotedLabelMatcher') this.failSyntax(m);
          const labelName = this.text(mk[0]);
          const opNode = this.children(mk[1])[0];
          const type = MATCH_OPS[opNode.name];
          if (!type) this.fail(mk[1], `unexpected matcher "${this.text(mk[1])}"`);
          const value = this.string(mk[2]);
          if (type === '=~' || type === '!~') {
            try {
              compileAnchoredRegex(value);
            } catch (e) {
              this.fail(m, `error parsing regexp: ${(e as Error).message}`);
            }
          }
          matchers.push({ name: labelName, type, value });
        }
      }
    }
    if (name !== undefined) {
      if (matchers.some((m) => m.name === '__name__'))
        this.fail(n, `metric name must not be set twice: "${name}"`);
      matchers.unshift({ name: '__name__', type: '=', value: name });
    }
    if (!matchers.some((m) => !matchesEmpty(m))) {
      this.fail(n, 'vector selector must contain at least one non-empty matcher');
    }
    return { type: 'VectorSelector', name, matchers, offsetMs: 0, at: undefined, pos: this.pos(n) };
  }

  offset(n: SyntaxNode, kids: SyntaxNode[]): Expr {
    const operand = this.expr(kids[0]);
    const ms = this.duration(kids[kids.length - 1], 'offset');
    return pushDown(operand, (inner) => this.setOffset(n, inner, ms));
  }

  setOffset(n: SyntaxNode, inner: Expr, ms: number): Expr {
    const target = inner.type === 'MatrixSelector' ? inner.selector : inner;
    // 2.42's addOffset reports at the modified expression (to the end of the modifier).
    const at = { from: inner.pos.from, to: n.to };
    if (target.type !== 'VectorSelector' && target.type !== 'SubqueryExpr') {
      return this.fail(
        at,
        'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery',
      );
    }
    if (target.offsetMs !== 0) return this.fail(at, 'offset may not be set multiple times');
    target.offsetMs = ms;
    inner.pos = { from: inner.pos.from, to: n.to };
    return inner;
  }

  atModifier(n: SyntaxNode, kids: SyntaxNode[]): Expr {
    return pushDown(this.expr(kids[0]), (inner) => this.setAt(n, kids, inner));
  }

  setAt(n: SyntaxNode, kids: SyntaxNode[], inner: Expr): Expr {
    const target = inner.type === 'MatrixSelector' ? inner.selector : inner;
    const pos = { from: inner.pos.from, to: n.to };
    if (target.type !== 'VectorSelector' && target.type !== 'SubqueryExpr') {
      return this.fail(
        pos,
        '@ modifier must be preceded by an instant vector selector or range vector selector or a subquery',
      );
    }
    if (target.at) return this.fail(pos, '@ <timestamp> may not be set multiple times');
    const last = kids[kids.length - 1];
    let at: AtModifier;
    if (last.name === 'AtModifierPreprocessors') {
      at = this.children(last)[0].name === 'AtStart' ? { kind: 'start' } : { kind: 'end' };
    } else {
      const lit = this.expr(last);
      // Go converts the seconds to an int64 (Prometheus' bound, in seconds, not milliseconds).
      // 2.42's setTimestamp reports at the modified expression, the value with %f; in bounds it
      // takes int64(math.Round(ts * 1000)): halves away from zero.
      if (lit.type !== 'NumberLiteral')
        return this.fail(last, `timestamp out of bounds for @ modifier: ${this.text(last)}`);
      if (!(Math.abs(lit.value) < 2 ** 63))
        return this.fail(inner.pos, `timestamp out of bounds for @ modifier: ${goPercentF(lit.value)}`);
      const ms = lit.value * 1000;
      at = { kind: 'time', ms: Math.sign(ms) * Math.round(Math.abs(ms)) };
    }
    target.at = at;
    inner.pos = { from: inner.pos.from, to: n.to };
    return inner;
  }

  call(n: SyntaxNode, kids: SyntaxNode[]): Expr {
    const raw = this.text(kids[0]);
    const name = raw === 'double_exponential_smoothing' ? 'holt_winters' : raw;
    if (!FUNCTIONS[name]) return this.fail(kids[0], `unknown function with name "${name}"`);
    const args = this.children(kids[1]).map((a) => this.expr(a));
    return { type: 'Call', func: name, args, pos: this.pos(n) };
  }

  aggregate(n: SyntaxNode, kids: SyntaxNode[]): AggregateExpr {
    const op = this.text(kids[0]).toLowerCase();
    if (!AGGREGATE_OPS.has(op)) return this.fail(kids[0], `aggregation "${op}" is not supported`);
    let grouping: string[] = [];
    let without = false;
    let body: SyntaxNode | undefined;
    for (const c of kids.slice(1)) {
      if (c.name === 'AggregateModifier') {
        const mk = this.children(c);
        without = mk[0].name === 'Without';
        grouping = mk[1] ? this.groupingLabels(mk[1]) : [];
      } else if (c.name === 'FunctionCallBody') body = c;
    }
    const args = body ? this.children(body).map((a) => this.expr(a)) : [];
    const takesParam = op === 'topk' || op === 'bottomk' || op === 'quantile' || op === 'count_values';
    const want = takesParam ? 2 : 1;
    if (args.length === 0) return this.fail(n, 'no arguments for aggregate expression provided');
    if (args.length !== want) {
      return this.fail(
        n,
        `wrong number of arguments for aggregate expression provided, expected ${want}, got ${args.length}`,
      );
    }
    return {
      type: 'AggregateExpr',
      op: op as AggregateOp,
      expr: args[want - 1],
      param: takesParam ? args[0] : undefined,
      grouping,
      without,
      pos: this.pos(n),
    };
  }

  /** Expressions regroup() returned (an operator after them may have to go down too). */
  private readonly regrouped = new WeakSet<Expr>();

  /** `n` (lhs `e`, a chain whose rightmost operand got a modifier, then `op` and the rhs) regrouped:
   * `op` applies to the rightmost operand it binds tighter than; the levels above keep their
   * operands' types (the rightmost one is a selector), so their checks stand. */
  regroup(n: SyntaxNode, kids: SyntaxNode[], e: Expr, op: BinaryOp): Expr {
    if (e.type === 'BinaryExpr' && goesInside(op, e))
      return { ...e, rhs: this.regroup(n, kids, e.rhs, op), pos: { from: e.pos.from, to: n.to } };
    if (e.type === 'UnaryExpr' && goesInside(op, e))
      return { ...e, expr: this.regroup(n, kids, e.expr, op), pos: { from: e.pos.from, to: n.to } };
    const inner = this.binary(n, kids, e);
    inner.pos = { from: e.pos.from, to: n.to };
    return inner;
  }

  groupingLabels(n: SyntaxNode): string[] {
    return this.children(n).map((c) => (c.name === 'QuotedLabelName' ? this.failSyntax(c) : this.text(c)));
  }

  binary(n: SyntaxNode, kids: SyntaxNode[], unsignedLhs?: Expr): Expr {
    // lezer attaches offset/@ to the whole `a - b` before them and pushDown moved them onto b, but
    // an operator after them then took `a - b offset 1m` as its left operand; 2.42 groups
    // `a - b offset 1m / c` as a - ((b offset 1m) / c): the tighter operator goes down the chain.
    // So does an operator after such a regrouped chain (`a - b offset 1m * c / d`).
    let lhs = unsignedLhs;
    if (!lhs && (MODIFIER_NODES.has(kids[0].name) || kids[0].name === 'BinaryExpr')) {
      lhs = this.expr(kids[0]);
      const op = BINARY_OPS[kids[1].name];
      if (op && (kids[0].name !== 'BinaryExpr' || this.regrouped.has(lhs)) && goesInside(op, lhs)) {
        const out = this.regroup(n, kids, lhs, op);
        this.regrouped.add(out);
        return out;
      }
    }
    // Prometheus' grammar gives a unary sign the precedence of '*', below '^' (`-2 ^ 2` is -4);
    // lezer-promql binds it tighter (and lexes `-2` as one literal), so the sign moves out:
    // (-a) ^ b becomes -(a ^ b).
    if (kids[1].name === 'Pow' && !unsignedLhs) {
      const left = kids[0];
      const signed = (op: string, expr: Expr): Expr => ({
        type: 'UnaryExpr',
        op: op as '+' | '-',
        expr,
        pos: this.pos(n),
      });
      if (left.name === 'UnaryExpr') {
        const [sign, operand] = this.children(left);
        return signed(this.text(sign), this.binary(n, [operand, ...kids.slice(1)]));
      }
      const t = this.text(left);
      if (left.name === 'NumberDurationLiteral' && /^[+-]/.test(t)) {
        const lit = this.expr(left) as Extract<Expr, { type: 'NumberLiteral' }>;
        const value = t[0] === '-' ? -lit.value : lit.value;
        const abs: Expr = { ...lit, value, pos: { from: left.from + 1, to: left.to } };
        return signed(t[0], this.binary(n, kids, abs));
      }
    }
    lhs ??= this.expr(kids[0]);
    const rhs = this.expr(kids[kids.length - 1]);
    const op = BINARY_OPS[kids[1].name];
    if (!op) return this.fail(kids[1], `unsupported binary operator "${this.text(kids[1])}"`);
    let returnBool = false;
    let matching: VectorMatching | undefined;
    let clause: SyntaxNode | undefined;
    for (const c of kids.slice(2, -1)) {
      if (c.name === 'BoolModifier') returnBool = true;
      else if (c.name === 'MatchingModifierClause') clause = c;
      else this.fail(c, `unsupported modifier "${this.text(c)}"`);
    }
    const lt = typeOf(lhs);
    const rt = typeOf(rhs);
    // checkAST's steps (2.42's order, typecheck.ts reports the first): 1-3 at the operator.
    const problems: NonNullable<Extract<Expr, { type: 'BinaryExpr' }>['problems']> = [];
    const problem = (order: number, at: Pos | SyntaxNode, message: string) =>
      problems.push({ order, pos: { from: at.from, to: at.to }, message });
    if (returnBool && !COMPARISON_OPS.has(op))
      problem(1, kids[1], 'bool modifier can only be used on comparison operators');
    if (lt === 'scalar' && rt === 'scalar' && COMPARISON_OPS.has(op) && !returnBool) {
      problem(2, kids[1], 'comparisons between scalars must use BOOL modifier');
    }
    if (SET_OPS.has(op) && (lt === 'scalar' || rt === 'scalar')) {
      problem(8, n, `set operator "${op}" not allowed in binary scalar expression`);
    }
    if (lt === 'vector' && rt === 'vector') {
      matching = {
        card: SET_OPS.has(op) ? 'many-to-many' : 'one-to-one',
        on: false,
        labels: [],
        include: [],
      };
    }
    if (clause && !matching) {
      // 2.42 refuses only labels in the clause (`1 + on(a) x`); `1 + on() x` drops the clause.
      if (this.groupingLabels(this.children(clause)[1]).length > 0)
        problem(7, n, 'vector matching only allowed between instant vectors');
    } else if (clause && matching) {
      const ck = this.children(clause);
      matching.on = ck[0].name === 'On';
      matching.labels = this.groupingLabels(ck[1]);
      const group = ck[2];
      if (group) {
        if (SET_OPS.has(op)) problem(7, n, `no grouping allowed for "${op}" operation`);
        const card: Cardinality = group.name === 'GroupLeft' ? 'many-to-one' : 'one-to-many';
        matching.card = card;
        matching.include = ck[3] ? this.groupingLabels(ck[3]) : [];
        for (const l of matching.include) {
          if (matching.on && matching.labels.includes(l)) {
            problem(3, kids[1], `label "${l}" must not occur in ON and GROUP clause at once`);
          }
        }
      }
    }
    const e: Expr = { type: 'BinaryExpr', op, lhs, rhs, returnBool, matching, pos: this.pos(n) };
    if (problems.length > 0) e.problems = problems;
    return e;
  }
}

/** Operator precedence of 2.42's yacc grammar (promql/parser/generated_parser.y), loosest first. */
const PRECEDENCE: Record<BinaryOp, number> = {
  or: 1,
  and: 2,
  unless: 2,
  '==': 3,
  '!=': 3,
  '>': 3,
  '<': 3,
  '>=': 3,
  '<=': 3,
  '+': 4,
  '-': 4,
  '*': 5,
  '/': 5,
  '%': 5,
  atan2: 5,
  '^': 6,
};

/** Whether `x op1 y op2 z` groups as x op1 (y op2 z): op2 tighter, or both ^ (right-associative). */
function bindsTighter(op2: BinaryOp, op1: BinaryOp): boolean {
  return PRECEDENCE[op2] > PRECEDENCE[op1] || (op2 === '^' && op1 === '^');
}

/** Whether `op` after `e` (a chain built without parentheses) applies to e's last operand: `e` is a
 * binary expression `op` binds tighter than, or a sign (2.42 gives it the precedence of `*`). */
function goesInside(op: BinaryOp, e: Expr): boolean {
  if (e.type === 'BinaryExpr') return bindsTighter(op, e.op);
  return e.type === 'UnaryExpr' && op === '^';
}

/** The CST nodes of the postfix modifiers lezer attaches to a whole binary expression. */
const MODIFIER_NODES = new Set(['OffsetExpr', 'StepInvariantExpr']);

/**
 * Postfix modifiers ([range], [range:step], offset, @) bind tighter than binary and unary operators
 * in Prometheus' yacc grammar, but lezer-promql attaches them to the whole `a - b`; move them onto
 * the rightmost operand so `a - b offset 1m` means `a - (b offset 1m)` as in Prometheus.
 */
function pushDown(e: Expr, apply: (inner: Expr) => Expr): Expr {
  if (e.type === 'BinaryExpr')
    return { ...e, rhs: pushDown(e.rhs, apply), pos: { from: e.pos.from, to: e.pos.to } };
  if (e.type === 'UnaryExpr') return { ...e, expr: pushDown(e.expr, apply) };
  return apply(e);
}

function matchesEmpty(m: LabelMatcher): boolean {
  switch (m.type) {
    case '=':
      return m.value === '';
    case '!=':
      return m.value !== '';
    case '=~':
      return compileAnchoredRegex(m.value).test('');
    case '!~':
      return !compileAnchoredRegex(m.value).test('');
  }
}

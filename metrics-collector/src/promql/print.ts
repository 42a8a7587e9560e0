// PromQL expressions printed back as Prometheus 2.42 prints them (promql/parser/printer.go
// String(), and prettier.go Pretty() for /api/v1/format_query): the rules API's `query` field and
// format_query answer this text. Pure: AST in, text out.
import type { AtModifier, Expr, VectorMatching, VectorSelector } from './ast.js';
import { formatDurationMs } from './literals.js';
import type { LabelMatcher } from './sample-source.js';

/** The canonical one-line form (Go's Expr.String()). */
export function printExpr(e: Expr): string {
  switch (e.type) {
    case 'NumberLiteral':
      return goFloatV(e.value);
    case 'StringLiteral':
      return goQuote(e.value);
    case 'VectorSelector':
      return printSelector(e) + atText(e.at) + offsetText(e.offsetMs);
    case 'MatrixSelector':
      return `${printSelector(e.selector)}[${formatDurationMs(e.rangeMs)}]${atText(e.selector.at)}${offsetText(e.selector.offsetMs)}`;
    case 'SubqueryExpr':
      return printExpr(e.expr) + subquerySuffix(e);
    case 'Call':
      return `${e.func}(${e.args.map(printExpr).join(', ')})`;
    case 'AggregateExpr':
      return `${aggregateHead(e)}(${e.param ? `${printExpr(e.param)}, ` : ''}${printExpr(e.expr)})`;
    case 'BinaryExpr':
      return `${printExpr(e.lhs)} ${binaryOp(e)} ${printExpr(e.rhs)}`;
    case 'UnaryExpr':
      return e.op + printExpr(e.expr);
    case 'ParenExpr':
      return `(${printExpr(e.expr)})`;
  }
}

/** Lines longer than this are split (prettier.go maxCharactersPerLine). */
const MAX_LINE = 100;

/** The formatted form /api/v1/format_query answers (Go's Expr.Pretty(0)): an expression whose
 * one-line form fits in 100 characters stays on one line, others split around their operands. */
export function prettyExpr(e: Expr, level = 0): string {
  const pad = '  '.repeat(level);
  const line = printExpr(e);
  switch (e.type) {
    case 'AggregateExpr':
      if (line.length <= MAX_LINE) return pad + line;
      return `${pad}${aggregateHead(e)}(\n${e.param ? `${prettyExpr(e.param, level + 1)},\n` : ''}${prettyExpr(e.expr, level + 1)}\n${pad})`;
    case 'BinaryExpr':
      if (line.length <= MAX_LINE) return pad + line;
      return `${prettyExpr(e.lhs, level + 1)}\n${pad}${binaryOp(e)}\n${prettyExpr(e.rhs, level + 1)}`;
    case 'Call':
      if (line.length <= MAX_LINE) return pad + line;
      return `${pad}${e.func}(\n${e.args.map((a) => prettyExpr(a, level + 1)).join(',\n')}\n${pad})`;
    case 'ParenExpr':
      if (line.length <= MAX_LINE) return pad + line;
      return `${pad}(\n${prettyExpr(e.expr, level + 1)}\n${pad})`;
    case 'SubqueryExpr':
      // 2.42 adds no indent to a subquery that fits (its String()).
      if (line.length <= MAX_LINE) return line;
      return prettyExpr(e.expr, level) + subquerySuffix(e);
    case 'UnaryExpr':
      return pad + e.op + prettyExpr(e.expr, level).trim();
    default:
      return pad + line;
  }
}

function aggregateHead(e: Extract<Expr, { type: 'AggregateExpr' }>): string {
  if (e.without) return `${e.op} without (${e.grouping.join(', ')}) `;
  if (e.grouping.length > 0) return `${e.op} by (${e.grouping.join(', ')}) `;
  return e.op;
}

/** Operator, bool and matching as 2.42 prints them: `on`/`ignoring` only when labels are named or
 * `on` is used, and group_left/right only then (2.42 drops `ignoring() group_left`). */
function binaryOp(e: Extract<Expr, { type: 'BinaryExpr' }>): string {
  return `${e.op}${e.returnBool ? ' bool' : ''}${matchingText(e.matching)}`;
}

function matchingText(m: VectorMatching | undefined): string {
  if (!m || (m.labels.length === 0 && !m.on)) return '';
  let s = ` ${m.on ? 'on' : 'ignoring'} (${m.labels.join(', ')})`;
  if (m.card === 'many-to-one' || m.card === 'one-to-many')
    s += ` group_${m.card === 'many-to-one' ? 'left' : 'right'} (${m.include.join(', ')})`;
  return s;
}

/** Name and matchers: the __name__ matcher its name came from is left out, the others sorted. */
function printSelector(s: VectorSelector): string {
  const name = s.name ?? '';
  const matchers = s.matchers
    .filter((m) => !(m.name === '__name__' && m.type === '=' && m.value === name && s.name !== undefined))
    .map(matcherText)
    .sort();
  return matchers.length === 0 ? name : `${name}{${matchers.join(',')}}`;
}

function matcherText(m: LabelMatcher): string {
  return `${m.name}${m.type}${goQuote(m.value)}`;
}

function atText(at: AtModifier | undefined): string {
  if (!at) return '';
  if (at.kind === 'start') return ' @ start()';
  if (at.kind === 'end') return ' @ end()';
  return ` @ ${(at.ms / 1000).toFixed(3)}`;
}

function offsetText(ms: number): string {
  if (ms > 0) return ` offset ${formatDurationMs(ms)}`;
  if (ms < 0) return ` offset -${formatDurationMs(-ms)}`;
  return '';
}

function subquerySuffix(e: Extract<Expr, { type: 'SubqueryExpr' }>): string {
  const step = e.stepMs ? formatDurationMs(e.stepMs) : '';
  return `[${formatDurationMs(e.rangeMs)}:${step}]${atText(e.at)}${offsetText(e.offsetMs)}`;
}

/** fmt.Sprint(float64): Go's %v, i.e. %g with the shortest digits and an exponent (at least two
 * digits) from 1e+06 up and below 1e-04. */
export function goFloatV(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [mantissa, exp] = v.toExponential().split('e');
  const e = Number(exp);
  if (e < -4 || e >= 6) return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  return String(v);
}

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const SHORT_ESCAPES: Record<string, string> = {
  '\u0007': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '"': '\\"',
  '\\': '\\\\',
};

/** strconv.Quote: double quotes, Go escapes for quotes, backslashes and unprintable runes. */
export function goQuote(s: string): string {
  let out = '"';
  for (const c of s) {
    const short = SHORT_ESCAPES[c];
    if (short) out += short;
    else if (PRINTABLE.test(c)) out += c;
    else {
      const cp = c.codePointAt(0) ?? 0;
      if (cp < 0x80) out += `\\x${cp.toString(16).padStart(2, '0')}`;
      else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
      else out += `\\U${cp.toString(16).padStart(8, '0')}`;
    }
  }
  return `${out}"`;
}

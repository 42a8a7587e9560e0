// PromQL parser: the official grammar (@prometheus-io/lezer-promql) gives a concrete syntax tree
// with error recovery; this walks it into the typed AST of ast.ts and applies the checks of
// Prometheus 2.42's parser (promql/parser/parse.go checkAST) with Prometheus' error messages.
import type { SyntaxNode } from '@lezer/common';
import { promqlParser } from '../lazy-deps.js';
import type { Expr } from './ast.js';
import { AstBuilder } from './cst-to-ast.js';
import { PromQLParseError } from './errors.js';
import { FUNCTIONS } from './function-defs.js';
import { parseNumber } from './literals.js';
import { numberTokens, prometheusSyntaxError } from './syntax-error.js';
import { checkTypes } from './typecheck.js';

const OLD_NAME = 'holt_winters';
const NEW_NAME = 'double_exponential_smoothing';

/**
 * The npm grammar knows Prometheus 2.42's holt_winters() only by its 3.x name; rewrite calls
 * (outside string literals) before parsing. `at`: where each renamed call starts in the input.
 */
function renameHoltWinters(q: string): { query: string; at: number[] } {
  const at: number[] = [];
  if (!q.includes('holt_winters')) return { query: q, at };
  const query = q.replace(
    /("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)|\bholt_winters(\s*\()/g,
    (all, quoted, paren, offset: number) => {
      if (quoted) return all;
      at.push(offset);
      return `${NEW_NAME}${paren}`;
    },
  );
  return { query, at };
}

/** A position in the renamed query as one in the input (inside a renamed name: within the old one). */
function inputPosition(renamed: number, at: number[]): number {
  let shift = 0;
  for (const start of at) {
    const from = start + shift;
    if (renamed < from) break;
    if (renamed < from + NEW_NAME.length) return start + Math.min(renamed - from, OLD_NAME.length);
    shift += NEW_NAME.length - OLD_NAME.length;
  }
  return renamed - shift;
}

/** Parses a PromQL expression into a checked AST; throws PromQLParseError with a position. */
export function parseExpr(input: string): Expr {
  const { query, at } = renameHoltWinters(input);
  if (at.length === 0) return parseRenamed(query);
  try {
    return parseRenamed(query);
  } catch (e) {
    // Positions as in the query the user wrote (they were 16 characters on per renamed call).
    if (!(e instanceof PromQLParseError)) throw e;
    const pos = { from: inputPosition(e.pos.from, at), to: inputPosition(e.pos.to, at) };
    throw new PromQLParseError(input, pos, e.detail);
  }
}

/** Number tokens the npm grammar has (Prometheus 3: `1_000`, no `1.`, lower-case `0x` only). */
const LEZER_NUMBER = /^(?:(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?|0x[0-9a-fA-F]+|inf|nan)$/i;

/**
 * 2.42 reads `1.`, `1.e3` and `0X1F` as numbers; the npm grammar has no token for them. They go to
 * the grammar as digits of the same length, so the tree keeps their spans; the AST builder reads
 * the values from the query as typed.
 */
function lezerText(query: string): string {
  if (!/\.|0X/.test(query)) return query;
  let out = query;
  for (const t of numberTokens(query)) {
    if (LEZER_NUMBER.test(t.text) && !t.text.startsWith('0X')) continue;
    // Invalid ones keep the grammar's error path. `1..5` must stay two tokens (2.42 refuses the
    // second; a query where a '.' follows a number is an error whatever the first one's value).
    if (parseNumber(t.text) === undefined) continue;
    const digits = query[t.to] === '.' ? `${'1'.repeat(t.to - t.from - 1)} ` : '1'.repeat(t.to - t.from);
    out = `${out.slice(0, t.from)}${digits}${out.slice(t.to)}`;
  }
  return out;
}

/**
 * 2.42 reports an unknown function when its call is reduced, after the arguments: an error in
 * them (syntax, a lexer error, an unclosed parenthesis, or an error of an action such as a nested
 * unknown function) comes first. The arguments are parsed with a known name of the same length in
 * its place (blanks and `ln`); an error of theirs before the call's end is the answer, else the
 * unknown function. A one-letter name's call is parsed as a parenthesis instead.
 */
function firstInCall(query: string, from: number, name: string, paren: number): PromQLParseError {
  const unknown = new PromQLParseError(
    query,
    { from, to: from + name.length },
    `unknown function with name "${name}"`,
  );
  let standIn = `${' '.repeat(Math.max(0, name.length - 2))}ln`;
  if (name.length < 2) {
    // No known name that short: parsed as a parenthesis, unless it holds several arguments (then
    // the unknown function, or for an unclosed call, never reduced, the lexer's error).
    if (hasArguments(query, paren)) {
      if (callEnd(query, paren) < query.length + 1) return unknown;
      const { pos, detail } = prometheusSyntaxError(query, query.length);
      return new PromQLParseError(query, pos, detail);
    }
    standIn = ' ';
  }
  try {
    parseRenamed(`${query.slice(0, from)}${standIn}${query.slice(from + name.length)}`, false);
  } catch (e) {
    // An error of the arguments, or of what comes entirely before the call; not one of an
    // expression around the call (reduced after it).
    const inArgs = (at: number) => at >= paren && at < callEnd(query, paren);
    if (e instanceof PromQLParseError && (e.pos.to <= from || inArgs(e.pos.from)))
      return new PromQLParseError(query, e.pos, e.detail);
  }
  return unknown;
}

/** Whether a `{` before `at` is still open (strings skipped): a label matcher, not a call. */
function insideBraces(q: string, at: number): boolean {
  let open = false;
  for (let i = 0; i < at; i++) {
    const c = q[i];
    if (c === '"' || c === "'" || c === '`') {
      for (i++; i < at && q[i] !== c; i++) if (q[i] === '\\' && c !== '`') i++;
    } else if (c === '{') open = true;
    else if (c === '}') open = false;
  }
  return open;
}

/** A comma at the top level of the call's arguments (from its parenthesis `open`). */
function hasArguments(q: string, open: number): boolean {
  let depth = 0;
  for (let i = open; i < q.length; i++) {
    const c = q[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (--depth === 0) return false;
    } else if (c === ',' && depth === 1) return true;
  }
  return false;
}

/** The index after the parenthesis closing the one at `open` (strings skipped); none (an
 * unclosed call, never reduced: any later error comes first): Infinity. */
function callEnd(q: string, open: number): number {
  let depth = 0;
  for (let i = open; i < q.length; i++) {
    const c = q[i];
    if (c === '"' || c === "'" || c === '`') {
      for (i++; i < q.length && q[i] !== c; i++) if (q[i] === '\\' && c !== '`') i++;
    } else if (c === '#') {
      while (i + 1 < q.length && q[i + 1] !== '\n') i++;
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i + 1;
  }
  return Number.POSITIVE_INFINITY;
}

/** Expression nodes of the npm grammar (AstBuilder.expr's cases). */
const EXPR_NODES = new Set([
  'NumberDurationLiteral',
  'StringLiteral',
  'ParenExpr',
  'UnaryExpr',
  'VectorSelector',
  'MatrixSelector',
  'SubqueryExpr',
  'OffsetExpr',
  'StepInvariantExpr',
  'FunctionCall',
  'AggregateExpr',
  'BinaryExpr',
]);

/** 2.42's checkAST messages (checks our builder makes while building): never reported once the
 * query has a syntax error. */
const CHECK_AST =
  /^(vector selector must contain|metric name must not be set twice|comparisons between scalars|bool modifier can only|set operator .* not allowed|vector matching only allowed|no grouping allowed|label .* must not occur in ON and GROUP)/;

/** Words 2.42's lexer makes keywords or operators: never a function's name. */
const NOT_FUNCTIONS = new Set([
  'and',
  'or',
  'unless',
  'atan2',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'start',
  'end',
  'inf',
  'nan',
]);

const hasError = (n: SyntaxNode): boolean => {
  for (let c = n.firstChild; c; c = c.nextSibling) if (c.type.isError || hasError(c)) return true;
  return false;
};

/**
 * yacc reduces what is complete before it meets a syntax error, and 2.42's grammar actions report
 * their errors as they reduce (`sum()`'s missing argument, `rate()[1m]`'s range, a nested unknown
 * function, a bad duration): the first such error of a node that ends before the syntax error
 * (`at`), in the order of reduction (children first, left to right), comes first. The checks
 * that are checkAST's in 2.42 (CHECK_AST) it skips after a syntax error.
 */
function actionErrorBefore(query: string, top: SyntaxNode, at: number): PromQLParseError | undefined {
  const b = new AstBuilder(query);
  let found: PromQLParseError | undefined;
  const visit = (n: SyntaxNode): void => {
    for (let c = n.firstChild; c && !found; c = c.nextSibling) visit(c);
    if (found || n.to > at || !EXPR_NODES.has(n.name) || hasError(n)) return;
    try {
      b.expr(n);
    } catch (e) {
      if (e instanceof PromQLParseError && !CHECK_AST.test(e.detail)) found = e;
    }
  };
  visit(top);
  return found;
}

/** `check`: the type checks that follow parsing (2.42's checkAST, skipped after a parse error). */
function parseRenamed(query: string, check = true): Expr {
  if (/^\s*(#[^\n]*\s*)*$/.test(query)) {
    throw new PromQLParseError(query, { from: 0, to: 0 }, 'no expression found in input');
  }
  const tree = promqlParser().parse(lezerText(query));
  const top = tree.topNode;
  let firstError: SyntaxNode | undefined;
  tree.iterate({
    enter: (n) => {
      if (n.type.isError && !firstError) firstError = n.node;
    },
  });
  if (firstError) {
    // A name with ':' is a metric name to 2.42's lexer, never a function.
    const fn = /([a-zA-Z_:][a-zA-Z0-9_:]*)\s*$/.exec(query.slice(0, firstError.from));
    const name = fn?.[1] ?? '';
    if (
      fn &&
      query[firstError.from] === '(' &&
      !FUNCTIONS[name] &&
      !name.includes(':') &&
      !NOT_FUNCTIONS.has(name.toLowerCase()) &&
      !insideBraces(query, firstError.from)
    ) {
      const from = firstError.from - fn[0].length;
      throw firstInCall(query, from, fn[1], firstError.from);
    }
    const { pos, detail } = prometheusSyntaxError(query, firstError.from);
    throw actionErrorBefore(query, tree.topNode, pos.from) ?? new PromQLParseError(query, pos, detail);
  }
  const root = top.firstChild;
  if (!root) throw new PromQLParseError(query, { from: 0, to: 0 }, 'no expression found in input');
  const b = new AstBuilder(query);
  const expr = b.expr(root);
  if (check) checkTypes(expr, (pos, msg) => b.fail(pos, msg));
  return expr;
}

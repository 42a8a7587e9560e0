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

function parseRenamed(query: string): Expr {
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
    const fn = /([a-zA-Z_][a-zA-Z0-9_]*)\s*$/.exec(query.slice(0, firstError.from));
    if (fn && query[firstError.from] === '(' && !FUNCTIONS[fn[1]]) {
      const from = firstError.from - fn[0].length;
      throw new PromQLParseError(
        query,
        { from, to: from + fn[1].length },
        `unknown function with name "${fn[1]}"`,
      );
    }
    const { pos, detail } = prometheusSyntaxError(query, firstError.from);
    throw new PromQLParseError(query, pos, detail);
  }
  const root = top.firstChild;
  if (!root) throw new PromQLParseError(query, { from: 0, to: 0 }, 'no expression found in input');
  const b = new AstBuilder(query);
  const expr = b.expr(root);
  checkTypes(expr, (pos, msg) => b.fail(pos, msg));
  return expr;
}

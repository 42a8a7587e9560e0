// PromQL parser: the official grammar (@prometheus-io/lezer-promql) gives a concrete syntax tree
// with error recovery; this walks it into the typed AST of ast.ts and applies the checks of
// Prometheus 2.42's parser (promql/parser/parse.go checkAST) with Prometheus' error messages.
import type { SyntaxNode } from '@lezer/common';
import { promqlParser } from '../lazy-deps.js';
import type { Expr } from './ast.js';
import { AstBuilder } from './cst-to-ast.js';
import { PromQLParseError } from './errors.js';
import { FUNCTIONS } from './function-defs.js';
import { checkTypes } from './typecheck.js';

/**
 * The npm grammar knows Prometheus 2.42's holt_winters() only by its 3.x name; rewrite calls
 * (outside string literals) before parsing. Positions after it shift, which only affects messages.
 */
function renameHoltWinters(q: string): string {
  if (!q.includes('holt_winters')) return q;
  return q.replace(
    /("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)|\bholt_winters(\s*\()/g,
    (all, quoted, paren) => (quoted ? all : `double_exponential_smoothing${paren}`),
  );
}

/** Parses a PromQL expression into a checked AST; throws PromQLParseError with a position. */
export function parseExpr(input: string): Expr {
  const query = renameHoltWinters(input);
  if (/^\s*(#[^\n]*\s*)*$/.test(query)) {
    throw new PromQLParseError(query, { from: 0, to: 0 }, 'no expression found in input');
  }
  const tree = promqlParser().parse(query);
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
    const text = query.slice(firstError.from, firstError.to);
    const detail = text
      ? `unexpected "${text}"`
      : firstError.from >= query.length
        ? endOfInputError(query)
        : 'unexpected character';
    throw new PromQLParseError(query, { from: firstError.from, to: firstError.to }, detail);
  }
  const root = top.firstChild;
  if (!root) throw new PromQLParseError(query, { from: 0, to: 0 }, 'no expression found in input');
  const b = new AstBuilder(query);
  const expr = b.expr(root);
  checkTypes(expr, (pos, msg) => b.fail(pos, msg));
  return expr;
}

/** 2.42's lexer at the end of input: inside braces, else with a '(' or '[' left open. */
function endOfInputError(query: string): string {
  let braces = false;
  let parens = 0;
  let brackets = 0;
  for (let i = 0; i < query.length; i++) {
    const c = query[i];
    if (c === '"' || c === "'" || c === '`') {
      for (i++; i < query.length && query[i] !== c; i++) if (query[i] === '\\' && c !== '`') i++;
    } else if (c === '#') {
      while (i < query.length && query[i] !== '\n') i++;
    } else if (c === '{') braces = true;
    else if (c === '}') braces = false;
    else if (c === '(') parens++;
    else if (c === ')') parens--;
    else if (c === '[') brackets++;
    else if (c === ']') brackets--;
  }
  if (braces) return 'unexpected end of input inside braces';
  if (parens > 0) return 'unclosed left parenthesis';
  if (brackets > 0) return 'unclosed left bracket';
  return 'unexpected end of input';
}

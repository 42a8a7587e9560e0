// FlowRent log query language, v1 (LogsQL/Seq-like; see ../shared/reference/logs.md §2.5).
//
//   query   := or
//   or      := and ( "OR" and )*
//   and     := unary ( ["AND"] unary )*           implicit AND between terms
//   unary   := ("NOT" | "-") unary | primary
//   primary := "(" or ")" | "phrase" | field-expr | word | "*" | logql
//   field-expr := name ( ":" | ":=" | ":!=" | ":>" | ":>=" | ":<" | ":<=" | ":~" ) value
//               | name ( "=" | "!=" | ">" | ">=" | "<" | "<=" ) value
//               | name ":*"                                            (field exists)
//   name    := [\p{L}_@][\p{L}\p{N}\p{M}_.@/-]*  dots address nested attributes: user.id
//            | "quoted"                          any key: "user agent":curl, "10":x
//   value   := "quoted" | word
//
//   logql   := {label="v", label=~"re", …} | (|= | != | |~ | !~) "text"
//            | "|" (json | logfmt | unpack) | "|" label op value ((and | , | or) label op value)*
//                                                                     (see parse-logql.ts)
//
// Keywords are upper case only, so `not` and `or` stay searchable words. A word may contain
// balanced parentheses (`path:~^/(a|b)`); an unbalanced `)` ends it. Pure: no I/O, no store.
import { ParseError } from '@flowrent/shared/errors';
import { LEVELS, normalizeLevel } from '../model.js';
import type { FieldOp, QueryNode } from './ast.js';
import { parseLineFilter, parsePipelineStage, parseSelector, refuseMetricQuery } from './parse-logql.js';
import { nonLinearRegex } from './regex-linear.js';
import { unsafeRegex } from './regex-safety.js';

export const MAX_QUERY_CHARS = 4096;
const MAX_DEPTH = 64;
// Letters of any script (an attribute `ünï` or `名前`) and `/` (Kubernetes keys such as
// `app.kubernetes.io/name`): `ünï:x` was read as one bare word and quietly matched nothing.
const NAME_START = /[\p{L}_@]/u;
const NAME_CHAR = /[\p{L}\p{N}\p{M}_.@/-]/u;

function syntaxError(message: string, position: number, query: string): ParseError {
  return new ParseError(`${message} at position ${position}`, { position, query });
}

export function parseQuery(query: string): QueryNode {
  if (query.length > MAX_QUERY_CHARS) {
    throw syntaxError(`query longer than ${MAX_QUERY_CHARS} characters`, MAX_QUERY_CHARS, query);
  }
  refuseMetricQuery(query);
  const p = new QueryParser(query);
  return p.parseAll();
}

class QueryParser {
  private i = 0;
  private depth = 0;
  constructor(private readonly s: string) {}

  parseAll(): QueryNode {
    this.skipSpace();
    if (this.i >= this.s.length) return { kind: 'all', pos: 0 };
    const node = this.parseOr();
    this.skipSpace();
    if (this.i < this.s.length) throw this.error(`unexpected '${this.s[this.i]}'`);
    return node;
  }

  private error(message: string, at = this.i): ParseError {
    return syntaxError(message, at, this.s);
  }

  private skipSpace(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i])) this.i++;
  }

  private atKeyword(word: string): boolean {
    if (!this.s.startsWith(word, this.i)) return false;
    const next = this.s[this.i + word.length];
    return next === undefined || /[\s("]/.test(next);
  }

  private parseOr(): QueryNode {
    const pos = this.i;
    const children = [this.parseAnd()];
    while (this.atKeyword('OR')) {
      this.i += 2;
      children.push(this.parseAnd());
    }
    return children.length === 1 ? children[0] : { kind: 'or', children, pos };
  }

  private parseAnd(): QueryNode {
    this.skipSpace();
    const pos = this.i;
    const children: QueryNode[] = [];
    for (;;) {
      this.skipSpace();
      if (this.i >= this.s.length || this.s[this.i] === ')' || this.atKeyword('OR')) break;
      if (this.atKeyword('AND')) {
        if (children.length === 0) throw this.error("expected a term before 'AND'");
        this.i += 3;
        this.skipSpace();
        if (this.i >= this.s.length || this.s[this.i] === ')' || this.atKeyword('OR')) {
          throw this.error("expected a term after 'AND'");
        }
        continue;
      }
      children.push(this.parseUnary());
    }
    if (children.length === 0) {
      if (this.i >= this.s.length) throw this.error('expected a term, found the end of the query');
      throw this.error(
        this.atKeyword('OR') ? "expected a term before 'OR'" : `expected a term before '${this.s[this.i]}'`,
      );
    }
    return children.length === 1 ? children[0] : { kind: 'and', children, pos };
  }

  private parseUnary(): QueryNode {
    this.skipSpace();
    const pos = this.i;
    if (++this.depth > MAX_DEPTH) throw this.error(`query nested deeper than ${MAX_DEPTH} levels`);
    try {
      if (this.atKeyword('NOT')) {
        this.i += 3;
        this.skipSpace();
        if (this.i >= this.s.length || this.s[this.i] === ')')
          throw this.error("expected a term after 'NOT'");
        return { kind: 'not', child: this.parseUnary(), pos };
      }
      if (this.s[this.i] === '-') {
        const next = this.s[this.i + 1];
        if (next === undefined || /[\s)]/.test(next))
          throw this.error("expected a term right after '-'", this.i + 1);
        this.i++;
        return { kind: 'not', child: this.parseUnary(), pos };
      }
      return this.parsePrimary();
    } finally {
      this.depth--;
    }
  }

  private parsePrimary(): QueryNode {
    const pos = this.i;
    const c = this.s[this.i];
    if (c === '(') {
      this.i++;
      const inner = this.parseOr();
      this.skipSpace();
      if (this.s[this.i] !== ')') {
        throw new ParseError(`missing ')' at position ${this.i}`, {
          position: this.i,
          open_position: pos,
          query: this.s,
        });
      }
      this.i++;
      return inner;
    }
    if (c === '{') {
      const { node, end } = parseSelector(this.s, this.i);
      this.i = end;
      return node;
    }
    const lineFilter = parseLineFilter(this.s, this.i) ?? parsePipelineStage(this.s, this.i);
    if (lineFilter) {
      this.i = lineFilter.end;
      return lineFilter.node;
    }
    if (c === '"') {
      const value = this.readQuoted();
      // `"a b":x`: a quoted field name, for keys no bare name spells (spaces, colons, a leading digit).
      const op = matchOperator(this.s, this.i);
      if (op && value !== '') return this.fieldExpr(value, op, pos);
      if (value.trim() === '') throw this.error('empty phrase', pos);
      return { kind: 'text', value, phrase: true, pos };
    }
    const field = this.tryFieldExpr();
    if (field) return field;
    const word = this.readWord();
    if (word === '*') return { kind: 'all', pos };
    return { kind: 'text', value: word, phrase: false, pos };
  }

  private readQuoted(): string {
    const start = this.i;
    this.i++; // opening quote
    let out = '';
    while (this.i < this.s.length) {
      const c = this.s[this.i++];
      if (c === '"') return out;
      // `\"` and `\\` are escapes; any other backslash stays, so a quoted regex keeps `\d` and `\.`
      if (c === '\\' && (this.s[this.i] === '"' || this.s[this.i] === '\\')) out += this.s[this.i++];
      else out += c;
    }
    throw this.error(`unterminated quoted string starting`, start);
  }

  /** Reads up to whitespace or an unbalanced ')'; parentheses inside a word must balance. */
  private readWord(): string {
    const start = this.i;
    let depth = 0;
    while (this.i < this.s.length) {
      const c = this.s[this.i];
      if (/\s/.test(c)) break;
      if (c === '(') depth++;
      else if (c === ')') {
        if (depth === 0) break;
        depth--;
      }
      this.i++;
    }
    if (this.i === start) throw this.error(`expected a term before '${this.s[this.i] ?? 'end'}'`);
    return this.s.slice(start, this.i);
  }

  private tryFieldExpr(): QueryNode | null {
    const pos = this.i;
    if (!NAME_START.test(this.s[pos] ?? '')) return null;
    let j = pos + 1;
    while (j < this.s.length && NAME_CHAR.test(this.s[j])) j++;
    const op = matchOperator(this.s, j);
    if (!op) return null;
    const field = this.s.slice(pos, j).replace(/[./-]+$/, '');
    if (field.length !== j - pos) return null; // "a.:" is a word, not a field
    this.i = j;
    return this.fieldExpr(field, op, pos);
  }

  /** The rest of a field expression, from its operator at this.i on. */
  private fieldExpr(field: string, op: MatchedOp, pos: number): QueryNode {
    this.i += op.length;
    if (op.op === 'exists') return { kind: 'field', field, op: 'exists', value: '', pos };
    const valuePos = this.i;
    const next = this.s[this.i];
    if (next === undefined || /[\s)]/.test(next)) {
      throw this.error(`expected a value after '${field}${op.text}'`, valuePos);
    }
    const value = next === '"' ? this.readQuoted() : this.readWord();
    // `x:""` held no word to look for and matched every record that has x (`x:*` says that);
    // `service:""` stays: service and protocol compare exactly, and '' is "none".
    if (op.op === 'match' && value.trim() === '' && !/^(service|protocol)$/i.test(field))
      throw this.error(`empty value after '${op.text}'`, valuePos);
    this.checkValue(field, op.op, value, valuePos);
    return { kind: 'field', field, op: op.op, value, pos };
  }

  private checkValue(field: string, op: FieldOp, value: string, at: number): void {
    if (op === 'regex') {
      const pattern = value.replace(/^\(\?i\)/, '');
      try {
        new RegExp(pattern);
      } catch (e) {
        throw this.error(`invalid regular expression: ${(e as Error).message}`, at);
      }
      const unsafe = unsafeRegex(pattern);
      const nonLinear = unsafe ? undefined : nonLinearRegex(value);
      if (nonLinear) throw this.error(`regular expression refused: ${nonLinear}`, at);
      if (unsafe) {
        const quoted = this.s[at] === '"' ? 1 : 0;
        throw this.error(
          `regular expression refused: ${unsafe.message}`,
          at + quoted + unsafe.offset + value.length - pattern.length,
        );
      }
    }
    if ((op === 'gt' || op === 'gte' || op === 'lt' || op === 'lte') && /^[+-]?nan$/i.test(value.trim())) {
      throw this.error(`'${value}' is not a number to compare with`, at);
    }
    if (field.toLowerCase() === 'level' && op !== 'regex' && normalizeLevel(value) === undefined) {
      throw this.error(`unknown level '${value}' (use ${LEVELS.join(', ')})`, at);
    }
  }
}

interface MatchedOp {
  op: FieldOp;
  text: string;
  length: number;
}

const COLON_OPS: [string, FieldOp][] = [
  [':>=', 'gte'],
  [':<=', 'lte'],
  [':!=', 'ne'],
  [':>', 'gt'],
  [':<', 'lt'],
  [':=', 'eq'],
  [':~', 'regex'],
  [':', 'match'],
];
const BARE_OPS: [string, FieldOp][] = [
  ['>=', 'gte'],
  ['<=', 'lte'],
  ['!=', 'ne'],
  ['>', 'gt'],
  ['<', 'lt'],
  ['=', 'eq'],
];

function matchOperator(s: string, at: number): MatchedOp | null {
  if (s.startsWith(':*', at)) {
    const after = s[at + 2];
    if (after === undefined || /[\s)]/.test(after)) return { op: 'exists', text: ':*', length: 2 };
  }
  for (const [text, op] of [...COLON_OPS, ...BARE_OPS]) {
    if (s.startsWith(text, at)) return { op, text, length: text.length };
  }
  return null;
}

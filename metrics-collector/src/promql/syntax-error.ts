// Syntax errors worded and placed as Prometheus 2.42 words them (promql/parser/lex.go and the
// error rules of generated_parser.y). The lezer grammar finds where a query stops parsing; this
// re-lexes the query as 2.42's lexer does (only on that error path) and says what 2.42 says at
// that point: the lexer's own error if it meets one first ("unexpected right parenthesis ')'",
// "bad duration syntax: \"1h5\"", "unclosed left parenthesis"), else "unexpected <token>" with the
// context and expectation of the grammar rule in which the token arrived ("in label matching,
// expected string", "in grouping opts, expected \"(\"", "in offset, expected duration").
import type { Pos } from './ast.js';
import { MAX_DURATION_MS, parseDurationMs, parseNumber } from './literals.js';

export type Kind =
  | 'identifier'
  | 'metric identifier'
  | 'keyword'
  | 'aggregator'
  | 'operator'
  | 'string'
  | 'number'
  | 'duration'
  | 'symbol'
  | 'colon'
  | 'end';

interface Token {
  kind: Kind;
  text: string;
  from: number;
  to: number;
}

const AGGREGATORS = new Set([
  'sum',
  'avg',
  'count',
  'min',
  'max',
  'group',
  'stddev',
  'stdvar',
  'topk',
  'bottomk',
  'count_values',
  'quantile',
]);
const WORD_OPERATORS = new Set(['and', 'or', 'unless', 'atan2']);
/** Lexed as keywords (the @ modifier's start()/end()) but described by their text. */
const PREPROCESSORS = new Set(['start', 'end']);
const KEYWORDS = new Set(['offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool']);

const isAlpha = (c: string) => c === '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
const isDigit = (c: string) => c >= '0' && c <= '9';
const isAlphaNumeric = (c: string) => isAlpha(c) || isDigit(c);
const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r';

class LexError {
  constructor(
    readonly at: number,
    readonly message: string,
  ) {}
}

/** Go's %q of one rune: '}' or '\n'. */
function quoteRune(c: string): string {
  const q = JSON.stringify(c).slice(1, -1);
  return `'${c === "'" ? "\\'" : c === '"' ? '"' : q}'`;
}

/** Go's %q of a string, cut to 10 runes first when the token is longer (Item.String's %.10q...). */
function quoteItem(text: string): string {
  const runes = [...text];
  const q = (s: string) => JSON.stringify(s);
  return runes.length > 10 ? `${q(runes.slice(0, 10).join(''))}...` : q(text);
}

/** The tokens 2.42's lexer gives for `q`, up to the end or its first error (thrown as LexError). */
function* lex(q: string): Generator<Token, void, undefined> {
  let pos = 0;
  let parenDepth = 0;
  let braceOpen = false;
  let bracketOpen = false;
  let gotColon = false;
  const at = (i: number) => (i < q.length ? q[i] : '');
  const tok = (kind: Kind, from: number): Token => ({ kind, text: q.slice(from, pos), from, to: pos });
  const fail = (from: number, message: string) => new LexError(from, message);
  const acceptRun = (chars: string) => {
    while (pos < q.length && chars.includes(q[pos])) pos++;
  };
  const accept = (chars: string) => {
    if (pos < q.length && chars.includes(q[pos])) {
      pos++;
      return true;
    }
    return false;
  };
  const scanNumber = () => {
    let digits = '0123456789';
    if (accept('0') && accept('xX')) digits = '0123456789abcdefABCDEF';
    acceptRun(digits);
    if (accept('.')) acceptRun(digits);
    if (accept('eE')) {
      accept('+-');
      acceptRun('0123456789');
    }
    return !isAlphaNumeric(at(pos));
  };
  // After the unit: more number-unit pairs, then a non-alphanumeric (consumed, as Go's next(),
  // which reads nothing at the end of input: `width` is what a backup() gives back).
  let width = 0;
  const remainingDuration = () => {
    width = 0;
    if (!accept('smhdwy')) return false;
    accept('s');
    while (accept('0123456789')) {
      acceptRun('0123456789');
      if (!accept('smhdw')) return false;
      accept('s');
    }
    const next = at(pos);
    if (next !== '') {
      pos++;
      width = 1;
    }
    return !isAlphaNumeric(next);
  };
  const skipString = (from: number, quote: string) => {
    for (;;) {
      const c = at(pos++);
      if (c === '' || (c === '\n' && quote !== '`')) {
        throw fail(from, quote === '`' ? 'unterminated raw string' : 'unterminated quoted string');
      }
      if (c === '\\' && quote !== '`') pos++;
      else if (c === quote) return;
    }
  };
  for (;;) {
    while (isSpace(at(pos))) pos++;
    const from = pos;
    const c = at(pos);
    if (c === '#') {
      while (pos < q.length && q[pos] !== '\n') pos++;
      continue;
    }
    if (braceOpen) {
      pos++;
      if (c === '') throw fail(from, 'unexpected end of input inside braces');
      if (isAlpha(c)) {
        while (isAlphaNumeric(at(pos))) pos++;
        yield tok('identifier', from);
      } else if (c === ',') yield tok('symbol', from);
      else if (c === '"' || c === "'" || c === '`') {
        skipString(from, c);
        yield tok('string', from);
      } else if (c === '=') {
        if (at(pos) === '~') pos++;
        yield tok(q.slice(from, pos) === '=~' ? 'operator' : 'symbol', from);
      } else if (c === '!') {
        const n = at(pos);
        if (n !== '~' && n !== '=')
          throw fail(from, `unexpected character after '!' inside braces: ${quoteRune(n)}`);
        pos++;
        yield tok('operator', from);
      } else if (c === '{') throw fail(from, `unexpected left brace ${quoteRune(c)}`);
      else if (c === '}') {
        braceOpen = false;
        yield tok('symbol', from);
      } else throw fail(from, `unexpected character inside braces: ${quoteRune(c)}`);
      continue;
    }
    if (c === '') {
      if (parenDepth !== 0) throw fail(from, 'unclosed left parenthesis');
      if (bracketOpen) throw fail(from, 'unclosed left bracket');
      yield { kind: 'end', text: '', from, to: from };
      return;
    }
    pos++;
    if (
      c === ',' ||
      c === '*' ||
      c === '/' ||
      c === '%' ||
      c === '+' ||
      c === '-' ||
      c === '^' ||
      c === '@'
    ) {
      yield tok(c === ',' ? 'symbol' : 'operator', from);
    } else if (c === '=') {
      if (at(pos) === '~') throw fail(from, `unexpected character after '=': ${quoteRune('~')}`);
      if (at(pos) === '=') pos++;
      yield tok(pos - from === 2 ? 'operator' : 'symbol', from);
    } else if (c === '!') {
      if (at(pos) !== '=') throw fail(from, `unexpected character after '!': ${quoteRune(at(pos))}`);
      pos++;
      yield tok('operator', from);
    } else if (c === '<' || c === '>') {
      accept('=');
      yield tok('operator', from);
    } else if (isDigit(c) || (c === '.' && isDigit(at(pos)))) {
      pos = from;
      if (scanNumber()) yield tok('number', from);
      else if (remainingDuration()) {
        pos -= width;
        yield tok('duration', from);
      } else throw fail(from, `bad number or duration syntax: ${JSON.stringify(q.slice(from, pos))}`);
    } else if (c === '"' || c === "'" || c === '`') {
      skipString(from, c);
      yield tok('string', from);
    } else if (isAlpha(c) || c === ':') {
      if (!bracketOpen) {
        while (isAlphaNumeric(at(pos)) || at(pos) === ':') pos++;
        const word = q.slice(from, pos).toLowerCase();
        if (word === 'inf' || word === 'nan') yield tok('number', from);
        else if (AGGREGATORS.has(word)) yield tok('aggregator', from);
        else if (WORD_OPERATORS.has(word)) yield tok('operator', from);
        else if (KEYWORDS.has(word)) yield tok('keyword', from);
        else if (PREPROCESSORS.has(word)) yield tok('symbol', from);
        else yield tok(word.includes(':') ? 'metric identifier' : 'identifier', from);
      } else {
        // Inside [...] any letter is taken as the subquery colon (2.42's lexer).
        if (gotColon) throw fail(from, `unexpected colon ${quoteRune(c)}`);
        gotColon = true;
        yield tok('colon', from);
      }
    } else if (c === '(') {
      parenDepth++;
      yield tok('symbol', from);
    } else if (c === ')') {
      // 2.42 emits the token and then its error into the same slot: the parser sees the error.
      parenDepth--;
      if (parenDepth < 0) throw fail(pos, `unexpected right parenthesis ${quoteRune(c)}`);
      yield tok('symbol', from);
    } else if (c === '{') {
      braceOpen = true;
      yield tok('symbol', from);
    } else if (c === '[') {
      if (bracketOpen) throw fail(from, `unexpected left bracket ${quoteRune(c)}`);
      gotColon = false;
      yield tok('symbol', from);
      while (isSpace(at(pos))) pos++;
      bracketOpen = true;
      const d = pos;
      if (scanNumber()) throw fail(d, 'missing unit character in duration');
      if (!remainingDuration()) throw fail(d, `bad duration syntax: ${JSON.stringify(q.slice(d, pos))}`);
      pos -= width;
      yield tok('duration', d);
    } else if (c === ']') {
      if (!bracketOpen) throw fail(from, `unexpected right bracket ${quoteRune(c)}`);
      bracketOpen = false;
      yield tok('symbol', from);
    } else throw fail(from, `unexpected character: ${quoteRune(c)}`);
  }
}

/** The number tokens 2.42's lexer reads from `q`, up to its first error. */
export function numberTokens(q: string): Token[] {
  const out: Token[] = [];
  try {
    for (const t of lex(q)) if (t.kind === 'number') out.push(t);
  } catch (e) {
    if (!(e instanceof LexError)) throw e;
  }
  return out;
}

/** The kind of token 2.42's lexer makes of `text` in an expression, when it is one whole token. */
export function tokenKind(text: string): Kind | undefined {
  try {
    const first = lex(text).next().value;
    return first && first.to === text.length ? first.kind : undefined;
  } catch (e) {
    if (!(e instanceof LexError)) throw e;
    return undefined;
  }
}

/** Item.desc(): `"{"`, `<op:*>`, `<aggr:sum>`, `<by>`, `identifier "job"`, `end of input`. */
function describe(t: Token): string {
  switch (t.kind) {
    case 'end':
      return 'end of input';
    case 'operator':
      // AT has no entry in 2.42's ItemTypeStr: Item.desc() prints its type number.
      return t.text === '@' ? '"<Item 57385>" <op:@>' : `<op:${t.text.toLowerCase()}>`;
    case 'identifier':
    case 'metric identifier':
      // Item.String quotes identifiers whole; only other values are cut to 10 characters.
      return `${t.kind} ${JSON.stringify(t.text)}`;
    case 'aggregator':
      return `<aggr:${t.text.toLowerCase()}>`;
    case 'keyword':
      return `<${t.text.toLowerCase()}>`;
    case 'symbol':
    case 'colon':
      return JSON.stringify(t.text);
    default:
      return `${t.kind} ${quoteItem(t.text)}`;
  }
}

/** What the grammar rule that meets the bad token says: [context, expected] or none. */
function ruleContext(before: Token[], bad: Token): [string, string] | undefined {
  const prev = before.at(-1);
  if (!prev) return undefined;
  const prevWord = prev.text.toLowerCase();
  // Inside braces: label matchers.
  let depth = 0;
  for (let i = before.length - 1; i >= 0; i--) {
    const t = before[i].text;
    if (before[i].kind !== 'symbol') continue;
    if (t === '}') break;
    if (t === '{') {
      depth = 1;
      break;
    }
  }
  if (depth === 1) {
    if (prev.text === '{' || prev.text === ',') return ['label matching', 'identifier or "}"'];
    if (prev.kind === 'identifier') return ['label matching', 'label matching operator'];
    if (prev.kind === 'string') return ['label matching', '"," or "}"'];
    return ['label matching', 'string'];
  }
  // by/without where an operand belongs are a metric name (2.42's metric_identifier), not a clause.
  const asName = ['by', 'without'].includes(prevWord) && expectsOperand(before.at(-2));
  if (prev.kind === 'keyword' && ['by', 'without', 'on', 'ignoring'].includes(prevWord) && !asName)
    return ['grouping opts', '"("'];
  const inGrouping = groupingOpen(before);
  if (inGrouping) {
    if (prev.text === '(' || prev.text === ',') return ['grouping opts', 'label'];
    return ['grouping opts', '"," or ")"'];
  }
  if (prev.kind === 'keyword' && prevWord === 'offset') return ['offset', 'duration'];
  if (prev.text === '-' && before.at(-2)?.text.toLowerCase() === 'offset') return ['offset', 'duration'];
  if (prev.text === '@') return ['@', 'timestamp'];
  if (PREPROCESSORS.has(prevWord) && before.at(-2)?.text === '@') return ['@', 'timestamp'];
  if (prev.text === '[') return ['subquery selector', 'duration'];
  if (prev.kind === 'duration' && before.at(-2)?.text === '[') return ['subquery or range', '":" or "]"'];
  if (prev.kind === 'colon') return ['subquery selector', 'duration or "]"'];
  if (prev.kind === 'duration' && before.at(-2)?.kind === 'colon') return ['subquery selector', '"]"'];
  // Right after the aggregator 2.42 gives no context of its own (an enclosing aggregation's
  // parentheses give theirs); after its by/without clause, or inside its parentheses (the
  // innermost rule with an error alternative), "in aggregation".
  // A '(' after a name used as a metric name (start, end, by, without) is unexpected in the
  // aggregation around it; after an aggregation's parts 2.42 gives no context.
  const metricWord =
    PREPROCESSORS.has(prevWord) || (['by', 'without'].includes(prevWord) && expectsOperand(before.at(-2)));
  if (bad.text === '(' && !metricWord) return undefined;
  if (prev.kind === 'aggregator')
    return insideAggregation(before.slice(0, -1)) ? ['aggregation', ''] : undefined;
  if (aggregationHead(before) || insideAggregation(before)) return ['aggregation', ''];
  return undefined;
}

/** An aggregation's parenthesis is open. */
function insideAggregation(before: Token[]): boolean {
  let depth = 0;
  for (let i = before.length - 1; i >= 0; i--) {
    const t = before[i].text;
    if (before[i].kind !== 'symbol') continue;
    if (t === ')') depth++;
    else if (t === '(' && depth > 0) depth--;
    else if (t === '(' && (before[i - 1]?.kind === 'aggregator' || aggregationHead(before.slice(0, i))))
      return true;
  }
  return false;
}

const DURATION_TEXT = /^(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/;

/** A number or duration token 2.42's parser refuses when it reads it (model.ParseDuration,
 * strconv.ParseInt/ParseFloat). */
/** parseDuration's refusal of a well-formed duration (undefined when accepted). */
function durationRefused(text: string): string | undefined {
  const ms = parseDurationMs(text);
  if (ms === 0) return 'duration must be greater than 0';
  if (ms !== undefined && ms > MAX_DURATION_MS) return 'duration out of range';
  return undefined;
}

function invalidLiteral(t: Token): string | undefined {
  if (t.kind === 'duration' && (t.text === '' || !DURATION_TEXT.test(t.text)))
    return `not a valid duration string: ${JSON.stringify(t.text)}`;
  if (t.kind === 'number' && parseNumber(t.text) === undefined)
    return `error parsing number: strconv.ParseFloat: parsing ${JSON.stringify(t.text)}: invalid syntax`;
  return undefined;
}

/** Binary operators that cannot start an expression (+ and - can: signs; and/or/unless can: as
 * metric names). */
const BINARY_ONLY = new Set(['*', '/', '%', '^', '==', '!=', '<', '>', '<=', '>=', 'atan2']);

/** Words 2.42's grammar also takes as a metric name (its metric_identifier rule), so they can
 * start an expression: and, or, unless, by, without, offset, start, end, the aggregators. */
const METRIC_WORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'offset', 'start', 'end']);

/**
 * A token 2.42's grammar has no place for where it stands, though the npm grammar (Prometheus 3)
 * takes it and stops later: a duration outside a range, step or offset (`1s + x`, `f(x, 10m)`), a
 * number where a duration belongs (`[5m:1`, `offset 5`), a binary operator where an operand
 * belongs (`x + atan2 y`).
 */
function misplaced(before: Token[], t: Token): boolean {
  const prev = before.at(-1);
  const afterOffset =
    prev?.text.toLowerCase() === 'offset' ||
    (prev?.text === '-' && before.at(-2)?.text.toLowerCase() === 'offset');
  const inBrackets = prev?.text === '[' || prev?.kind === 'colon';
  if (t.kind === 'duration') return !afterOffset && !inBrackets;
  if (t.kind === 'number') return afterOffset || prev?.kind === 'colon';
  // A quoted label name (Prometheus 3) where 2.42 wants an identifier.
  if (t.kind === 'string' && (prev?.text === '{' || prev?.text === ',') && braceOpen(before)) return true;
  // start/end outside `@ start()` are metric names there: no call follows.
  if (t.text === '(' && prev && PREPROCESSORS.has(prev.text.toLowerCase()) && before.at(-2)?.text !== '@')
    return true;
  if (t.kind === 'operator' && BINARY_ONLY.has(t.text.toLowerCase()))
    return !prev || prev.text === '(' || prev.text === ',' || prev.kind === 'operator';
  return false;
}

/** After `prev` an expression may start (a number stands where one belongs). */
function expectsOperand(prev: Token | undefined): boolean {
  return !prev || prev.text === '(' || prev.text === ',' || prev.kind === 'operator' || prev.text === 'bool';
}

function startsExpression(t: Token): boolean {
  if (['identifier', 'metric identifier', 'number', 'string', 'aggregator'].includes(t.kind)) return true;
  return ['(', '{', '+', '-'].includes(t.text) || METRIC_WORDS.has(t.text.toLowerCase());
}

function braceOpen(before: Token[]): boolean {
  for (let i = before.length - 1; i >= 0; i--) {
    if (before[i].text === '}' && before[i].kind === 'symbol') return false;
    if (before[i].text === '{' && before[i].kind === 'symbol') return true;
  }
  return false;
}

/** The innermost open parenthesis is a function call's or an aggregation's. */
function callArgsOpen(before: Token[]): boolean {
  let depth = 0;
  for (let i = before.length - 1; i >= 0; i--) {
    const t = before[i];
    if (t.kind !== 'symbol') continue;
    if (t.text === ')') depth++;
    else if (t.text === '(' && depth > 0) depth--;
    else if (t.text === '(') {
      const k = before[i - 1];
      return k?.kind === 'aggregator' || k?.kind === 'identifier' || aggregationHead(before.slice(0, i));
    } else if (t.text === '{' || t.text === '[') return false;
  }
  return false;
}

/** Inside the parentheses of by/without/on/ignoring/group_left/group_right. */
function groupingOpen(before: Token[]): boolean {
  for (let i = before.length - 1; i >= 0; i--) {
    const t = before[i];
    if (t.text === ')') return false;
    if (t.text === '(') {
      const k = before[i - 1];
      return (
        k?.kind === 'keyword' &&
        ['by', 'without', 'on', 'ignoring', 'group_left', 'group_right'].includes(k.text.toLowerCase())
      );
    }
    if (
      t.kind !== 'identifier' &&
      t.kind !== 'keyword' &&
      t.kind !== 'aggregator' &&
      t.text !== ',' &&
      !PREPROCESSORS.has(t.text.toLowerCase())
    )
      return false;
  }
  return false;
}

/** The tokens end with an aggregator, or an aggregator and its by/without (...) clause. */
function aggregationHead(before: Token[]): boolean {
  const last = before.at(-1);
  if (last?.kind === 'aggregator') return true;
  if (last?.text !== ')') return false;
  for (let i = before.length - 2; i >= 0; i--) {
    if (before[i].text === '(') {
      const k = before[i - 1]?.text.toLowerCase();
      return (k === 'by' || k === 'without') && before[i - 2]?.kind === 'aggregator';
    }
  }
  return false;
}

/**
 * 2.42's error for a query the grammar stops parsing at `errorAt` (a character offset): the
 * position it reports and its message (without the "line:col: parse error: " prefix).
 */
export function prometheusSyntaxError(query: string, errorAt: number): { pos: Pos; detail: string } {
  const tokens: Token[] = [];
  try {
    for (const t of lex(query)) {
      // A literal's own error is the parser action's, once it stands where one belongs; elsewhere
      // the token is unexpected first (`time() 1e-`).
      const invalid = invalidLiteral(t);
      if (invalid && (t.kind === 'duration' ? !misplaced(tokens, t) : expectsOperand(tokens.at(-1))))
        return { pos: { from: t.from, to: t.to }, detail: invalid };
      // 2.42's parseDuration runs when a duration arrives where one belongs, before the lexer
      // reads on: `avg_over_time(cpu[0m:1m) offset 1h` fails at 0m, not at the ")".
      const refused = t.kind === 'duration' && !invalid && !misplaced(tokens, t) && durationRefused(t.text);
      if (refused) return { pos: { from: t.from, to: t.to }, detail: refused };
      if (t.to > errorAt || t.kind === 'end' || invalid || misplaced(tokens, t)) {
        // yacc reduces 2.42's error rule `function_call_args COMMA` when nothing can follow it.
        const comma = tokens.at(-1);
        if (comma?.text === ',' && !startsExpression(t) && callArgsOpen(tokens))
          return {
            pos: { from: comma.from, to: comma.to },
            detail: 'trailing commas not allowed in function call args',
          };
        const context = ruleContext(tokens, t);
        const where = context ? ` in ${context[0]}${context[1] ? `, expected ${context[1]}` : ''}` : '';
        return { pos: { from: t.from, to: t.to }, detail: `unexpected ${describe(t)}${where}` };
      }
      tokens.push(t);
    }
  } catch (e) {
    if (!(e instanceof LexError)) throw e;
    return { pos: { from: e.at, to: e.at }, detail: e.message };
  }
  return { pos: { from: errorAt, to: errorAt }, detail: 'unexpected end of input' };
}

// LogQL paste compatibility (grafana/loki docs/sources/query/log_queries): a stream selector
// `{app="api", env=~"prod|stg", level!="debug"}` and line filters `|= "text"`, `!= "text"`,
// `|~ "re"`, `!~ "re"` (Loki 3's `|= "a" or "b"` too), turned into our own nodes. Label regexes are anchored as in Prometheus;
// `|=` is a case-sensitive substring, as in Loki. Pipeline stages: the parsers `| json`, `| logfmt`
// and `| unpack` match everything (records are stored with their JSON already unpacked), label filters
// `| level="error"`, `| status >= 500` (joined by `and`, `,` or `or`) become field filters (after
// `| logfmt` they read the line's logfmt keys first, as Loki extracts them; a name
// also reads a nested key as Loki's json parser flattens it: `user_id` for {"user":{"id":1}}, and
// an absent label reads as "" as in Loki; parentheses group them), Loki's
// parser-error labels `__error__`/`__error_details__` are always empty (`| __error__=""` keeps every
// line, `| drop __error__, __error_details__` is a no-op); any other
// stage (line_format, label_format, pattern, regexp, drop, keep, …) and metric queries are a 400
// naming the stage and its position, never a query that quietly matches nothing.
import { ParseError } from '@flowrent/shared/errors';
import { LEVELS, normalizeLevel } from '../model.js';
import type { QueryNode } from './ast.js';
import { nonLinearRegex } from './regex-linear.js';
import { re2ToJs } from './regex-go.js';
import { unsafeRegex } from './regex-safety.js';

export interface Parsed {
  node: QueryNode;
  end: number;
}

const LABEL = /[A-Za-z_][A-Za-z0-9_.]*/y;
const SELECTOR_OPS = ['=~', '!~', '!=', '='] as const;
const LINE_OPS = ['|=', '!=', '|~', '!~'] as const;
/** `and` / `or` joining filters (a word such as `order` is no join). */
const JOIN = /(and|or)(?=[\s(]|$)/y;
/** Loki's OTLP label for the service. */
const LABEL_ALIASES: Record<string, string> = { service_name: 'service', detected_level: 'level' };

function fail(message: string, position: number, query: string): ParseError {
  return new ParseError(`${message} at position ${position}`, { position, query });
}

function skipSpace(s: string, i: number): number {
  while (i < s.length && /\s/.test(s[i])) i++;
  return i;
}

/** Go's one-character escapes in a "double-quoted" string (strconv.Unquote). */
const GO_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
};

// ignoreBOM: EF BB BF is U+FEFF, as Go reads it; by default TextDecoder drops it at the start of each run of escapes
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A "double-quoted" or `raw` string starting at i. LogQL's strings are Go's, read as Loki reads them
 * (Prometheus' util/strutil.Unquote, strconv.Unquote's copy): `\n`, `\t`, `\u00e9`… and any other
 * escape is a parse error, so `|~ "\d{3}"` is refused as Loki refuses it (write `"\\d{3}"` or
 * `` `\d{3}` ``) instead of silently matching `d{3}`. `\xNN` and octal `\NNN` are bytes, so
 * `"caf\xc3\xa9"` is "café"; bytes that are no UTF-8 are a 400 at their first escape: Loki's regexes
 * refuse them ("invalid UTF-8"), its `|=` compares them with the line's bytes, which a store of text
 * cannot. A surrogate `\ud800` is U+FFFD, as strutil encodes it (strconv refuses it).
 */
function readString(s: string, i: number): { value: string; end: number } {
  const quote = s[i];
  if (quote !== '"' && quote !== '`') throw fail('expected a quoted string', i, s);
  let out = '';
  let bytes: number[] = [];
  let bytesAt = 0;
  const flushBytes = () => {
    if (bytes.length === 0) return;
    try {
      out += UTF8.decode(Uint8Array.from(bytes));
    } catch {
      const hex = bytes.map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');
      throw fail(
        `invalid UTF-8: ${hex} is not whole characters (Loki refuses it in a regex and compares bytes in |=; write the character's bytes in full, "\\xc3\\xa9" for é)`,
        bytesAt,
        s,
      );
    }
    bytes = [];
  };
  let j = i + 1;
  while (j < s.length) {
    const at = j;
    const c = s[j++];
    const e = c === '\\' && quote === '"' ? (s[j] ?? '') : '';
    const octal = e >= '0' && e <= '7';
    if (e === 'x' || octal) {
      const digits = octal ? s.slice(j, j + 3) : s.slice(j + 1, j + 3);
      const b = Number.parseInt(digits, octal ? 8 : 16);
      if (!(octal ? /^[0-7]{3}$/ : /^[0-9a-fA-F]{2}$/).test(digits) || b > 255)
        throw fail(`invalid char escape '\\${e}' (write '\\\\${e}' or use a \`raw\` string)`, j - 1, s);
      if (bytes.length === 0) bytesAt = at;
      bytes.push(b);
      j += 3;
      continue;
    }
    flushBytes();
    if (c === quote) return { value: out, end: j };
    if (c !== '\\' || quote === '`') {
      out += c;
      continue;
    }
    if (Object.hasOwn(GO_ESCAPES, e)) {
      out += GO_ESCAPES[e];
      j++;
      continue;
    }
    const n = e === 'u' ? 4 : e === 'U' ? 8 : 0;
    const digits = s.slice(j + 1, j + 1 + n);
    const cp = Number.parseInt(digits, 16);
    if (n === 0 || !/^[0-9a-fA-F]+$/.test(digits) || digits.length !== n || cp > 0x10ffff)
      throw fail(`invalid char escape '\\${e}' (write '\\\\${e}' or use a \`raw\` string)`, j - 1, s);
    out += cp >= 0xd800 && cp < 0xe000 ? '\ufffd' : String.fromCodePoint(cp);
    j += n + 1;
  }
  throw fail('unterminated quoted string starting', i, s);
}

/**
 * `shift`: characters put before the user's pattern in `re` (the anchoring of label matchers). A
 * leading `(?i)` (RE2's case-insensitive flag, common in Grafana queries; no JavaScript syntax) is
 * checked off the pattern, which then runs as regex-linear.ts rewrites it.
 */
function checkRegex(re: string, at: number, s: string, shift = 0): void {
  const flag = re.startsWith(CASE_FLAG) ? CASE_FLAG.length : 0;
  const pattern = re.slice(flag);
  try {
    new RegExp(pattern);
  } catch (e) {
    throw fail(`invalid regular expression: ${(e as Error).message}`, at, s);
  }
  const unsafe = unsafeRegex(pattern);
  const nonLinear = unsafe ? undefined : nonLinearRegex(re);
  if (nonLinear) throw fail(`regular expression refused: ${nonLinear}`, at, s);
  if (unsafe)
    throw fail(
      `regular expression refused: ${unsafe.message}`,
      at + 1 + Math.max(0, unsafe.offset + flag - shift),
      s,
    );
}

const CASE_FLAG = '(?i)';

/** A LogQL (RE2) pattern as the JavaScript the engine runs (regex-go.ts); a 400 at its value if refused. */
function re2(pattern: string, at: number, s: string): string {
  const js = re2ToJs(pattern);
  if ('problem' in js) throw fail(`regular expression refused: ${js.problem}`, at, s);
  return js.source;
}

/** A label matcher's pattern anchored as in Prometheus, its `(?i)` kept in front. */
function anchored(value: string): string {
  const flag = value.startsWith(CASE_FLAG) ? CASE_FLAG : '';
  return `${flag}^(?:${value.slice(flag.length)})$`;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * LogQL's `level` label (selector or `| level=…` filter, `=` or `=~`): as in Loki it is the
 * shipper's stream label when the stream has one (pino-loki labels pino's trace lines
 * level="debug", winston-loki sends npm's `silly`/`http`, a pipeline may set it from a default),
 * compared as text; a record whose stream has no `level` label compares its normalized level
 * (NDJSON, OTLP, a level read from the line). So a word that is no level is no 400 here.
 * `detected_level` and the native language's `level:`/`level>=` read the normalized level.
 */
function levelLabelNode(op: 'eq' | 'regex', value: string, pos: number): QueryNode {
  const label: QueryNode =
    op === 'eq'
      ? { kind: 'field', field: 'labels.level', op, value, pos }
      : { kind: 'field', field: 'labels.level', op, value: anchored(value), pos };
  const hasLabel: QueryNode = { kind: 'field', field: 'labels.level', op: 'exists', value: '', pos };
  const normalized: QueryNode | undefined =
    op === 'regex'
      ? { kind: 'field', field: 'level', op, value: anchored(value), pos, flat: true }
      : normalizeLevel(value) !== undefined
        ? { kind: 'field', field: 'level', op, value, pos, flat: true }
        : undefined;
  if (!normalized) return label;
  const unlabelled: QueryNode = {
    kind: 'and',
    children: [{ kind: 'not', child: hasLabel, pos }, normalized],
    pos,
  };
  return { kind: 'or', children: [label, unlabelled], pos };
}

/** `{…}` at i. */
export function parseSelector(s: string, i: number): Parsed {
  const pos = i;
  const children: QueryNode[] = [];
  i = skipSpace(s, i + 1);
  while (s[i] !== '}') {
    if (i >= s.length) throw fail("missing '}'", i, s);
    LABEL.lastIndex = i;
    const m = LABEL.exec(s);
    if (!m) throw fail('expected a label name', i, s);
    const field = LABEL_ALIASES[m[0]] ?? m[0];
    i = skipSpace(s, i + m[0].length);
    const op = SELECTOR_OPS.find((o) => s.startsWith(o, i));
    if (!op) throw fail(`expected =, !=, =~ or !~ after '${m[0]}'`, i, s);
    i = skipSpace(s, i + op.length);
    const valuePos = i;
    const read = readString(s, i);
    const end = read.end;
    const value = op === '=~' || op === '!~' ? re2(read.value, valuePos, s) : read.value;
    if (op === '=~' || op === '!~') checkRegex(anchored(value), valuePos, s, 4);
    const node: QueryNode =
      m[0] === 'level'
        ? levelLabelNode(op === '=' || op === '!=' ? 'eq' : 'regex', value, valuePos)
        : op === '=' || op === '!='
          ? { kind: 'field', field, op: 'eq', value, pos: valuePos, flat: true }
          : { kind: 'field', field, op: 'regex', value: anchored(value), pos: valuePos, flat: true };
    children.push(op.startsWith('!') ? { kind: 'not', child: node, pos: valuePos } : node);
    i = skipSpace(s, end);
    if (s[i] === ',') i = skipSpace(s, i + 1);
    else if (s[i] !== '}') throw fail("expected ',' or '}'", i, s);
  }
  const node: QueryNode =
    children.length === 0
      ? { kind: 'all', pos }
      : children.length === 1
        ? children[0]
        : { kind: 'and', children, pos };
  return { node, end: i + 1 };
}

/** A line filter at i, or null when the text there is not one. */
export function parseLineFilter(s: string, i: number): Parsed | null {
  const op = LINE_OPS.find((o) => s.startsWith(o, i));
  if (!op) return null;
  const valuePos = skipSpace(s, i + 2);
  if (s.startsWith('ip(', valuePos))
    throw fail('LogQL ip() is not supported (match the address as text: |= "10.0.0.1")', valuePos, s);
  if (s[valuePos] !== '"' && s[valuePos] !== '`') return null;
  // Loki 3's `|= "a" or "b"`: either value; `!= "a" or "b"`: neither.
  const alternatives: QueryNode[] = [];
  let at = valuePos;
  for (;;) {
    const { value, end } = readString(s, at);
    const regex = op.endsWith('~') ? re2(value, at, s) : escapeRegex(value);
    if (op.endsWith('~')) checkRegex(regex, at, s);
    alternatives.push({ kind: 'field', field: 'message', op: 'regex', value: regex, pos: at });
    const next = skipSpace(s, end);
    JOIN.lastIndex = next;
    if (JOIN.exec(s)?.[1] !== 'or') {
      const node: QueryNode =
        alternatives.length === 1 ? alternatives[0] : { kind: 'or', children: alternatives, pos: i };
      return { node: op.startsWith('!') ? { kind: 'not', child: node, pos: i } : node, end };
    }
    at = skipSpace(s, next + 2);
    if (s[at] !== '"' && s[at] !== '`') throw fail("expected a quoted string after 'or'", at, s);
  }
}

/** LogQL's range aggregations and the vector aggregations around them (grafana/loki docs/sources/query/metric_queries.md). */
const METRIC_FUNCTIONS = new Set([
  'rate',
  'rate_counter',
  'count_over_time',
  'bytes_rate',
  'bytes_over_time',
  'sum_over_time',
  'avg_over_time',
  'max_over_time',
  'min_over_time',
  'first_over_time',
  'last_over_time',
  'stdvar_over_time',
  'stddev_over_time',
  'quantile_over_time',
  'absent_over_time',
  'sum',
  'avg',
  'min',
  'max',
  'count',
  'stddev',
  'stdvar',
  'topk',
  'bottomk',
  'sort',
  'sort_desc',
  'label_replace',
  'vector',
]);
const METRIC_CALL = /^\s*([a-z_]+)\s*(?:(?:by|without)\s*\([^)]*\)\s*)?\(/;

/**
 * A metric query pasted from a Grafana panel (`rate({app="a"}[5m])`, `sum by (level)
 * (count_over_time({…} |= "x" [5m]))`) is a 400 at its function: read as free text it was a 200
 * matching nothing. Only a known function whose parentheses hold a stream selector counts (every
 * metric query has one there, Loki's grammar has no other place for it), so free text such as
 * `max(retries) exceeded {attempt}` or `sort(items) failed {id="7"}` is searched, as before 486b63d.
 */
export function refuseMetricQuery(s: string): void {
  const m = METRIC_CALL.exec(s);
  if (!m || !METRIC_FUNCTIONS.has(m[1])) return;
  const close = closingParen(s, m[0].length - 1);
  for (
    let brace = s.indexOf('{', m[0].length);
    brace >= 0 && brace < close;
    brace = s.indexOf('{', brace + 1)
  ) {
    if (!isSelector(s, brace)) continue;
    throw fail(
      `LogQL metric queries such as '${m[1]}(…)' are not supported (search the log query inside; the histogram counts lines by level)`,
      s.indexOf(m[1]),
      s,
    );
  }
}

/** Index of the `)` closing the `(` at open (quoted strings skipped), or s.length when none does. */
function closingParen(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (c === '"' || c === '`') {
      for (i++; i < s.length && s[i] !== c; i++) if (s[i] === '\\' && c === '"') i++;
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return s.length;
}

function isSelector(s: string, at: number): boolean {
  try {
    return parseSelector(s, at).node.kind !== 'all';
  } catch {
    return false;
  }
}

/** Parser stages with nothing to do here: the record's JSON attributes are already fields. */
const NO_OP_STAGES = new Set(['json', 'logfmt', 'unpack']);
const UNSUPPORTED_STAGES = new Set([
  'line_format',
  'label_format',
  'pattern',
  'regexp',
  'drop',
  'keep',
  'decolorize',
  'unwrap',
  'distinct',
]);
const FILTER_OPS = ['==', '=~', '!~', '!=', '>=', '<=', '=', '>', '<'] as const;
const NUMBER = /[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;

/**
 * A pipeline stage `| json`, `| logfmt`, `| unpack` or `| label op value …` at i (the '|'), or null
 * when the text there is not one (`|x` stays a word unless x names a stage or a filter follows it).
 */
export function parsePipelineStage(s: string, i: number): Parsed | null {
  if (s[i] !== '|') return null;
  const at = skipSpace(s, i + 1);
  if (s[at] === '(') return afterLogfmt(s, i, parseLabelFilters(s, at, i));
  LABEL.lastIndex = at;
  const m = LABEL.exec(s);
  if (!m) return null;
  const name = m[0];
  const after = skipSpace(s, at + name.length);
  if (NO_OP_STAGES.has(name)) {
    // `| json first="a.b"` extracts under new names: not expressible here.
    LABEL.lastIndex = after;
    const param = after > at + name.length ? LABEL.exec(s) : null;
    if (param && s[skipSpace(s, after + param[0].length)] === '=')
      throw fail(`LogQL '| ${name}' with parameters is not supported (plain '| ${name}' is)`, after, s);
    if (name === 'logfmt')
      for (const flag of ['--strict', '--keep-empty'])
        if (s.startsWith(flag, after)) return { node: { kind: 'all', pos: i }, end: after + flag.length };
    return { node: { kind: 'all', pos: i }, end: at + name.length };
  }
  if (name === 'drop') {
    const dropped = parseErrorLabelDrop(s, after);
    if (dropped !== null) return { node: { kind: 'all', pos: i }, end: dropped };
  }
  if (UNSUPPORTED_STAGES.has(name))
    throw fail(
      `LogQL stage '${name}' is not supported (supported: line filters, | json, | logfmt, | unpack, label filters)`,
      at,
      s,
    );
  if (!FILTER_OPS.some((o) => s.startsWith(o, after))) {
    if (at === i + 1) return null;
    throw fail(
      `LogQL stage '${name}' is not supported (expected a label filter like ${name}="value")`,
      at,
      s,
    );
  }
  return afterLogfmt(s, i, parseLabelFilters(s, at, i));
}

const LOGFMT_STAGE = /\|\s*logfmt\b/;

/** Label filters after a `| logfmt` stage read the line's logfmt keys too (logfmt.ts). */
function afterLogfmt(s: string, at: number, parsed: Parsed): Parsed {
  if (!LOGFMT_STAGE.test(s.slice(0, at))) return parsed;
  // a stream label stays one (Loki names the line's key level_extracted then, levelLabelNode)
  const mark = (node: QueryNode): void => {
    if (node.kind === 'field' && !node.field.startsWith('labels.')) node.logfmt = true;
    else if (node.kind === 'not') mark(node.child);
    else if (node.kind === 'and' || node.kind === 'or') node.children.forEach(mark);
  };
  mark(parsed.node);
  return parsed;
}

const MAX_GROUP_DEPTH = 32;

/**
 * `a="x" and (b=~"y" or c>5), d!="z"` at i: and (also `,`) binds tighter than or, parentheses group.
 * A trailing `and`/`or` is a 400 at the end (it was read as a search word: a 200 matching nothing).
 */
function parseLabelFilters(s: string, i: number, pos: number, depth = 0): Parsed {
  const alternatives: QueryNode[] = [];
  let all: QueryNode[] = [];
  for (;;) {
    const filter = parseLabelGroup(s, i, pos, depth);
    all.push(filter.node);
    const next = skipSpace(s, filter.end);
    JOIN.lastIndex = next;
    const join = s[next] === ',' ? ',' : JOIN.exec(s)?.[1];
    if (join === undefined) {
      alternatives.push(all.length === 1 ? all[0] : { kind: 'and', children: all, pos });
      const node: QueryNode =
        alternatives.length === 1 ? alternatives[0] : { kind: 'or', children: alternatives, pos };
      return { node, end: filter.end };
    }
    if (join === 'or') {
      alternatives.push(all.length === 1 ? all[0] : { kind: 'and', children: all, pos });
      all = [];
    }
    i = skipSpace(s, next + join.length);
  }
}

/** `( filters )` or one label filter at i. */
function parseLabelGroup(s: string, i: number, pos: number, depth: number): Parsed {
  if (s[i] !== '(') return parseLabelFilter(s, i);
  if (depth >= MAX_GROUP_DEPTH)
    throw fail(`label filters nested deeper than ${MAX_GROUP_DEPTH} levels`, i, s);
  const inner = parseLabelFilters(s, skipSpace(s, i + 1), pos, depth + 1);
  const close = skipSpace(s, inner.end);
  if (s[close] !== ')') throw fail("missing ')'", close, s);
  return { node: inner.node, end: close + 1 };
}

/**
 * Loki's parser-error labels. Records are stored with their JSON already unpacked, so a `| json` or
 * `| logfmt` here never fails and these labels are always empty: Grafana's `| __error__=""` keeps
 * every line (it matched none when read as an absent attribute).
 */
const ERROR_LABELS = new Set(['__error__', '__error_details__']);
const NONE: QueryNode = { kind: 'not', child: { kind: 'all', pos: 0 }, pos: 0 };

/** `| drop __error__, __error_details__` (the other Grafana idiom) is a no-op; the end, or null. */
function parseErrorLabelDrop(s: string, i: number): number | null {
  for (;;) {
    LABEL.lastIndex = i;
    const m = LABEL.exec(s);
    if (!m || !ERROR_LABELS.has(m[0])) return null;
    const next = skipSpace(s, i + m[0].length);
    if (s[next] !== ',') return i + m[0].length;
    i = skipSpace(s, next + 1);
  }
}

function parseLabelFilter(s: string, i: number): Parsed {
  LABEL.lastIndex = i;
  const m = LABEL.exec(s);
  if (!m) throw fail('expected a label name', i, s);
  const field = LABEL_ALIASES[m[0]] ?? m[0];
  const opAt = skipSpace(s, i + m[0].length);
  const op = FILTER_OPS.find((o) => s.startsWith(o, opAt));
  if (!op) throw fail(`expected =, !=, =~, !~, >, >=, < or <= after '${m[0]}'`, opAt, s);
  if (ERROR_LABELS.has(field)) return parseErrorLabelFilter(s, field, op, opAt);
  const valuePos = skipSpace(s, opAt + op.length);
  let value: string;
  let end: number;
  if (s[valuePos] === '"' || s[valuePos] === '`') {
    ({ value, end } = readString(s, valuePos));
  } else {
    NUMBER.lastIndex = valuePos;
    const n = NUMBER.exec(s);
    end = n ? valuePos + n[0].length : valuePos;
    if (!n || /[A-Za-z_]/.test(s[end] ?? ''))
      throw fail(
        'expected a quoted string or a number (duration and bytes values are not supported)',
        valuePos,
        s,
      );
    value = n[0];
  }
  if (op === '=~' || op === '!~') {
    value = re2(value, valuePos, s);
    checkRegex(anchored(value), valuePos, s, 4);
    const node: QueryNode =
      m[0] === 'level'
        ? levelLabelNode('regex', value, valuePos)
        : { kind: 'field', field, op: 'regex', value: anchored(value), pos: valuePos, flat: true };
    return { node: op === '!~' ? { kind: 'not', child: node, pos: valuePos } : node, end };
  }
  if (op === '=' || op === '==' || op === '!=') {
    const node: QueryNode =
      m[0] === 'level'
        ? levelLabelNode('eq', value, valuePos)
        : { kind: 'field', field, op: 'eq', value, pos: valuePos, flat: true };
    return { node: op === '!=' ? { kind: 'not', child: node, pos: valuePos } : node, end };
  }
  // ordered comparisons (an extension: Loki compares numbers) rank the normalized level
  if (field === 'level' && normalizeLevel(value) === undefined)
    throw fail(`unknown level '${value}' (use ${LEVELS.join(', ')})`, valuePos, s);
  const cmp = op === '>' ? 'gt' : op === '>=' ? 'gte' : op === '<' ? 'lt' : 'lte';
  return { node: { kind: 'field', field, op: cmp, value, pos: valuePos, flat: true }, end };
}

/** `__error__ op value`, decided here against the always-empty value. */
function parseErrorLabelFilter(s: string, field: string, op: string, opAt: number): Parsed {
  const valuePos = skipSpace(s, opAt + op.length);
  if (op !== '=' && op !== '==' && op !== '!=' && op !== '=~' && op !== '!~')
    throw fail(`'${field}' is always empty here: compare it with =, !=, =~ or !~`, opAt, s);
  const read = readString(s, valuePos);
  const end = read.end;
  const value = op === '=~' || op === '!~' ? re2(read.value, valuePos, s) : read.value;
  let matches: boolean;
  if (op === '=~' || op === '!~') {
    checkRegex(anchored(value), valuePos, s, 4);
    matches = regexMatchesEmpty(value) === (op === '=~');
  } else matches = (value === '') === (op !== '!=');
  return { node: matches ? { kind: 'all', pos: valuePos } : { ...NONE, pos: valuePos }, end };
}

function regexMatchesEmpty(value: string): boolean {
  const flag = value.startsWith(CASE_FLAG) ? CASE_FLAG.length : 0;
  return new RegExp(`^(?:${value.slice(flag)})$`).test('');
}

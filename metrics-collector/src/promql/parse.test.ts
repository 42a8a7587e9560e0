import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Expr } from './ast.js';
import { PromQLParseError } from './errors.js';
import { formatDurationMs, parseDurationMs, parseNumber, unquoteString } from './literals.js';
import { parseExpr } from './parse.js';

/** The whole message, position included. */
function failsWith(query: string, message: string) {
  assert.throws(
    () => parseExpr(query),
    (e) => e instanceof PromQLParseError && e.message === message,
  );
}

function fails(query: string, message: RegExp | string, column?: number) {
  assert.throws(
    () => parseExpr(query),
    (e) => {
      assert.ok(e instanceof PromQLParseError, String(e));
      if (typeof message === 'string') assert.equal(e.detail, message);
      else assert.match(e.message, message);
      if (column !== undefined) assert.equal(e.column, column, e.message);
      return true;
    },
  );
}

describe('parseExpr()', () => {
  it('builds selectors with the metric name as the first matcher', () => {
    const e = parseExpr('http_requests_total{job="api", code=~"5..", path!="/x", m!~"GET|HEAD"}');
    assert.equal(e.type, 'VectorSelector');
    assert.deepEqual(e.type === 'VectorSelector' && e.matchers, [
      { name: '__name__', type: '=', value: 'http_requests_total' },
      { name: 'job', type: '=', value: 'api' },
      { name: 'code', type: '=~', value: '5..' },
      { name: 'path', type: '!=', value: '/x' },
      { name: 'm', type: '!~', value: 'GET|HEAD' },
    ]);
  });

  it('reads ranges, offsets, @ and subqueries in milliseconds', () => {
    const e = parseExpr('rate(x[1h30m] offset -5m @ 100.5)');
    assert.ok(e.type === 'Call');
    const m = e.args[0];
    assert.ok(m.type === 'MatrixSelector');
    assert.equal(m.rangeMs, 5_400_000);
    assert.equal(m.selector.offsetMs, -300_000);
    assert.deepEqual(m.selector.at, { kind: 'time', ms: 100_500 });
    const sq = parseExpr('max_over_time(x[10m:30s] @ end())');
    assert.ok(sq.type === 'Call' && sq.args[0].type === 'SubqueryExpr');
    assert.equal(sq.args[0].rangeMs, 600_000);
    assert.equal(sq.args[0].stepMs, 30_000);
    assert.deepEqual(sq.args[0].at, { kind: 'end' });
  });

  it('binds offset and ranges to the nearest operand, as Prometheus does', () => {
    const e = parseExpr('a - b offset 1m') as Extract<Expr, { type: 'BinaryExpr' }>;
    assert.equal(e.type, 'BinaryExpr');
    assert.ok(e.lhs.type === 'VectorSelector' && e.lhs.offsetMs === 0);
    assert.ok(e.rhs.type === 'VectorSelector' && e.rhs.offsetMs === 60_000);
    fails('a - b[5m]', 'binary expression must contain only scalar and instant vector types');
  });

  it('binds an operator after a modified operand before a looser one on its left, as 2.42', () => {
    // lezer attaches `offset`/`@` to the whole `a - b` before it, so the `/ c` took all of it
    const grouping = (e: Expr): string => {
      if (e.type === 'BinaryExpr') return `(${grouping(e.lhs)} ${e.op} ${grouping(e.rhs)})`;
      if (e.type === 'UnaryExpr') return `${e.op}${grouping(e.expr)}`;
      if (e.type === 'VectorSelector')
        return `${e.name}${e.offsetMs ? `~${e.offsetMs}` : ''}${e.at ? '@' : ''}`;
      return e.type === 'NumberLiteral' ? String(e.value) : e.type;
    };
    const check = (q: string, want: string) => assert.equal(grouping(parseExpr(q)), want, q);
    check('a - b offset 1m / c', '(a - (b~60000 / c))');
    check('a - b offset -1m * c / d', '(a - ((b~-60000 * c) / d))');
    check('a or b * c offset 1m ^ 2 > 1', '(a or ((b * (c~60000 ^ 2)) > 1))');
    check('a ^ b @ 100 ^ c', '(a ^ (b@ ^ c))');
    check('a - b offset 1m @ 100 / c', '(a - (b~60000@ / c))');
    check('a - b offset 1m + c', '((a - b~60000) + c)');
    check('a * b offset 1m - c', '((a * b~60000) - c)');
    check('a - (b offset 1m) / c', '(a - (ParenExpr / c))');
    check('a - -b offset 1m * c', '(a - (-b~60000 * c))');
    check('a / b offset 1m == bool c', '((a / b~60000) == c)');
    check('-b offset 1m ^ 2', '-(b~60000 ^ 2)');
    check('a - -b @ 100 ^ c * d', '(a - (-(b@ ^ c) * d))');
  });

  it('reads aggregation modifiers and vector matching', () => {
    const e = parseExpr('sum without (a, b) (x) / on(job) group_left(team) y');
    assert.ok(e.type === 'BinaryExpr');
    assert.deepEqual(e.matching, { card: 'many-to-one', on: true, labels: ['job'], include: ['team'] });
    assert.ok(e.lhs.type === 'AggregateExpr' && e.lhs.without);
    assert.deepEqual(e.lhs.type === 'AggregateExpr' && e.lhs.grouping, ['a', 'b']);
    const set = parseExpr('x and ignoring(a) y');
    assert.ok(set.type === 'BinaryExpr');
    assert.deepEqual(set.matching, { card: 'many-to-many', on: false, labels: ['a'], include: [] });
  });

  it('folds signed number literals and accepts hex, octal, Inf and NaN', () => {
    const v = (q: string) => {
      const e = parseExpr(q);
      return e.type === 'NumberLiteral' ? e.value : undefined;
    };
    assert.equal(v('-1.5e3'), -1500);
    assert.equal(v('0x1F'), 31);
    assert.equal(v('010'), 8);
    assert.equal(v('+Inf'), Number.POSITIVE_INFINITY);
    assert.ok(Number.isNaN(v('NaN')));
  });

  it('reports syntax errors with line and column', () => {
    fails('sum(rate(x[5m])', /^1:\d+: parse error: unexpected end of input|^1:\d+: parse error/);
    fails('foo bar', 'unexpected identifier "bar"', 5);
    fails('  # only a comment', 'no expression found in input', 1);
    fails('x{a="b"}\n  + ', /^2:\d+: parse error/);
  });

  // Texts and positions as Prometheus 2.42 answers them (test/api-syntax-oracle.test.ts asks it).
  it("words syntax errors as 2.42 does: the lexer's, then the grammar rule's context", () => {
    failsWith('up)', "1:4: parse error: unexpected right parenthesis ')'");
    failsWith('rate(up[5x])', '1:9: parse error: bad duration syntax: "5"');
    failsWith('up[1h5]', '1:4: parse error: bad duration syntax: "1h5"');
    failsWith('up[5m:1m:1m]', "1:9: parse error: unexpected colon ':'");
    failsWith('up }', "1:4: parse error: unexpected character: '}'");
    failsWith(
      'up{job}',
      '1:7: parse error: unexpected "}" in label matching, expected label matching operator',
    );
    failsWith(
      'up{=~"a"}',
      '1:4: parse error: unexpected <op:=~> in label matching, expected identifier or "}"',
    );
    failsWith('sum(up) by', '1:11: parse error: unexpected end of input in grouping opts, expected "("');
    failsWith(
      'sum(up) without job',
      '1:17: parse error: unexpected identifier "job" in grouping opts, expected "("',
    );
    failsWith('sum by (job)', '1:13: parse error: unexpected end of input in aggregation');
    failsWith('topk(5 up)', '1:8: parse error: unexpected identifier "up" in aggregation');
    failsWith('up offset', '1:10: parse error: unexpected end of input in offset, expected duration');
    failsWith('up @', '1:5: parse error: unexpected end of input in @, expected timestamp');
    failsWith('1 +* 2', '1:4: parse error: unexpected <op:*>');
    failsWith('up[5.5m]', '1:4: parse error: not a valid duration string: "5.5m"');
    failsWith(
      '1e',
      '1:1: parse error: error parsing number: strconv.ParseFloat: parsing "1e": invalid syntax',
    );
    failsWith(
      'sum by ("a") (up)',
      '1:9: parse error: unexpected string "\\"a\\"" in grouping opts, expected label',
    );
    failsWith('sum()', '1:1: parse error: no arguments for aggregate expression provided');
  });

  it('applies the type checks of Prometheus with its messages', () => {
    fails('rate(x)', 'expected type range vector in call to function "rate", got instant vector', 6);
    fails('abs(x[5m])', 'expected type instant vector in call to function "abs", got range vector');
    fails('rate(x[5m], 1)', 'expected 1 argument(s) in call to "rate", got 2');
    fails('nope(x)', 'unknown function with name "nope"');
    fails('1 > 2', 'comparisons between scalars must use BOOL modifier');
    fails('x + bool y', 'bool modifier can only be used on comparison operators');
    fails('1 and x', 'set operator "and" not allowed in binary scalar expression');
    fails('1 + on(a) x', 'vector matching only allowed between instant vectors');
    fails('x and on(a) group_left y', 'no grouping allowed for "and" operation');
    fails('sum(x[5m])', 'expected type instant vector in aggregation expression, got range vector');
    fails('topk("a", x)', 'expected type scalar in aggregation parameter, got string');
    fails('{a=""}', 'vector selector must contain at least one non-empty matcher');
    fails('x{__name__="y"}', /metric name must not be set twice/);
    fails('sum(x) offset 5m', /offset modifier must be preceded by an instant vector selector/);
    fails('x offset 1m offset 2m', 'offset may not be set multiple times');
    fails('(x)[5m]', 'ranges only allowed for vector selectors');
    fails('x[5m][10m:]', 'subquery is only allowed on instant vector, got matrix instead');
    fails('x{a=~"("}', /error parsing regexp/);
    fails('"\\q"', /unknown escape sequence U\+0071 'q'/);
  });

  it('refuses what Prometheus 2.42 refuses and JavaScript would take (checked against its binary)', () => {
    fails('x @ 1e20', 'timestamp out of bounds for @ modifier: 100000000000000000000.000000');
    fails('x @ -1e20', 'timestamp out of bounds for @ modifier: -100000000000000000000.000000');
    fails('x offset 300000y', 'duration out of range', 10);
    fails('x[300000y]', 'duration out of range');
    fails('x[0s]', 'duration must be greater than 0');
    fails('x[5m:0s]', 'duration must be greater than 0');
    fails('x[0s:1m]', 'duration must be greater than 0');
    // Before the syntax error that follows it: 2.42 checks a duration as it arrives.
    fails('avg_over_time(cpu[0m:1m) offset 1h', 'duration must be greater than 0', 19);
    fails('cpu[0ms:1m)', 'duration must be greater than 0', 5);
    fails('1e400', 'error parsing number: strconv.ParseFloat: parsing "1e400": value out of range');
    fails('x{a=~"a{1000000}"}', 'error parsing regexp: invalid repeat count: `{1000000}`');
    fails('x{a=~"a{2,1001}"}', 'error parsing regexp: invalid repeat count: `{2,1001}`');
    fails('x{a=~"(?<n>a)"}', 'error parsing regexp: invalid or unsupported Perl syntax: `(?<`');
    fails('x{a=~"(?=a)"}', 'error parsing regexp: invalid or unsupported Perl syntax: `(?=`');
    fails('x{a=~"(?<!a)b"}', 'error parsing regexp: invalid or unsupported Perl syntax: `(?<!`');
    fails('x{a=~"(a)\\\\1"}', 'error parsing regexp: invalid escape sequence: `\\1`');
    fails('x{a="\\uD800"}', 'escape sequence is an invalid Unicode code point');
    fails('x{a="\\400"}', 'escape sequence is an invalid Unicode code point');
    // Still accepted: RE2 forms, a repeat of 1000, an escaped backslash before a digit, octal.
    for (const q of [
      'x{a=~"a{1000}"}',
      'x{a=~"(?P<n>a)"}',
      'x{a=~"[[:digit:]]{2}"}',
      'x{a=~"\\\\\\\\1"}',
      'x{a=~"[(?=]"}',
      'x{a="\\377"}',
      'x @ 1e18',
      'x[5m:1ms]',
    ])
      parseExpr(q);
  });

  it('places errors after holt_winters where 2.42 does (the rename for the grammar is not seen)', () => {
    // read from the Debian binary: 1:14, 1:30 and 1:1
    failsWith('holt_winters(', '1:14: parse error: unclosed left parenthesis');
    failsWith('holt_winters(up[10m] 0.5, 0.3)', '1:22: parse error: unexpected number "0.5"');
    failsWith('holt_winters(x[1m],1,1) + holt_winters(', '1:40: parse error: unclosed left parenthesis');
    failsWith('"holt_winters(" + holt_winters(', '1:32: parse error: unclosed left parenthesis');
  });

  it('accepts the 2.42 function set including holt_winters', () => {
    for (const q of [
      'holt_winters(x[5m], 0.5, 0.5)',
      'label_join(x, "a", ",", "b", "c", "d")',
      'round(x)',
      'hour()',
      'time()',
    ]) {
      parseExpr(q);
    }
  });
});

describe('literals', () => {
  it('parses and prints Prometheus durations', () => {
    assert.equal(parseDurationMs('1h30m'), 5_400_000);
    assert.equal(parseDurationMs('1y2w3d'), (365 + 14 + 3) * 86_400_000);
    assert.equal(parseDurationMs('250ms'), 250);
    assert.equal(parseDurationMs('5m1h'), undefined);
    assert.equal(formatDurationMs(90_000), '1m30s');
  });

  it('reads numbers as 2.42 parseNumber: ParseInt base 0, then ParseFloat', () => {
    const cases: Array<[string, number | undefined]> = [
      ['1.', 1],
      ['1.e3', 1000],
      ['0X1f', 31],
      ['017', 15],
      ['08', 8],
      ['.5', 0.5],
      ['inf', Number.POSITIVE_INFINITY],
      ['NaN', Number.NaN],
      ['0x1.8', undefined],
      ['0o17', undefined],
      ['5m', undefined],
      ['0x8000000000000000', undefined],
      ['01000000000000000000000', 1e21],
    ];
    for (const [text, want] of cases) assert.deepEqual(parseNumber(text), want, text);
  });

  it('unquotes Go strings', () => {
    assert.equal(unquoteString('"a\\"b\\n\\u00e9\\x41"'), 'a"b\néA');
    assert.equal(unquoteString("'it\\'s'"), "it's");
    assert.equal(unquoteString('`raw\\n`'), 'raw\\n');
    assert.throws(() => unquoteString('"\\z"'), /unknown escape sequence U\+007A 'z'/);
  });
});

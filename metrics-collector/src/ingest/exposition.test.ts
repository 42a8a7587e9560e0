import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExpositionError, type ExpositionSample, parseExposition } from './exposition.js';

function one(line: string, openMetrics = false): ExpositionSample {
  const { samples } = parseExposition(`${line}\n`, { openMetrics });
  assert.equal(samples.length, 1);
  return samples[0];
}

test('parseExposition() reads values, labels and timestamps', () => {
  const check = (line: string, expected: Partial<ExpositionSample>, om = false) =>
    assert.deepEqual({ ...one(line, om) }, { labels: [], ...expected });
  check('a 1', { name: 'a', value: 1 });
  check('a{} -1.5e3', { name: 'a', value: -1500 });
  check('a{b="c",} 2 1700000000123', {
    name: 'a',
    labels: [['b', 'c']],
    value: 2,
    timestampMs: 1700000000123,
  });
  check('a{ b = "c" , d="e"}\t3', {
    name: 'a',
    labels: [
      ['b', 'c'],
      ['d', 'e'],
    ],
    value: 3,
  });
  check('a NaN', { name: 'a', value: Number.NaN });
  check('a +Inf', { name: 'a', value: Number.POSITIVE_INFINITY });
  check('a -Inf', { name: 'a', value: Number.NEGATIVE_INFINITY });
  check('a inf', { name: 'a', value: Number.POSITIVE_INFINITY });
  check('a 1 1700000000.5', { name: 'a', value: 1, timestampMs: 1700000000500 }, true);
  check('x:y_z 0', { name: 'x:y_z', value: 0 });
});

test('parseExposition() unescapes only \\\\, \\" and \\n in label values', () => {
  const s = one('a{route="C:\\\\temp\\\\\\"quoted\\"\\nline2",t="x\\ty"} 2');
  assert.deepEqual(s.labels, [
    ['route', 'C:\\temp\\"quoted"\nline2'],
    ['t', 'x\\ty'],
  ]);
});

test('parseExposition() keeps well-formed exemplars and drops broken ones without failing', () => {
  const s = one('a_bucket{le="0.5"} 1 # {trace_id="abc"} 0.42 1795635913.446', true);
  assert.deepEqual(s.exemplar, { labels: { trace_id: 'abc' }, value: 0.42, timestampMs: 1795635913446 });
  assert.equal(one('a_total 1 # {trace_id="abc" 0.42', true).exemplar, undefined);
  assert.equal(one('a_total 1 # garbage', true).value, 1);
});

test('parseExposition() reports the line of a syntax error', () => {
  const check = (text: string, line: number) =>
    assert.throws(
      () => parseExposition(text),
      (e: unknown) => e instanceof ExpositionError && e.line === line,
    );
  check('a 1\n\n# HELP x y\nb{c="d} 1\n', 4);
  check('a\n', 1);
  check('a 0x1p-2\n', 1);
  check('a 1_000\n', 1);
  check('a 1 2 3\n', 1);
  check('a{1="x"} 1\n', 1);
  check('a{b=x} 1\n', 1);
  check('{} 1\n', 1);
  check('ok 1\na 1 1.5\n', 2);
});

test('parseExposition() collects HELP/TYPE/UNIT metadata and stops at # EOF', () => {
  const text = [
    '# HELP http_requests Total \\\\ requests\\nhandled.',
    '# TYPE http_requests counter',
    '# UNIT http_requests requests',
    'http_requests_total 3',
    'http_requests_created 1.7e9',
    '# a plain comment',
    '# EOF',
    'ignored 1',
  ].join('\n');
  const exp = parseExposition(text, { openMetrics: true });
  assert.deepEqual(exp.families.get('http_requests'), {
    type: 'counter',
    help: 'Total \\ requests\nhandled.',
    unit: 'requests',
  });
  assert.deepEqual(
    exp.samples.map((s) => s.name),
    ['http_requests_total', 'http_requests_created'],
  );
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseQuery } from '../query/parse-query.js';
import { addFilter, pageUrl, quoteValue } from './filter-query.js';

describe('addFilter()', () => {
  const cases: [string, string, string, boolean, string][] = [
    ['', 'service', 'checkout', false, 'service:checkout'],
    ['timeout', 'user.id', '42', false, 'timeout user.id:=42'],
    ['timeout', 'host', 'web 1', true, 'timeout -host:="web 1"'],
    ['a OR b', 'level', 'error', false, '(a OR b) level:error'],
    ['', 'msg', 'say "hi" \\o/', false, 'msg:="say \\"hi\\" \\\\o/"'],
    ['', 'x', 'OR', false, 'x:="OR"'],
    ['', 'x', '-5', false, 'x:="-5"'],
    ['', 'x', '<script>alert(1)</script>', false, 'x:="<script>alert(1)</script>"'],
  ];
  for (const [query, field, value, exclude, expected] of cases) {
    it(`${exclude ? 'excludes' : 'filters'} ${field}=${value} on ${JSON.stringify(query)}`, () => {
      const out = addFilter(query, field, value, exclude);
      assert.equal(out, expected);
      parseQuery(out); // always a valid query
    });
  }

  it('quoteValue() round-trips through the parser', () => {
    for (const v of ['plain', 'two words', 'with"quote', 'back\\slash', '(paren)', 'a:b', '']) {
      const node = parseQuery(`f:=${quoteValue(v) || '""'}`);
      if (v !== '') assert.deepEqual(node.kind === 'field' && node.value, v);
    }
  });

  it('addFilter() quotes field names no bare name spells, and the parser reads them back', () => {
    for (const f of [
      'user.id',
      'ünï',
      'app.kubernetes.io/name',
      'two words',
      'x:y',
      '10',
      'q"uote',
      'trailing.',
      '(p)',
    ]) {
      const node = parseQuery(addFilter('', f, 'v'));
      assert.deepEqual(node.kind === 'field' && [node.field, node.op, node.value], [f, 'eq', 'v'], f);
    }
  });

  it('pageUrl() keeps the state in the query string', () => {
    assert.equal(pageUrl({ query: 'a b', from: '1h', to: '', live: true }), '/?query=a+b&from=1h&live=1');
    assert.equal(pageUrl({ query: '', from: '', to: '' }), '/');
  });
});

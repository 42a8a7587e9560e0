import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseExpr } from './parse.js';
import { goFloatV, goQuote, prettyExpr, printExpr } from './print.js';

// Expected texts are Prometheus 2.42's (test/api-print-oracle.test.ts asks the binary).
describe('printExpr / prettyExpr', () => {
  const check = (query: string, printed: string) => assert.equal(printExpr(parseExpr(query)), printed, query);
  it('prints expressions back in canonical form', () => {
    check(
      'sum(rate(x{b="c",a=~"d"}[90s] offset 1h)) by (job)',
      'sum by (job) (rate(x{a=~"d",b="c"}[1m30s] offset 1h))',
    );
    check('x * ignoring() group_left y', 'x * y');
    check('x / ignoring(a) group_right y', 'x / ignoring (a) group_right () y');
    check('- 1', '-1');
    check('up[5m:30s] offset 1m @ end()', 'up[5m:30s] @ end() offset 1m');
    check('up @ 100.5', 'up @ 100.500');
    check('{__name__="up"}', '{__name__="up"}');
    check("'a\\tb'", '"a\\tb"');
    check('up[15d]', 'up[15d]');
    check('up[14d]', 'up[2w]');
  });
  it('splits what is longer than 100 characters', () => {
    const q =
      'histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket{job="api-server",code=~"2.."}[5m])) by (le, job))';
    assert.equal(
      prettyExpr(parseExpr(q)),
      'histogram_quantile(\n  0.99,\n  sum by (le, job) (rate(http_request_duration_seconds_bucket{code=~"2..",job="api-server"}[5m]))\n)',
    );
  });
  it('writes numbers as Go %v and strings as strconv.Quote', () => {
    for (const [v, s] of [
      [1e6, '1e+06'],
      [100000, '100000'],
      [1234567, '1.234567e+06'],
      [1e-6, '1e-06'],
      [0.0001, '0.0001'],
      [-0, '-0'],
      [Number.POSITIVE_INFINITY, '+Inf'],
      [Number.NaN, 'NaN'],
    ] as const)
      assert.equal(goFloatV(v), s);
    assert.equal(goQuote('a"\\\u0001\u00a0é😀'), '"a\\"\\\\\\x01\\u00a0é😀"');
  });
});

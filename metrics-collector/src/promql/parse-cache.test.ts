import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PromQLParseError } from './errors.js';
import { ParsedQueries } from './parse-cache.js';
import { parseExpr } from './parse.js';

describe('ParsedQueries', () => {
  it('parses a text once and hands out the same AST, equal to parseExpr', () => {
    const c = new ParsedQueries();
    const a = c.get('sum(rate(x[5m])) by (job)');
    assert.equal(c.get('sum(rate(x[5m])) by (job)'), a);
    assert.deepEqual(a, parseExpr('sum(rate(x[5m])) by (job)'));
  });

  it('throws the parse error every time without keeping anything', () => {
    const c = new ParsedQueries();
    assert.throws(() => c.get('sum(x'), PromQLParseError);
    assert.throws(() => c.get('sum(x'), PromQLParseError);
    assert.equal(c.size, 0);
  });

  it('evicts the least recently used text and skips long ones', () => {
    const c = new ParsedQueries(2);
    const a = c.get('a');
    c.get('b');
    assert.equal(c.get('a'), a);
    c.get('c'); // evicts b, the least recently used
    assert.equal(c.size, 2);
    assert.equal(c.get('a'), a);
    const long = `x{l="${'v'.repeat(5000)}"}`;
    assert.notEqual(c.get(long), c.get(long));
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileAnchoredRegex, compileMatchers } from './matchers.js';

describe('compileAnchoredRegex()', () => {
  const check = (re: string, value: string, expected: boolean) =>
    assert.equal(compileAnchoredRegex(re).test(value), expected, `${re} ~ ${value}`);
  it('anchors at both ends like Prometheus', () => {
    check('foo', 'foo', true);
    check('foo', 'foobar', false);
    check('a|b', 'ab', false);
    check('.*', '', true);
  });
  it('understands the RE2 spellings dashboards use', () => {
    check('(?i)GET', 'get', true);
    check('(?P<x>a+)b', 'aab', true);
    check('[[:digit:]]+', '123', true);
    check('[[:alpha:]_]+', 'ab_c', true);
    check('[[:alpha:]]+', 'a1', false);
    check('\\Aab\\z', 'ab', true);
  });
});

describe('compileMatchers()', () => {
  it('treats a missing label as the empty string', () => {
    const test = compileMatchers([
      { name: 'job', type: '=', value: 'api' },
      { name: 'env', type: '!~', value: '.+' },
    ]);
    assert.equal(test({ job: 'api' }), true);
    assert.equal(test({ job: 'api', env: 'prod' }), false);
    assert.equal(compileMatchers([{ name: 'env', type: '=', value: '' }])({ job: 'x' }), true);
  });
});

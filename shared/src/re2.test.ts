import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { re2Problem, translateRe2 } from './re2.js';

describe('re2Problem()', () => {
  for (const [re, problem] of [
    ['a(?=b)', 'invalid or unsupported Perl syntax: `(?=`'],
    ['(?<n>x)', 'invalid or unsupported Perl syntax: `(?<`'],
    ['(a)\\1', 'invalid escape sequence: `\\1`'],
    ['\\e', 'invalid escape sequence: `\\e`'],
    ['a{1001}', 'invalid repeat count: `{1001}`'],
    ['\\Qab', 'missing closing ): `^(?:\\Qab)$`'],
  ] as const) {
    it(`refuses ${re} as Go does`, () => assert.equal(re2Problem(re), problem));
  }

  it('accepts what RE2 accepts, \\pL unless the engine refuses Unicode classes', () => {
    for (const re of ['[[:digit:]]+', '(?P<n>a)', '\\Aa\\z', 'a{1000}', '[]a]', '\\pL']) {
      assert.equal(re2Problem(re), undefined, re);
    }
    assert.equal(
      re2Problem('\\pL', { refuseUnicodeClasses: true }),
      'Unicode classes (\\p) are not supported here',
    );
  });
});

describe('translateRe2()', () => {
  const matches = (re: string, text: string, dotAll = false, options = {}) =>
    new RegExp(`^(?:${translateRe2(re, dotAll, options)})$`).test(text);

  it('reads RE2 spellings JavaScript lacks or reads otherwise', () => {
    assert.ok(matches('[[:digit:]]+', '12345'));
    assert.ok(!matches('[[:digit:]]+', 'd]'));
    assert.ok(matches('\\Qa.b\\E', 'a.b'));
    assert.ok(!matches('\\Qa.b\\E', 'axb'));
    assert.ok(matches('[]a]+', ']a'));
    assert.ok(matches('a(?i)b', 'aB'));
    assert.ok(!matches('a(?i)b', 'AB'));
    assert.ok(matches('\\x{41}', 'A'));
    assert.ok(!matches('\\s', '\v'), "Go's \\s leaves out \\v");
  });

  it("keeps or plains named groups, and reads . as Go's or JavaScript's", () => {
    assert.equal(translateRe2('(?P<n>a)'), '(?<n>a)');
    assert.equal(translateRe2('(?P<n>a)', false, { plainGroups: true }), '(?:a)');
    assert.ok(matches('a.b', 'a\rb'), "Go's . takes \\r");
    assert.ok(!matches('a.b', 'a\rb', false, { javascriptDot: true }));
    assert.ok(matches('a.b', 'a\nb', true, { javascriptDot: true }), '(?s) . takes \\n');
    assert.ok(!matches('a.b', 'a\nb'));
  });
});

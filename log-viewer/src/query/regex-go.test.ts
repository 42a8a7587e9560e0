import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { re2ToJs } from './regex-go.js';

function check(re2: string, expected: string): void {
  it(`translates ${JSON.stringify(re2)}`, () => assert.deepEqual(re2ToJs(re2), { source: expected }));
}
function refuse(re2: string, problem: RegExp): void {
  it(`refuses ${JSON.stringify(re2)}`, () => {
    const out = re2ToJs(re2);
    assert.ok('problem' in out && problem.test(out.problem), JSON.stringify(out));
  });
}

describe('re2ToJs()', () => {
  check('plain', 'plain');
  check('[[:digit:]]+', '[0-9]+');
  check('[^[:space:]]x', '[^\\t\\n\\v\\f\\r ]x');
  check('\\Aorder', '^order');
  check('placed\\z', 'placed$');
  check('(?P<n>\\d+)', '(?:\\d+)');
  check('(?s)a.b', 'a[^]b');
  check('a.b', 'a.b');
  check('(?i)err', '(?i)err');
  check('\\Qa.b\\E', 'a\\.b');
  check('[]a]', '[\\]a]');
  refuse('\\pL', /Unicode classes/);
  refuse('(?=x)', /Perl syntax/);
  refuse('a{1001}', /invalid repeat count/);
  refuse('(?m)^x', /not supported/);
  refuse('\\1', /invalid escape/);
});

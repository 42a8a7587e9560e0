import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_NESTING_DEPTH, nestedTooDeep } from './limits.js';

/** A value of `levels` nested containers, alternating arrays and objects, parsed from its text. */
function nested(levels: number): unknown {
  let text = '1';
  for (let i = 0; i < levels; i++) text = i % 2 === 0 ? `[${text}]` : `{"k":${text}}`;
  return JSON.parse(text);
}

test('nestedTooDeep() counts levels of arrays and objects, the outermost as 1', () => {
  let n = 0;
  const check = (value: unknown, expected: boolean) =>
    assert.equal(nestedTooDeep(value), expected, `case ${++n}`);
  check(1, false);
  check('[[[[', false);
  check(null, false);
  check({}, false);
  check(nested(MAX_NESTING_DEPTH), false);
  check(nested(MAX_NESTING_DEPTH + 1), true);
  check({ a: 1, b: [2, { c: nested(MAX_NESTING_DEPTH - 3) }] }, false);
  check({ a: 1, b: [2, { c: nested(MAX_NESTING_DEPTH - 2) }] }, true);
  check(nested(20_000), true); // no stack overflow: the walk stops past the limit
  assert.equal(nestedTooDeep(nested(5), 4), true);
  assert.equal(nestedTooDeep(nested(4), 4), false);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unsafeRegex } from './regex-safety.js';

const check = (pattern: string, expected: number | undefined) =>
  assert.equal(unsafeRegex(pattern)?.offset, expected, pattern);

test('unsafeRegex() refuses repeated groups that hold a quantifier or an alternation, where they start', () => {
  check('(a+)+$', 0);
  check('x(a*)*', 1);
  check('(a|aa)+', 0);
  check('(a|a)*b', 0);
  check('^(\\w+\\s?)*$', 1);
  check('((ab)?c)*', 0);
  check('(?:a+){2,}', 0);
  check('(?:a+){2,5}?', 0);
  check('((a+))+', 0);
  check('(?<n>a+)*', 0);
});

test('unsafeRegex() refuses backreferences and lookaround (RE2 has neither)', () => {
  check('(a)\\1', 3);
  check('(?<x>a)\\k<x>', 7);
  check('a(?=b)', 1);
  check('a(?!b)', 1);
  check('(?<=a)b', 0);
  check('(?<!a)b', 0);
});

test('unsafeRegex() passes patterns without ambiguous repetition', () => {
  for (const ok of [
    '^/api/v[12]/',
    '(?:GET|POST) /',
    '(ab)+',
    '(a+)?b',
    '(a+){1}',
    '(a+){0,1}',
    'a+b*c?d{2,}',
    '[(+*)]+',
    '\\(a+\\)+',
    '[\\]a+]*',
    'x{',
    '(a{2})',
    'timeout|refused',
    '(?i)error',
    '\\d+\\.\\d+',
    '(?:ab)+',
    '(?<name>ab)*x',
    '(?:GET|POST)?x',
  ])
    check(ok, undefined);
});

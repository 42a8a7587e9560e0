import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expandCounts, nonLinearRegex, regexTester } from './regex-linear.js';

test('expandCounts() writes out counted repetitions above {16} on one atom; leaves the rest', () => {
  const check = (p: string, expected: string) => assert.equal(expandCounts(p), expected, p);
  check('a{3}', 'a{3}');
  check('a{17}', 'a'.repeat(17));
  check('a{16,18}?b', `${'a'.repeat(16)}a?a?b`);
  check('[0-9]{17,}', `${'[0-9]'.repeat(17)}[0-9]*`);
  check('\\x41{17}', '\\x41'.repeat(17));
  check('(ab){17}', '(ab){17}');
  check('a{300}', 'a{300}');
  check('x{', 'x{');
});

test('regexTester() answers as the pattern would, (?i) included', () => {
  const check = (p: string, text: string, expected: boolean) =>
    assert.equal(regexTester(p)(text), expected, p);
  check('(?i)TimeOut', 'a timeout', true);
  check('(?i)\\x4A\\u00C9', 'JÉ', true); // J and É by their codes, case-insensitively
  check('(?i)[\\x41-\\x5A]', 'q', true);
  check('(?i)^[0-Z]$', '_', false); // not widened to [0-z]
  check('(?i)^[Z-a]$', 'z', true); // was refused once lowered to [z-a]
  check('(?i)^.{3}$', 'İST', true); // the text is no longer lowered (İ lowered is two units)
  check('(?i)^k$', '\u212a', false); // nor is the Kelvin sign taken for k
  check('TimeOut', 'a timeout', false);
  check('^[0-9a-f]{32}$', '0123456789abcdef0123456789abcdef', true);
  check('^[0-9a-f]{32}$', '0123456789abcdef0123456789abcde', false);
  check('^a{2,20}$', 'a'.repeat(21), false);
  check('^a{2,20}$', 'a'.repeat(20), true);
});

test('nonLinearRegex() takes a (?i) pattern the linear engine could not run with the i flag', () => {
  assert.equal(nonLinearRegex('(?i)^[0-9a-f]{32}$'), undefined);
  assert.equal(nonLinearRegex('(?i)(?:GET|POST) /api/[A-Z_]+'), undefined);
  assert.equal(nonLinearRegex('(?i)[Z-a]'), undefined);
});

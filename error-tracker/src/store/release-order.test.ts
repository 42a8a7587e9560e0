import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareVersions, isNewerRelease, parseReleaseVersion } from './release-order.js';

test('compareVersions() orders versions by semver 2.0.0 precedence (§11 example chain)', () => {
  const chain = [
    '1.0.0-alpha',
    '1.0.0-alpha.1',
    '1.0.0-alpha.beta',
    '1.0.0-beta',
    '1.0.0-beta.2',
    '1.0.0-beta.11',
    '1.0.0-rc.1',
    '1.0.0',
    'shop@1.0.1',
    '1.1',
    '1.1.0.1',
    '2.0.0-0',
    '2.0.0',
    '10.0.0',
  ];
  for (let i = 0; i + 1 < chain.length; i++) {
    const a = parseReleaseVersion(chain[i]);
    const b = parseReleaseVersion(chain[i + 1]);
    assert.ok(a && b, `${chain[i]} and ${chain[i + 1]} parse`);
    assert.ok(compareVersions(a, b) < 0, `${chain[i]} < ${chain[i + 1]}`);
    assert.ok(compareVersions(b, a) > 0, `${chain[i + 1]} > ${chain[i]}`);
  }
});

test('parseReleaseVersion() takes package@version and bare versions, and refuses what is not one', () => {
  const check = (release: string, expected: unknown) =>
    assert.deepEqual(parseReleaseVersion(release), expected, release);
  check('r2@2.0.0', { numbers: [2, 0, 0, 0], pre: [] });
  check('@scope/pkg@1.2.3-rc.1+build.7', { numbers: [1, 2, 3, 0], pre: ['rc', '1'] });
  check('3', { numbers: [3, 0, 0, 0], pre: [] });
  check('1.0.0+sha.abc', { numbers: [1, 0, 0, 0], pre: [] });
  for (const bad of [
    'a1b2c3d',
    'shop@',
    'shop@v1.0.0',
    '1.0.0-01',
    '01.0.0',
    '1.0.0-',
    '1..0',
    '1.2.3.4.5',
    '',
  ])
    check(bad, null);
});

test('isNewerRelease() compares versions when both parse, else first-seen times', () => {
  const seen: Record<string, number> = {
    'r2@2.0.0': 100,
    'r2@1.0.0': 200,
    abc: 100,
    def: 200,
    'r2@3.0.0': 50,
  };
  const firstSeen = (r: string) => seen[r];
  const check = (release: string, resolvedIn: string, expected: boolean) =>
    assert.equal(isNewerRelease(release, resolvedIn, firstSeen), expected, `${release} after ${resolvedIn}`);
  check('r2@1.0.0', 'r2@2.0.0', false); // seen later, but an older version
  check('r2@3.0.0', 'r2@2.0.0', true); // seen earlier, but a newer version
  check('r2@2.0.0-rc.1', 'r2@2.0.0', false);
  check('r2@2.0.1-rc.1', 'r2@2.0.0', true);
  check('r2@2.0.0+b2', 'r2@2.0.0+b1', false); // same precedence
  check('r2@2.0.0', 'r2@2.0.0', false);
  // numeric pre-release identifiers past 2^53 compare exactly, one way only
  check(`1.0.0-${'9'.repeat(30)}`, `1.0.0-${'9'.repeat(29)}8`, true);
  check(`1.0.0-${'9'.repeat(29)}8`, `1.0.0-${'9'.repeat(30)}`, false);
  check('1.0.0-10', '1.0.0-9', true);
  // odd releases are compared by first-seen time, without throwing
  check('latest', 'abc', true);
  check('1.0.0+build', '1.0.0', false);
  check('x'.repeat(200), 'abc', true);
  check('def', 'abc', true); // not versions: by time
  check('abc', 'def', false);
  check('r2@1.0.0', 'abc', true); // one is not a version: by time
  check('never-seen', 'abc', true);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LookupCache } from './lookup-cache.js';

test('LookupCache returns a value only within its ttl, not after a clock step back or forget()', () => {
  const cache = new LookupCache<string, boolean | null>(5000);
  cache.set('a', false, 1000);
  cache.set('b', null, 1000);
  const check = (key: string, nowMs: number, expected: boolean | null | undefined) =>
    assert.equal(cache.get(key, nowMs), expected, `${key} at ${nowMs}`);
  check('a', 1000, false);
  check('b', 5999, null);
  check('a', 6000, undefined);
  check('a', 999, undefined);
  check('c', 1000, undefined);
  cache.forget();
  check('a', 1000, undefined);
});

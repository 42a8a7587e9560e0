import assert from 'node:assert/strict';
import { test } from 'node:test';
import { warmUpReadPath } from './query-warm-up.js';

test('warmUpReadPath() searches its synthetic block through the query and block reader code', () => {
  // A word no row holds, one row's word, a phrase in every row, one trace id, service + level (the
  // last three pages capped at 100).
  assert.deepEqual(warmUpReadPath(), [0, 1, 100, 1, 100]);
});

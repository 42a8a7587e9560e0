import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PushError, parsePushBatch } from './push-json.js';

test('parsePushBatch refuses a name pushed with two types in one batch, naming it', () => {
  const check = (metrics: object[], error: string | undefined) => {
    if (error === undefined) return parsePushBatch({ metrics }, 0);
    assert.throws(
      () => parsePushBatch({ metrics }, 0),
      (e) => e instanceof PushError && e.metric === 'jobs' && e.reason === error,
    );
  };
  check(
    [
      { name: 'jobs', type: 'counter', value: 1 },
      { name: 'jobs', type: 'gauge', value: 2 },
    ],
    'jobs is pushed as a counter and as a gauge in one batch (a name has one type)',
  );
  check(
    [
      { name: 'jobs', value: 1 }, // gauge by default
      { name: 'jobs', type: 'histogram', buckets: [{ le: '+Inf', count: 1 }], sum: 1, count: 1 },
    ],
    'jobs is pushed as a gauge and as a histogram in one batch (a name has one type)',
  );
  // The same type twice (two label sets of one metric) is fine.
  check(
    [
      { name: 'jobs', type: 'counter', labels: { q: 'a' }, value: 1 },
      { name: 'jobs', type: 'counter', labels: { q: 'b' }, value: 2 },
    ],
    undefined,
  );
});

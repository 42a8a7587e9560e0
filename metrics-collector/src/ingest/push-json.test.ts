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

test('parsePushBatch refuses a name whose stored series have another type, naming it', () => {
  const stored = (name: string) => ({ jobs: 'counter', latency: 'histogram', up: 'gauge' })[name];
  const check = (metrics: Array<{ name: string; [field: string]: unknown }>, error: string | undefined) => {
    if (error === undefined) return parsePushBatch({ metrics }, 0, stored);
    assert.throws(
      () => parsePushBatch({ metrics }, 0, stored),
      (e) => e instanceof PushError && e.metric === metrics[metrics.length - 1].name && e.reason === error,
    );
  };
  const conflict = (name: string, was: string, now: string) =>
    `${name} is stored as a ${was} and pushed as a ${now} (a name has one type; push it as a ${was} or under another name)`;
  check([{ name: 'jobs', type: 'gauge', value: 2 }], conflict('jobs', 'counter', 'gauge'));
  check([{ name: 'jobs', value: 2 }], conflict('jobs', 'counter', 'gauge')); // gauge by default
  check(
    [
      { name: 'up', value: 1 },
      { name: 'latency', type: 'counter', value: 3 },
    ],
    conflict('latency', 'histogram', 'counter'),
  );
  // Its own type, and names the store does not know, are fine.
  check([{ name: 'jobs', type: 'counter', value: 3 }], undefined);
  check(
    [{ name: 'latency', type: 'histogram', buckets: [{ le: '+Inf', count: 1 }], sum: 1, count: 1 }],
    undefined,
  );
  check([{ name: 'new_one', type: 'gauge', value: 3 }], undefined);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JsonObject } from './envelope.js';
import { INVALID, sessionAggregatesCounts, sessionCounts } from './sessions.js';

const STARTED = '2026-11-27T02:00:00.123456Z';
const update = (fields: JsonObject): JsonObject => ({
  sid: '7'.repeat(32),
  init: true,
  started: STARTED,
  status: 'ok',
  attrs: { release: 'app@1' },
  ...fields,
});

/** [release, environment, started, crashed] of what the update counts, or null / 'invalid'. */
function check(payload: JsonObject, expected: [string, string, number, number] | null | typeof INVALID) {
  const counts = sessionCounts(payload);
  const got =
    counts === null || counts === INVALID
      ? counts
      : [counts.release, counts.environment, counts.started, counts.crashed];
  assert.deepEqual(got, expected, JSON.stringify(payload));
}

test('sessionCounts() takes what Relay takes and drops the rest', () => {
  check(update({}), ['app@1', 'production', 1, 0]);
  check(update({ status: 'crashed', attrs: { release: ' app@1 ', environment: ' staging ' } }), [
    'app@1',
    'staging',
    1,
    1,
  ]);
  check(update({ status: undefined }), ['app@1', 'production', 1, 0]);
  check(update({ started: '2021-04-26T08:00:00+0100' }), ['app@1', 'production', 1, 0]);
  check(update({ started: 1795744800.5 }), ['app@1', 'production', 1, 0]);
  check(update({ attrs: { release: 'app@1', environment: '  ' } }), ['app@1', 'production', 1, 0]);
  // no release, or a blank one: no row (as an event's blank release is none)
  check(update({ attrs: {} }), null);
  check(update({ attrs: { release: '  ' } }), null);
  // the finding's update: blank release, started "garbage", status "weird"
  check(update({ started: 'garbage', status: 'weird', attrs: { release: '  ' } }), null);
  check(update({ started: 'garbage' }), INVALID);
  check(update({ started: undefined }), INVALID);
  check(update({ started: '1' }), INVALID);
  check(update({ started: -5 }), INVALID);
  check(update({ status: 'weird' }), INVALID);
  check(update({ status: 'Crashed' }), INVALID);
  check(update({ status: 3 }), INVALID);
});

test('sessionAggregatesCounts() refuses the item when an aggregate has no timestamp', () => {
  const agg = (started: unknown, release = 'app@1') => ({
    aggregates: [
      { started: '2026-11-27T02:00:00Z', exited: 2 },
      { started, crashed: 1 },
    ] as JsonObject[],
    attrs: { release },
  });
  const ok = sessionAggregatesCounts(agg('2026-11-27T02:01:00Z'));
  assert.deepEqual(ok === INVALID ? ok : ok.map((c) => [c.release, c.started, c.crashed]), [
    ['app@1', 2, 0],
    ['app@1', 1, 1],
  ]);
  assert.equal(sessionAggregatesCounts(agg('garbage')), INVALID);
  assert.equal(sessionAggregatesCounts(agg(undefined)), INVALID);
  assert.deepEqual(sessionAggregatesCounts(agg('2026-11-27T02:01:00Z', ' ')), []);
});

// Black-box 10 #8 through groupEvent(): version 3 parameterizes dates and durations, and an event
// also carries its version 2 key, so an issue made before the upgrade keeps its events.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupEvent } from './grouping.js';

const message = (text: string) => groupEvent({ message: text });
const frameless = (value: string) => groupEvent({ exception: { values: [{ type: 'SyncError', value }] } });

test('groupEvent() makes one key of messages that differ only in an ISO timestamp or a duration', () => {
  for (const group of [message, frameless]) {
    const a = group('nightly sync failed at 2026-11-27T01:55:41.455Z');
    const b = group('nightly sync failed at 2026-11-27T01:55:41.473Z');
    const c = group('nightly sync failed at 2026-11-28T02:00:05Z');
    assert.equal(a.hash, b.hash);
    assert.equal(a.hash, c.hash);
    const slow = [87, 412, 1532].map((ms) => group(`slow query took ${ms}ms`).hash);
    assert.deepEqual(new Set(slow).size, 1);
    assert.notEqual(slow[0], a.hash);
  }
});

test('groupEvent() carries the version 2 key of a message whose version 3 key changed, and only then', () => {
  const a = message('nightly sync failed at 2026-11-27T01:55:41.455Z');
  const b = message('nightly sync failed at 2026-11-27T01:55:41.473Z');
  assert.equal(a.legacyHashes.length, 1);
  assert.notEqual(a.legacyHashes[0], a.hash);
  assert.notEqual(a.legacyHashes[0], b.legacyHashes[0], 'version 2 kept the milliseconds');
  assert.deepEqual(message('user 42 not found').legacyHashes, []);
});

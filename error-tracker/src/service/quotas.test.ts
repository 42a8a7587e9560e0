import assert from 'node:assert/strict';
import { test } from 'node:test';
import { QuotaTracker } from './quotas.js';

test('QuotaTracker.take() counts per minute and per hour windows and says how long to wait', () => {
  const q = new QuotaTracker();
  const t0 = Date.parse('2026-11-25T20:00:10Z');
  assert.equal(q.take(1, 2, 0, t0, 1), 0);
  assert.equal(q.take(1, 2, 0, t0, 1), 0);
  assert.equal(q.take(1, 2, 0, t0, 1), 50, 'rest of the minute');
  assert.equal(q.take(2, 2, 0, t0, 2), 0, 'projects are counted apart');
  assert.equal(q.take(1, 2, 0, t0 + 50_000, 1), 0, 'a new minute');
  assert.equal(q.take(3, 0, 3, t0, 3), 0);
  assert.equal(q.take(3, 0, 3, t0 + 60_000, 1), 3530, 'hour window: seconds to the next hour');
  assert.equal(q.take(4, 0, 0, t0, 1_000_000), 0, 'zero means unlimited');
  assert.equal(q.take(5, 5, 0, t0, 6), 50, 'a batch larger than the quota is refused whole');
});

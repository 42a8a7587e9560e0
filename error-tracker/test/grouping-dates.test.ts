// Black-box 10 #8 through the real server: messages that differ only in an ISO 8601 timestamp or a
// duration are one issue (grouping version 3's <date> and <duration>), not one issue per value.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api, sendEvent } from './helpers/events.js';
import { startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
before(async () => {
  t = await startTracker();
});
after(() => t.close());

test('messages with different timestamps or durations are one issue each, titled by the latest text', async () => {
  const stamps = ['2026-11-27T01:55:41.455Z', '2026-11-27T01:55:41.473Z', '2026-11-28T02:00:05Z'];
  for (const at of stamps) await sendEvent(t, { message: `nightly sync failed at ${at}` });
  for (const ms of [87, 412, 1532]) await sendEvent(t, { message: `slow query took ${ms}ms` });
  t.drain();
  const res = await api<{ data: { title: string; event_count: number }[] }>(
    t,
    'GET',
    '/api/issues?sort=first_seen',
  );
  const issues = res.json.data.map((i) => [i.title, i.event_count]).sort();
  assert.deepEqual(issues, [
    ['nightly sync failed at 2026-11-28T02:00:05Z', 3],
    ['slow query took 1532ms', 3],
  ]);
});

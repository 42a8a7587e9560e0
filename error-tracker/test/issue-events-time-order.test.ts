// An issue's events run by their time, then arrival, as in Sentry (black-box 10 #74): an event that
// happened 20 days ago but arrived last (an offline SDK flushing its queue) was listed first in
// "newest first" and opened as the issue's latest event, while the times shown ran backwards.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api } from './helpers/events.js';
import { send, startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
const ids = { recent: '74740000000000000000000000000001', old: '74740000000000000000000000000002' };
let issueId: number;
before(async () => {
  t = await startTracker();
  const nowSec = t.clock.now / 1000;
  for (const [eventId, timestamp] of [
    [ids.recent, nowSec],
    [ids.old, nowSec - 20 * 86_400],
  ] as const) {
    const res = await send(`${t.url}/api/1/store/?sentry_key=publickey`, {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ event_id: eventId, message: 'order probe plum', timestamp }),
    });
    assert.equal(res.status, 200);
  }
  t.drain();
  const issues = await api<{ data: { id: number }[] }>(t, 'GET', '/api/issues');
  assert.equal(issues.json.data.length, 1);
  issueId = issues.json.data[0].id;
});
after(async () => t.close());

test("an issue's events are listed newest first by their time, also across pages", async () => {
  type EventsPage = { data: { event_id: string }[]; next_cursor: string | null };
  const all = await api<EventsPage>(t, 'GET', `/api/issues/${issueId}/events`);
  assert.deepEqual(
    all.json.data.map((e) => e.event_id),
    [ids.recent, ids.old],
  );
  const first = await api<EventsPage>(t, 'GET', `/api/issues/${issueId}/events?limit=1`);
  assert.deepEqual(
    first.json.data.map((e) => e.event_id),
    [ids.recent],
  );
  const cursor = encodeURIComponent(first.json.next_cursor ?? '');
  const second = await api<EventsPage>(t, 'GET', `/api/issues/${issueId}/events?limit=1&cursor=${cursor}`);
  assert.deepEqual(
    second.json.data.map((e) => e.event_id),
    [ids.old],
  );
  assert.equal(second.json.next_cursor, null);
});

test('the latest event is the newest by time; older/newer follow the same order', () => {
  const store = t.app.errorTracker.store;
  assert.equal(store.getLatestEvent(issueId)?.eventId, ids.recent);
  assert.deepEqual(store.getAdjacentEvents(issueId, ids.recent), { older: ids.old, newer: null });
  assert.deepEqual(store.getAdjacentEvents(issueId, ids.old), { older: null, newer: ids.recent });
});

// "More than N events in M minutes" counts the events that occurred, not the ones retention still
// stores: with MAX_EVENTS_PER_ISSUE=5 a rule "more than 10 in 5 minutes" never fired for an issue
// getting 20 events in 8 s, because the pass had pruned it to 5 (black-box 10 #67).
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { api, sendEvent } from './helpers/events.js';
import { startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
const hooks: string[] = [];
const receiver = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    hooks.push(req.url ?? '');
    res.end('ok');
  });
});

before(async () => {
  t = await startTracker({ MAX_EVENTS_PER_ISSUE: '5' });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
});
after(async () => {
  await t.close();
  await new Promise((resolve) => receiver.close(resolve));
});

test('a frequency rule counts the events of the window that retention pruned', async () => {
  const port = (receiver.address() as AddressInfo).port;
  await api(t, 'POST', '/api/projects/1/alerts', {
    trigger: 'frequency',
    url: `http://127.0.0.1:${port}/capped`,
    threshold: 10,
    window_minutes: 5,
  });
  let eventId = '';
  for (let i = 0; i < 20; i++) {
    eventId = await sendEvent(t, { type: 'CappedError' });
    t.drain();
    await t.app.errorTracker.maintenance.runOnce();
    t.clock.now += 400;
  }
  const issueId = (await api<{ issue_id: number }>(t, 'GET', `/api/events/${eventId}`)).json.issue_id;
  const issue = (
    await api<{ event_count: number; stored_event_count: number }>(t, 'GET', `/api/issues/${issueId}`)
  ).json;
  assert.deepEqual([issue.event_count, issue.stored_event_count], [20, 5]);
  await t.app.errorTracker.deliverer.deliverDue();
  assert.deepEqual(hooks, ['/capped'], 'fired once in the window');

  // the next window counts afresh: its events are fewer than the threshold
  t.clock.now += 6 * 60_000;
  for (let i = 0; i < 5; i++) await sendEvent(t, { type: 'CappedError' });
  t.drain();
  await t.app.errorTracker.maintenance.runOnce();
  await t.app.errorTracker.deliverer.deliverDue();
  assert.equal(hooks.length, 1);
  const oldest = t.db.prepare('SELECT min(minute) FROM issue_minutes').pluck().get() as number;
  assert.ok(oldest > t.clock.now - 6 * 60_000, 'minutes past the longest window are pruned');
});

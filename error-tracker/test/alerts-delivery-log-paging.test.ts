// The delivery log pages (limit, cursor, next_cursor) and filters by status, so the failures of a
// burst can be found: it stopped at the newest 100 and ignored limit and status (black-box 10 #63).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api, sendEvent } from './helpers/events.js';
import { startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;

before(async () => {
  t = await startTracker();
});
after(async () => {
  await t.close();
});

type Log = { data: { id: number; status: string }[]; next_cursor: string | null };

test('the delivery log pages to its end and filters by status; a bad cursor or status is a 4xx', async () => {
  const eventId = await sendEvent(t, { type: 'LogPagingError' });
  t.drain();
  const issueId = (await api<{ issue_id: number }>(t, 'GET', `/api/events/${eventId}`)).json.issue_id;
  const rule = await api<{ id: number }>(t, 'POST', '/api/projects/1/alerts', {
    trigger: 'regression',
    url: 'http://127.0.0.1:9/never',
  });
  // 130 rows as the digest writes them, every 10th failed
  const insert = t.db.prepare(
    `INSERT INTO alert_deliveries (rule_id, project_id, issue_id, trigger, url, body, status, attempts,
       next_attempt_at, created_at) VALUES (?, 1, ?, 'regression', 'http://127.0.0.1:9/never', '', ?, 1, NULL, ?)`,
  );
  for (let i = 0; i < 130; i++)
    insert.run(rule.json.id, issueId, i % 10 === 0 ? 'failed' : 'delivered', t.clock.now);

  const ids: number[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const q: string = cursor ? `?limit=50&cursor=${cursor}` : '?limit=50';
    const res = await api<Log>(t, 'GET', `/api/projects/1/alert-deliveries${q}`);
    assert.equal(res.status, 200);
    ids.push(...res.json.data.map((d) => d.id));
    cursor = res.json.next_cursor;
    pages++;
  } while (cursor);
  assert.equal(pages, 3);
  assert.equal(ids.length, 130);
  assert.deepEqual(
    ids,
    [...ids].sort((a, b) => b - a),
    'newest first',
  );

  const failed = await api<Log>(t, 'GET', '/api/projects/1/alert-deliveries?status=failed');
  assert.equal(failed.json.data.length, 13);
  assert.ok(failed.json.data.every((d) => d.status === 'failed'));
  assert.equal((await api<Log>(t, 'GET', '/api/projects/1/alert-deliveries?limit=5')).json.data.length, 5);

  assert.equal((await api(t, 'GET', '/api/projects/1/alert-deliveries?status=lost')).status, 422);
  assert.equal((await api(t, 'GET', '/api/projects/1/alert-deliveries?limit=0')).status, 422);
  assert.equal((await api(t, 'GET', '/api/projects/1/alert-deliveries?cursor=abc')).status, 400);
});

// A backlog of deliveries to a receiver that refuses at once (nothing listening) costs one
// due-query per page of rows, not one per delivery: the query ran on the main thread after each
// failed attempt, and with 4,000 queued alerts every SDK accept waited behind it, p50 8 ms ->
// 78 ms (black-box 10 #72).
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { api, sendEvent } from './helpers/events.js';
import { startTracker, type TrackerTest } from './helpers/server.js';

const BACKLOG = 1000;
let t: TrackerTest;

before(async () => {
  t = await startTracker();
});
after(async () => {
  await t.close();
});

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

test('1,000 queued deliveries to a refusing receiver take a due-query per page, each attempted once', async () => {
  const eventId = await sendEvent(t, { type: 'BacklogError' });
  t.drain();
  const issueId = (await api<{ issue_id: number }>(t, 'GET', `/api/events/${eventId}`)).json.issue_id;
  const url = `http://127.0.0.1:${await closedPort()}/down`;
  const rule = await api<{ id: number }>(t, 'POST', '/api/projects/1/alerts', { trigger: 'regression', url });
  // the outbox a flood of new issues leaves behind (written as the digest writes it)
  const insert = t.db.prepare(
    `INSERT INTO alert_deliveries (rule_id, project_id, issue_id, trigger, url, body, status, attempts,
       next_attempt_at, created_at) VALUES (?, 1, ?, 'regression', ?, '', 'pending', 0, ?, ?)`,
  );
  t.db.transaction(() => {
    for (let i = 0; i < BACKLOG; i++) insert.run(rule.json.id, issueId, url, t.clock.now, t.clock.now);
  })();

  const store = t.app.errorTracker.store;
  const query = store.dueDeliveries.bind(store);
  let queries = 0;
  store.dueDeliveries = (due) => {
    queries++;
    return query(due);
  };
  try {
    await t.app.errorTracker.deliverer.deliverDue();
  } finally {
    store.dueDeliveries = query;
  }
  const tried = t.db
    .prepare("SELECT count(*) FROM alert_deliveries WHERE attempts = 1 AND last_error LIKE '%ECONNREFUSED%'")
    .pluck()
    .get();
  assert.equal(tried, BACKLOG);
  assert.ok(queries <= BACKLOG / 50 + 5, `${queries} due-queries for ${BACKLOG} deliveries`);
});

// A backlog of deliveries to a receiver that refuses at once (nothing listening) costs the main
// thread a few queries and attempts per tick, not work per queued row: the due query ran after
// each failed attempt (4,000 queued alerts slowed every SDK accept 10x), and then each row was
// tried, failed and rescheduled in turn, 0.8 CPU-s per 5 s (black-box 10 #72). A receiver that
// failed without an answer is skipped until the next tick; other receivers' rows go on.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { api, sendEvent } from './helpers/events.js';
import { startTracker, type TrackerTest } from './helpers/server.js';

const BACKLOG = 1000;
let t: TrackerTest;
let healthyHits = 0;
const healthy = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    healthyHits++;
    res.end('ok');
  });
});

before(async () => {
  t = await startTracker();
  await new Promise<void>((resolve) => healthy.listen(0, '127.0.0.1', resolve));
});
after(async () => {
  await t.close();
  await new Promise((resolve) => healthy.close(resolve));
});

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

test('1,000 queued deliveries to a refusing receiver cost a few queries and two attempts a tick', async () => {
  const eventId = await sendEvent(t, { type: 'BacklogError' });
  t.drain();
  const issueId = (await api<{ issue_id: number }>(t, 'GET', `/api/events/${eventId}`)).json.issue_id;
  const down = `http://127.0.0.1:${await closedPort()}/down`;
  const up = `http://127.0.0.1:${(healthy.address() as AddressInfo).port}/up`;
  const downRule = await api<{ id: number }>(t, 'POST', '/api/projects/1/alerts', {
    trigger: 'regression',
    url: down,
  });
  const upRule = await api<{ id: number }>(t, 'POST', '/api/projects/1/alerts', {
    trigger: 'regression',
    url: up,
  });
  // the outbox a flood of new issues leaves behind (written as the digest writes it), the healthy
  // receiver's rows behind the dead one's
  const insert = t.db.prepare(
    `INSERT INTO alert_deliveries (rule_id, project_id, issue_id, trigger, url, body, status, attempts,
       next_attempt_at, created_at) VALUES (?, 1, ?, 'regression', ?, '', 'pending', 0, ?, ?)`,
  );
  t.db.transaction(() => {
    for (let i = 0; i < BACKLOG; i++) insert.run(downRule.json.id, issueId, down, t.clock.now, t.clock.now);
    for (let i = 0; i < 10; i++) insert.run(upRule.json.id, issueId, up, t.clock.now + 1, t.clock.now + 1);
  })();
  t.clock.now += 1;

  const store = t.app.errorTracker.store;
  const query = store.dueDeliveries.bind(store);
  let queries = 0;
  store.dueDeliveries = (due) => {
    queries++;
    return query(due);
  };
  const attempted = () =>
    t.db.prepare('SELECT count(*) FROM alert_deliveries WHERE url = ? AND attempts > 0').pluck().get(down);
  try {
    await t.app.errorTracker.deliverer.deliverDue();
    assert.equal(attempted(), 2, 'the two first in flight, then the receiver waits for the next tick');
    assert.equal(healthyHits, 10, 'the other receiver got all of its alerts in the same tick');
    await t.app.errorTracker.deliverer.deliverDue();
    assert.equal(attempted(), 4, 'two more on the next tick');
  } finally {
    store.dueDeliveries = query;
  }
  assert.ok(queries <= 10, `${queries} due-queries in two ticks`);
  const waiting = t.db
    .prepare("SELECT count(*) FROM alert_deliveries WHERE url = ? AND status = 'pending' AND attempts = 0")
    .pluck()
    .get(down);
  assert.equal(waiting, BACKLOG - 4, 'the rest wait untried, neither failed nor rescheduled');
});

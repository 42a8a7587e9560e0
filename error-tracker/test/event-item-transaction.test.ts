// An `event` item whose payload says "type": "transaction" is counted as a transaction, not grouped
// as an error (black-box 10 #20): it became an "<unlabeled event>" issue shared with every such
// transaction, while the same payload on /store/ was counted and not stored. The payload's type
// decides on both routes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api } from './helpers/events.js';
import { send, startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
before(async () => {
  t = await startTracker();
});
after(async () => t.close());

const transaction = (name: string) =>
  JSON.stringify({
    type: 'transaction',
    transaction: name,
    start_timestamp: 1795745000,
    timestamp: 1795745001,
    spans: [],
  });

test('a transaction in an event item is counted as a transaction and makes no issue', async () => {
  const id = '7a7a0000000000000000000000000001';
  const envelope = await send(`${t.url}/api/1/envelope/?sentry_key=publickey`, {
    body: `{"event_id":"${id}"}\n{"type":"event"}\n${transaction('/checkout')}\n`,
  });
  assert.equal(envelope.status, 200);
  assert.deepEqual(envelope.json(), { id });
  const store = await send(`${t.url}/api/1/store/?sentry_key=publickey`, {
    headers: { 'content-type': 'application/json' },
    body: transaction('/t'),
  });
  assert.equal(store.status, 200);
  t.drain();
  assert.equal((await api(t, 'GET', `/api/events/${id}`)).status, 404);
  const issues = await api<{ data: unknown[] }>(t, 'GET', '/api/issues');
  assert.deepEqual(issues.json.data, []);
  const counts = await api<{ data: { type: string; count: number }[] }>(
    t,
    'GET',
    '/api/projects/1/item-counts',
  );
  const byType = Object.fromEntries(counts.json.data.map((r) => [r.type, r.count]));
  assert.equal(byType.transaction, 2, 'both routes count it as a transaction');
  assert.equal(byType.event, undefined);
});

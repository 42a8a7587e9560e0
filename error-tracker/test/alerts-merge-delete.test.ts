// Queued alerts outlive a merge or a delete of their issue: a merge sends them with the issue they
// were merged into, a delete logs them as failed ("issue deleted"). Both deleted the rows, so a
// "new issue" alert still waiting (a receiver down, retries 10-40 s apart) was never sent and
// vanished from the delivery log (black-box 10 #65).
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { api, sendEvent } from './helpers/events.js';
import { startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
const hooks: { url: string; issueId: number }[] = [];
const receiver = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { url: string; issue: { id: number } };
    hooks.push({ url: body.url, issueId: body.issue.id });
    res.end('ok');
  });
});

before(async () => {
  t = await startTracker();
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const port = (receiver.address() as AddressInfo).port;
  await api(t, 'POST', '/api/projects/1/alerts', {
    trigger: 'new_issue',
    url: `http://127.0.0.1:${port}/new`,
  });
});
after(async () => {
  await t.close();
  await new Promise((resolve) => receiver.close(resolve));
});

async function newIssue(type: string): Promise<number> {
  const eventId = await sendEvent(t, { type });
  t.drain();
  return (await api<{ issue_id: number }>(t, 'GET', `/api/events/${eventId}`)).json.issue_id;
}

type Log = { data: { issue_id: number; status: string; last_error: string | null }[] };

test('a queued alert of a merged-away issue is sent with the issue it was merged into', async () => {
  const target = await newIssue('MergeTargetError');
  const source = await newIssue('MergeSourceError');
  const merged = await api(t, 'POST', `/api/issues/${target}/merge`, { ids: [source] });
  assert.equal(merged.status, 200);
  await t.app.errorTracker.deliverer.deliverDue();
  assert.deepEqual(
    hooks.map((h) => h.issueId),
    [target, target],
  );
  const log = (await api<Log>(t, 'GET', '/api/projects/1/alert-deliveries')).json.data;
  assert.deepEqual(
    log.map((d) => [d.issue_id, d.status]),
    [
      [target, 'delivered'],
      [target, 'delivered'],
    ],
  );
});

test('a queued alert of a deleted issue is logged as failed, not sent and not erased', async () => {
  hooks.length = 0;
  const id = await newIssue('DeletedBeforeAlertError');
  assert.equal((await api(t, 'DELETE', `/api/issues/${id}`)).status, 204);
  await t.app.errorTracker.deliverer.deliverDue();
  assert.deepEqual(hooks, []);
  const log = (await api<Log>(t, 'GET', '/api/projects/1/alert-deliveries')).json.data;
  assert.deepEqual(
    log.filter((d) => d.issue_id === id).map((d) => [d.status, d.last_error]),
    [['failed', 'issue deleted']],
  );
});

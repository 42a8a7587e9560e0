// A webhook URL with `user:password@` (a receiver behind basic auth: Jenkins, n8n, nginx auth_basic)
// is delivered with an Authorization: Basic header, as Sentry's webhook plugin (requests) and curl
// send it; undici refused the URL, every attempt failed and the password was written into the
// delivery log (black-box 10 #51).
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { api, sendEvent } from './helpers/events.js';
import { startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
const seen: { path: string; authorization?: string }[] = [];
const receiver = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    seen.push({ path: req.url ?? '', authorization: req.headers.authorization });
    res.end('ok');
  });
});

before(async () => {
  t = await startTracker();
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
});
after(async () => {
  await t.close();
  await new Promise((resolve) => receiver.close(resolve));
});

test('a webhook URL with credentials is sent with Basic auth and the password stays out of the log', async () => {
  const port = (receiver.address() as AddressInfo).port;
  const rule = await api(t, 'POST', '/api/projects/1/alerts', {
    trigger: 'new_issue',
    url: `http://hook%40user:s3cr%3At@127.0.0.1:${port}/ok/creds?x=1`,
  });
  assert.equal(rule.status, 201);
  await sendEvent(t, { type: 'CredsError' });
  t.drain();
  await t.app.errorTracker.deliverer.deliverDue();
  assert.deepEqual(seen, [
    { path: '/ok/creds?x=1', authorization: `Basic ${Buffer.from('hook@user:s3cr:t').toString('base64')}` },
  ]);
  const log = await api<{ data: { status: string; last_error: string | null }[] }>(
    t,
    'GET',
    '/api/projects/1/alert-deliveries',
  );
  assert.deepEqual(
    log.json.data.map((d) => [d.status, d.last_error]),
    [['delivered', null]],
  );
  assert.doesNotMatch(JSON.stringify(log.json), /s3cr/);
});

// What alert webhooks carry and what the delivery log says: event text is escaped for Slack's mrkdwn
// (an exception message must not @channel a workspace or forge a link), and a webhook that cannot be
// reached is logged with undici's cause, not only "fetch failed".
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { api, sendEvent } from './helpers/events.js';
import { startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
let receiver: Server;
let hookUrl: string;
const bodies: { path: string; body: { text: string; attachments: Record<string, unknown>[] } }[] = [];

before(async () => {
  t = await startTracker();
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push({ path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
after(async () => {
  await t.close();
  await new Promise((resolve) => receiver.close(resolve));
});

const PYTHON = `
import sys, sentry_sdk
sentry_sdk.init(dsn=sys.argv[1], release="shop@<1>&2", default_integrations=False)
try:
    raise RuntimeError("Payment <declined> & refused for order *4* <!channel> <http://evil.example|open the issue>")
except Exception as e:
    sentry_sdk.capture_exception(e)
sentry_sdk.flush(5)
`;

function runPython(dsn: string): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile('/usr/bin/python3', ['-c', PYTHON, dsn], { timeout: 30_000 }, (err, _out, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(),
    ),
  );
}

test('Slack bodies escape & < > in the title, culprit and release taken from events (sentry-python)', async () => {
  await api(t, 'POST', '/api/projects/1/alerts', {
    trigger: 'new_issue',
    url: `${hookUrl}/slack`,
    format: 'slack',
  });
  await runPython(`http://publickey@127.0.0.1:${new URL(t.url).port}/1`);
  t.drain();
  await t.app.errorTracker.deliverer.deliverDue();
  const slack = bodies.find((b) => b.path === '/slack');
  assert.ok(slack, 'the webhook was called');
  const escaped =
    'RuntimeError: Payment &lt;declined&gt; &amp; refused for order *4* &lt;!channel&gt; &lt;http://evil.example|open the issue&gt;';
  assert.match(slack.body.text, /^New issue: RuntimeError: Payment &lt;declined&gt; &amp; refused/);
  assert.ok(slack.body.text.startsWith(`New issue: ${escaped} (`), slack.body.text);
  assert.doesNotMatch(JSON.stringify(slack.body), /<!channel>|<http:\/\/evil/);
  const att = slack.body.attachments[0] as { title: string; fields: { title: string; value: string }[] };
  assert.equal(att.title, escaped);
  assert.equal(att.fields.find((f) => f.title === 'Release')?.value, 'shop@&lt;1&gt;&amp;2');
});

test('a webhook that cannot be reached is logged with the connection error', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const rules = (await api<{ data: { id: number }[] }>(t, 'GET', '/api/projects/1/alerts')).json.data;
  for (const r of rules) await api(t, 'DELETE', `/api/projects/1/alerts/${r.id}`);
  await api(t, 'POST', '/api/projects/1/alerts', {
    trigger: 'new_issue',
    url: `http://127.0.0.1:${port}/none`,
  });
  await sendEvent(t, { fn: 'unreachable_hook' });
  t.drain();
  await t.app.errorTracker.deliverer.deliverDue();
  const log = (await api<{ data: { last_error: string }[] }>(t, 'GET', '/api/projects/1/alert-deliveries'))
    .json.data;
  assert.equal(log[0].last_error, `fetch failed: connect ECONNREFUSED 127.0.0.1:${port}`);
});

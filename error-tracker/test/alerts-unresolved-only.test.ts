// Alert rules apply to unresolved issues only, as Sentry's RuleProcessor.apply(): a burst of events
// on an ignored issue, or on an issue resolved in the next release from the old release, fires no
// "more than N events in M minutes" webhook; an issue un-ignored by its condition alerts as usual.
// Events from Debian's sentry-python, webhooks to a receiver on loopback.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { api } from './helpers/events.js';
import { startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
let receiver: Server;
let hookUrl: string;
const received: { path: string; trigger: unknown; issueId: unknown }[] = [];

before(async () => {
  t = await startTracker();
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      const issue = body.issue as { id?: unknown } | undefined;
      received.push({ path: req.url ?? '', trigger: body.trigger, issueId: issue?.id });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  const rule = await api(t, 'POST', '/api/projects/1/alerts', {
    trigger: 'frequency',
    url: `${hookUrl}/freq`,
    threshold: 3,
    window_minutes: 1,
  });
  assert.equal(rule.status, 201);
});
after(async () => {
  await t.close();
  await new Promise((resolve) => receiver.close(resolve));
});

// argv: dsn, release, exception type (one issue per type), count
const BURST = `
import sys, sentry_sdk
sentry_sdk.init(dsn=sys.argv[1], release=sys.argv[2], default_integrations=False)
Burst = type(sys.argv[3], (Exception,), {})
def fail():
    raise Burst("burst")
for _ in range(int(sys.argv[4])):
    try:
        fail()
    except Burst:
        sentry_sdk.capture_exception()
sentry_sdk.flush(5)
`;

/** Sends `count` events of one issue, groups them and delivers what they queued. */
async function burst(release: string, type: string, count: number): Promise<void> {
  const dsn = `http://publickey@127.0.0.1:${new URL(t.url).port}/1`;
  await new Promise<void>((resolve, reject) =>
    execFile(
      '/usr/bin/python3',
      ['-c', BURST, dsn, release, type, String(count)],
      { timeout: 30_000 },
      (err, _o, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve()),
    ),
  );
  t.drain();
  await t.app.errorTracker.deliverer.deliverDue();
}

async function issueOf(type: string): Promise<{ id: number; status: string }> {
  const list = await api<{ data: { id: number; status: string }[] }>(
    t,
    'GET',
    `/api/issues?query=error.type:${type}`,
  );
  assert.equal(list.json.data.length, 1, type);
  return list.json.data[0];
}

const alertsFor = (issueId: number) => received.filter((r) => r.issueId === issueId);

async function patch(issueId: number, body: object): Promise<void> {
  const res = await api(t, 'PATCH', `/api/issues/${issueId}`, body);
  assert.equal(res.status, 200, JSON.stringify(res.json));
}

test('a frequency rule does not fire for an issue ignored forever', async () => {
  await burst('app@1.0.0', 'IgnoredForever', 1);
  const { id } = await issueOf('IgnoredForever');
  await patch(id, { status: 'ignored' });
  t.clock.now += 2 * 60_000;
  await burst('app@1.0.0', 'IgnoredForever', 5);
  assert.equal((await issueOf('IgnoredForever')).status, 'ignored');
  assert.deepEqual(alertsFor(id), []);
});

test("a frequency rule does not fire for a resolved issue's events from the release it was resolved in", async () => {
  await burst('svc@1.0.0', 'NextRelease', 1);
  const { id } = await issueOf('NextRelease');
  await patch(id, { status: 'resolved', in_next_release: true });
  t.clock.now += 2 * 60_000;
  await burst('svc@1.0.0', 'NextRelease', 5);
  assert.equal((await issueOf('NextRelease')).status, 'resolved');
  assert.deepEqual(alertsFor(id), []);
});

test('an issue un-ignored by its event count alerts again as an unresolved one', async () => {
  await burst('app@1.0.0', 'IgnoredUntil', 1);
  const { id } = await issueOf('IgnoredUntil');
  await patch(id, { status: 'ignored', ignore: { until_events: 2 } });
  t.clock.now += 2 * 60_000;
  await burst('app@1.0.0', 'IgnoredUntil', 5);
  assert.equal((await issueOf('IgnoredUntil')).status, 'unresolved');
  assert.deepEqual(
    alertsFor(id).map((r) => [r.path, r.trigger]),
    [['/freq', 'frequency']],
  );
});

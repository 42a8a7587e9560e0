// A project over its quota: as Relay, only the rate-limited items (events and the attachments that
// ride with them) are dropped; the rest of the envelope (a session update) is kept and answered 200
// with X-Sentry-Rate-Limits naming the event categories; 429 only when nothing is left. With the
// real sentry-python (Debian python3-sentry-sdk 1.9.10), whose transport reads the header of a 200.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeTempDir } from '@flowrent/shared/testing';
import { api, nextEventId } from './helpers/events.js';
import { send, startTracker, type TrackerTest } from './helpers/server.js';

// 1.9.10 sends a session update in its own envelope; an envelope with both is what newer SDKs
// send, built here with the SDK's own Envelope and Session and sent through its transport
const PYTHON_CLIENT = `
import sys
import sentry_sdk
from sentry_sdk.envelope import Envelope
from sentry_sdk.session import Session

sentry_sdk.init(dsn=sys.argv[1], release="quota-py@1.0.0", default_integrations=False, send_client_reports=False)
client = sentry_sdk.Hub.current.client
envelope = Envelope(headers={"event_id": sys.argv[2]})
envelope.add_event({"event_id": sys.argv[2], "message": "over quota", "level": "error", "platform": "python"})
session = Session(release="quota-py@1.0.0", environment="production")
session.update(status="crashed", errors=1)
envelope.add_session(session)
client.transport.capture_envelope(envelope)
client.flush(5)
print("error limited:", client.transport._check_disabled("error"))
print("session limited:", client.transport._check_disabled("session"))
`;

let t: TrackerTest;
let dir: string;
before(async () => {
  t = await startTracker();
  dir = makeTempDir('et-quota-');
  writeFileSync(join(dir, 'client.py'), PYTHON_CLIENT);
});
after(async () => t.close());

async function projectWithQuota(
  name: string,
  perMinute: number,
): Promise<{ id: number; url: string; dsn: string }> {
  const created = await api<{ id: number; keys: { public_key: string }[] }>(t, 'POST', '/api/projects', {
    name,
  });
  const { id } = created.json;
  const key = created.json.keys[0].public_key;
  const patched = await api(t, 'PATCH', `/api/projects/${id}`, { quota_per_minute: perMinute });
  assert.equal(patched.status, 200);
  const port = new URL(t.url).port;
  return {
    id,
    url: `${t.url}/api/${id}/envelope/?sentry_key=${key}`,
    dsn: `http://${key}@127.0.0.1:${port}/${id}`,
  };
}

const line = (o: unknown) => `${JSON.stringify(o)}\n`;
const eventEnvelope = (id: string, ...more: string[]) =>
  line({ event_id: id }) + line({ type: 'event' }) + line({ message: `m ${id}` }) + more.join('');
const sessionItem = (release: string) =>
  line({ type: 'session' }) +
  line({
    sid: nextEventId(),
    init: true,
    started: '2026-11-25T19:59:00Z',
    status: 'exited',
    attrs: { release },
  });

async function health(projectId: number): Promise<unknown[]> {
  const res = await api<{ data: { release: string; sessions: number; crashed: number }[] }>(
    t,
    'GET',
    `/api/projects/${projectId}/releases`,
  );
  return res.json.data.map((r) => [r.release, r.sessions, r.crashed]);
}

test('an event with a session over quota: the session is kept (200 + X-Sentry-Rate-Limits), the event dropped; alone, the event gets 429', async () => {
  const p = await projectWithQuota('quota mixed', 2);
  for (let i = 0; i < 2; i++)
    assert.equal((await send(p.url, { body: eventEnvelope(nextEventId()) })).status, 200);
  const limitedId = nextEventId();
  const mixed = await send(p.url, { body: eventEnvelope(limitedId, sessionItem('mixed@1')) });
  assert.equal(mixed.status, 200, mixed.body);
  assert.deepEqual(mixed.json(), {}, 'no event was stored, so no id');
  assert.match(
    String(mixed.headers['x-sentry-rate-limits']),
    /^\d+:error;default;security:project:project_quota$/,
  );
  const attachment = line({ type: 'attachment', length: 3, filename: 'a.txt' }) + 'abc\n';
  const eventOnly = await send(p.url, { body: eventEnvelope(nextEventId(), attachment) });
  assert.equal(eventOnly.status, 429, 'nothing left once the event and its attachment are dropped');
  t.drain();
  assert.deepEqual(await health(p.id), [['mixed@1', 1, 0]]);
  const counts = await api<{ data: { type: string; count: number }[] }>(
    t,
    'GET',
    `/api/projects/${p.id}/item-counts`,
  );
  assert.deepEqual(Object.fromEntries(counts.json.data.map((r) => [r.type, r.count])), {
    event: 2,
    session: 1,
  });
  assert.equal((await api(t, 'GET', `/api/events/${limitedId}`)).status, 404);
  // the next minute the same envelope, retried, stores the event and counts the session once
  t.clock.now += 60_000;
  assert.equal((await send(p.url, { body: eventEnvelope(limitedId, sessionItem('mixed@1')) })).status, 200);
  t.drain();
  assert.equal((await api(t, 'GET', `/api/events/${limitedId}`)).status, 200);
  assert.deepEqual(await health(p.id), [['mixed@1', 1, 0]], 'the session update is applied once');
  const again = await api<{ data: { type: string; count: number }[] }>(
    t,
    'GET',
    `/api/projects/${p.id}/item-counts`,
  );
  assert.deepEqual(Object.fromEntries(again.json.data.map((r) => [r.type, r.count])), {
    event: 3,
    session: 1,
  });
});

test('sentry-python: an envelope with an event and a session over quota keeps the session and the SDK stops sending errors', async () => {
  const p = await projectWithQuota('quota python', 1);
  assert.equal((await send(p.url, { body: eventEnvelope(nextEventId()) })).status, 200);
  const out = await new Promise<string>((resolve, reject) =>
    execFile(
      '/usr/bin/python3',
      [join(dir, 'client.py'), p.dsn, nextEventId()],
      { timeout: 30_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
    ),
  );
  assert.match(out, /error limited: True/);
  assert.match(out, /session limited: False/);
  t.drain();
  assert.deepEqual(await health(p.id), [['quota-py@1.0.0', 1, 1]]);
});

// Item counts agree with what is stored when an SDK retries: the real @sentry/node and sentry-python
// with a transport that sends every envelope twice (as a retry after a lost answer does), and raw
// envelopes for the rules: a header event_id counts once per item type, `event` counts the events
// stored, envelopes without an event_id (session aggregates, client reports) count per request.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeTempDir } from '@flowrent/shared/testing';
import { api, nextEventId, sentryEvent } from './helpers/events.js';
import { send, startTracker, type TrackerTest } from './helpers/server.js';

const NODE_MODULES = new URL('../../node_modules', import.meta.url).pathname;

const NODE_CLIENT = `
const Sentry = require('@sentry/node');
function twice(options) {
  const transport = Sentry.makeNodeTransport(options);
  return { ...transport, send: async (envelope) => { await transport.send(envelope); return transport.send(envelope); } };
}
Sentry.init({ dsn: process.argv[2], release: 'retry@1.0.0', tracesSampleRate: 1, sendClientReports: false,
  transport: process.argv[3] === 'twice' ? twice : Sentry.makeNodeTransport });
async function main() {
  try { JSON.parse('{'); } catch (e) { Sentry.captureException(e); }
  Sentry.startSpan({ name: 'GET /retry', op: 'http.server' }, () => {});
  await Sentry.flush(5000);
}
main();
`;

const PYTHON_CLIENT = `
import sys
import sentry_sdk
from sentry_sdk.transport import HttpTransport

class Twice(HttpTransport):
    def _send_envelope(self, envelope):
        super()._send_envelope(envelope)
        super()._send_envelope(envelope)
    def _send_event(self, event):
        super()._send_event(event)
        super()._send_event(event)

sentry_sdk.init(dsn=sys.argv[1], release="retry-py@1.0.0", transport=Twice, traces_sample_rate=1.0,
                default_integrations=False, send_client_reports=False)
try:
    int("abc")
except ValueError:
    sentry_sdk.capture_exception()
with sentry_sdk.start_transaction(name="/retry", op="http.server"):
    pass
sentry_sdk.flush(5)
`;

function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env: { ...process.env, ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

let t: TrackerTest;
let dir: string;
let projectId = 1;
before(async () => {
  t = await startTracker();
  dir = makeTempDir('et-counts-');
  writeFileSync(join(dir, 'node_client.cjs'), NODE_CLIENT);
  writeFileSync(join(dir, 'python_client.py'), PYTHON_CLIENT);
});
after(async () => t.close());

/** A fresh project per test, so each one reads its own counts; returns its DSN key. */
async function freshProject(): Promise<string> {
  const res = await api<{ id: number; keys: { public_key: string }[] }>(t, 'POST', '/api/projects', {
    name: `counts ${Date.now()} ${Math.random()}`,
  });
  assert.equal(res.status, 201, JSON.stringify(res.json));
  projectId = res.json.id;
  t.app.errorTracker.ingest.forgetCachedLookups();
  return res.json.keys[0].public_key;
}

async function counts(): Promise<Record<string, number>> {
  const res = await api<{ data: { type: string; count: number }[] }>(
    t,
    'GET',
    `/api/projects/${projectId}/item-counts`,
  );
  return Object.fromEntries(res.json.data.map((r) => [r.type, r.count]));
}

async function storedEvents(): Promise<number> {
  const res = await api<{ data: { event_count: number }[] }>(
    t,
    'GET',
    `/api/issues?project=${projectId}&limit=100`,
  );
  return res.json.data.reduce((n, i) => n + i.event_count, 0);
}

async function post(key: string, body: string): Promise<void> {
  const res = await send(`${t.url}/api/${projectId}/envelope/?sentry_key=${key}`, { body });
  assert.equal(res.status, 200, res.body);
}

const line = (o: unknown) => `${JSON.stringify(o)}\n`;

async function releaseHealth(): Promise<unknown[]> {
  type Row = { release: string; sessions: number; crashed: number; errored: number; abnormal: number };
  const res = await api<{ data: Row[] }>(t, 'GET', `/api/projects/${projectId}/releases`);
  return res.json.data.map((r) => [r.release, r.sessions, r.crashed, r.errored, r.abnormal]);
}

test('@sentry/node sending every envelope twice counts what sending once does', async () => {
  const port = new URL(t.url).port;
  const seen: unknown[] = [];
  for (const mode of ['once', 'twice']) {
    const key = await freshProject();
    const dsn = `http://${key}@127.0.0.1:${port}/${projectId}`;
    await run(process.execPath, [join(dir, 'node_client.cjs'), dsn, mode], { NODE_PATH: NODE_MODULES });
    t.drain();
    seen.push([await counts(), await storedEvents(), await releaseHealth()]);
  }
  // @sentry/node 11 sends the transaction as a span, and session updates without an event_id
  const [c, stored] = seen[0] as [Record<string, number>, number];
  assert.equal(c.event, 1, JSON.stringify(c));
  assert.equal(c.span, 1, JSON.stringify(c));
  assert.ok(c.session >= 1, JSON.stringify(c));
  assert.equal(stored, 1);
  assert.deepEqual(seen[1], seen[0]);
});

test('sentry-python sending everything twice: the event (/store/) and the transaction count once', async () => {
  const key = await freshProject();
  const port = new URL(t.url).port;
  await run('/usr/bin/python3', [
    join(dir, 'python_client.py'),
    `http://${key}@127.0.0.1:${port}/${projectId}`,
  ]);
  t.drain();
  const c = await counts();
  assert.equal(c.event, 1, JSON.stringify(c));
  assert.equal(c.transaction, 1, JSON.stringify(c));
  assert.equal(await storedEvents(), 1);
});

test('a retried envelope with an event_id counts its items and its session update once', async () => {
  const key = await freshProject();
  const eventId = nextEventId();
  const envelope =
    line({ event_id: eventId }) +
    line({ type: 'event' }) +
    line(sentryEvent({ release: 'r@1' })) +
    line({ type: 'attachment', filename: 'a.txt' }) +
    'hello\n' +
    line({ type: 'session' }) +
    line({
      sid: 'b0e7b1a6e0a04d6b9a1f3b8f1c2d3e4f',
      init: true,
      started: '2026-11-25T19:59:00Z',
      status: 'crashed',
      attrs: { release: 'r@1' },
    });
  await post(key, envelope);
  t.drain();
  // the retry lands after the first was grouped, and again in the same digest batch as a third copy
  await post(key, envelope);
  await post(key, envelope);
  t.drain();
  assert.deepEqual(await counts(), { attachment: 1, event: 1, session: 1 });
  assert.equal(await storedEvents(), 1);
  const health = await api<{ data: { release: string; sessions: number; crashed: number }[] }>(
    t,
    'GET',
    `/api/projects/${projectId}/releases`,
  );
  assert.deepEqual(
    health.json.data.map((r) => [r.release, r.sessions, r.crashed]),
    [['r@1', 1, 1]],
  );
  // user feedback sent later for the same event is another item type: counted
  await post(key, line({ event_id: eventId }) + line({ type: 'user_report' }) + line({ event_id: eventId }));
  t.drain();
  assert.equal((await counts()).user_report, 1);
});

test('attachments sent in a later envelope with the same event_id count, each one; a retry of it does not', async () => {
  // Sentry counts every attachment item (its outcomes are per item), also those that arrive in an
  // envelope of their own after the event (a minidump, a log file); only a retry repeats the bytes.
  const key = await freshProject();
  const eventId = nextEventId();
  const attachment = (name: string, text: string) =>
    line({ type: 'attachment', filename: name, length: Buffer.byteLength(text) }) + `${text}\n`;
  const first =
    line({ event_id: eventId }) +
    line({ type: 'event' }) +
    line(sentryEvent({})) +
    attachment('a.txt', 'one');
  const later = line({ event_id: eventId }) + attachment('b.txt', 'two') + attachment('c.txt', 'three');
  await post(key, first);
  t.drain();
  await post(key, later);
  await post(key, later); // the retry, in the same digest batch
  t.drain();
  await post(key, later); // and after it
  t.drain();
  assert.deepEqual(await counts(), { attachment: 3, event: 1 });
  // the same attachment bytes again for the event cannot be told from a retry: not counted
  await post(key, line({ event_id: eventId }) + attachment('a.txt', 'one'));
  t.drain();
  assert.equal((await counts()).attachment, 3);
});

test('two events with the same event_id in envelopes without a header id: stored and counted once', async () => {
  const key = await freshProject();
  const event = { ...sentryEvent({}), event_id: nextEventId() };
  const envelope = `{}\n${line({ type: 'event' })}${line(event)}`;
  await post(key, envelope);
  await post(key, envelope);
  t.drain();
  assert.equal((await counts()).event, 1);
  assert.equal(await storedEvents(), 1);
});

test('envelopes without an event_id (session aggregates, client reports) count per request', async () => {
  const key = await freshProject();
  const envelope =
    line({ sent_at: '2026-11-25T20:00:00Z' }) +
    line({ type: 'sessions' }) +
    line({ aggregates: [{ started: '2026-11-25T19:59:00Z', exited: 2 }], attrs: { release: 'agg@1' } }) +
    line({ type: 'client_report' }) +
    line({ timestamp: 1764100800, discarded_events: [] });
  await post(key, envelope);
  await post(key, envelope);
  t.drain();
  assert.deepEqual(await counts(), { client_report: 2, sessions: 2 });
});

test('a retry later than the dedupe window counts again (the window is pruned by maintenance)', async () => {
  const key = await freshProject();
  const envelope =
    line({ event_id: nextEventId() }) + line({ type: 'transaction' }) + line({ type: 'transaction' });
  await post(key, envelope);
  t.drain();
  await post(key, envelope);
  t.drain();
  assert.equal((await counts()).transaction, 1);
  t.clock.now += 25 * 3_600_000;
  await t.app.errorTracker.maintenance.runOnce();
  await post(key, envelope);
  t.drain();
  assert.equal((await counts()).transaction, 2);
});

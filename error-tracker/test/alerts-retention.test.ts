// Alerts (webhooks on new issue, regression and frequency; Slack body; background delivery with
// retries and backoff; delivery log) and retention (max age, per-issue cap, counts kept, vacuum).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, sendEvent } from './helpers/events.js';
import { send, startTracker, type TrackerTest } from './helpers/server.js';

interface Hook {
  path: string;
  body: Record<string, unknown>;
}

let t: TrackerTest;
let receiver: Server;
let hookUrl: string;
const received: Hook[] = [];
let failNext = 0;

before(async () => {
  t = await startTracker({ MAX_EVENTS_PER_ISSUE: '3', EVENT_MAX_AGE: '1d' });
  receiver = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (failNext > 0) {
        failNext--;
        res.statusCode = 500;
        res.end('down');
        return;
      }
      received.push({ path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
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

const deliver = () => t.app.errorTracker.deliverer.deliverDue();

describe('alerts', () => {
  test('new issue and regression webhooks, JSON and Slack bodies, delivered in the background', async () => {
    const rule = await api<{ id: number }>(t, 'POST', '/api/projects/1/alerts', {
      trigger: 'new_issue',
      url: `${hookUrl}/new`,
    });
    assert.equal(rule.status, 201);
    await api(t, 'POST', '/api/projects/1/alerts', {
      trigger: 'regression',
      url: `${hookUrl}/slack`,
      format: 'slack',
    });
    const id = await sendEvent(t, { fn: 'alert_me' });
    t.drain();
    assert.equal(received.length, 0, 'nothing is sent on the ingest or digest path');
    await deliver();
    assert.equal(received.length, 1);
    assert.equal(received[0].path, '/new');
    assert.equal(received[0].body.trigger, 'new_issue');
    const issueId = (await api<{ issue_id: number }>(t, 'GET', `/api/events/${id}`)).json.issue_id;
    await api(t, 'PATCH', `/api/issues/${issueId}`, { status: 'resolved' });
    await sendEvent(t, { fn: 'alert_me' });
    t.drain();
    await deliver();
    assert.equal(received.length, 2);
    assert.equal(received[1].path, '/slack');
    assert.match(String(received[1].body.text), /^Regression: ValueError/);
    assert.ok(Array.isArray(received[1].body.attachments));
  });

  test('a failing webhook is retried with exponential backoff and the log shows it', async () => {
    received.length = 0;
    const ruleIds = (await api<{ data: { id: number }[] }>(t, 'GET', '/api/projects/1/alerts')).json.data.map(
      (r) => r.id,
    );
    for (const r of ruleIds) await api(t, 'DELETE', `/api/projects/1/alerts/${r}`);
    await api(t, 'POST', '/api/projects/1/alerts', { trigger: 'new_issue', url: `${hookUrl}/flaky` });
    failNext = 2;
    await sendEvent(t, { fn: 'flaky_hook' });
    t.drain();
    await deliver();
    let log = (
      await api<{
        data: { status: string; attempts: number; next_attempt_at: string; response_status: number }[];
      }>(t, 'GET', '/api/projects/1/alert-deliveries')
    ).json.data;
    assert.equal(log[0].status, 'pending');
    assert.equal(log[0].attempts, 1);
    assert.equal(log[0].response_status, 500);
    assert.equal(Date.parse(log[0].next_attempt_at) - t.clock.now, 10_000);
    await deliver();
    assert.equal(received.length, 0, 'not due yet');
    t.clock.now += 10_000;
    await deliver();
    log = (
      await api<typeof log extends infer L ? { data: L } : never>(
        t,
        'GET',
        '/api/projects/1/alert-deliveries',
      )
    ).json.data;
    assert.equal(Date.parse(log[0].next_attempt_at) - t.clock.now, 20_000, 'backoff doubles');
    t.clock.now += 20_000;
    await deliver();
    assert.equal(received.length, 1);
    log = (
      await api<typeof log extends infer L ? { data: L } : never>(
        t,
        'GET',
        '/api/projects/1/alert-deliveries',
      )
    ).json.data;
    assert.equal(log[0].status, 'delivered');
    assert.equal(log[0].attempts, 3);
  });

  test('more than N events in M minutes fires once per window', async () => {
    received.length = 0;
    await api(t, 'POST', '/api/projects/1/alerts', {
      trigger: 'frequency',
      url: `${hookUrl}/freq`,
      threshold: 3,
      window_minutes: 5,
    });
    for (let i = 0; i < 6; i++) await sendEvent(t, { fn: 'busy' });
    t.drain();
    await deliver();
    const freq = received.filter((h) => h.path === '/freq');
    assert.equal(freq.length, 1);
    assert.equal(freq[0].body.trigger, 'frequency');
    assert.equal(
      (await api(t, 'POST', '/api/projects/1/alerts', { trigger: 'frequency', url: hookUrl })).status,
      422,
    );
  });
});

describe('retention', () => {
  test('per-issue cap and max age prune oldest events, keep counts and first seen', async () => {
    const first = await sendEvent(t, { fn: 'retained' });
    t.drain();
    const issueId = (await api<{ issue_id: number }>(t, 'GET', `/api/events/${first}`)).json.issue_id;
    for (let i = 0; i < 4; i++) await sendEvent(t, { fn: 'retained' });
    t.drain();
    const { pruned } = await t.app.errorTracker.maintenance.runOnce();
    assert.ok(pruned >= 2);
    const issue = (
      await api<{ event_count: number; stored_event_count: number; first_seen: string }>(
        t,
        'GET',
        `/api/issues/${issueId}`,
      )
    ).json;
    assert.equal(issue.event_count, 5);
    assert.equal(issue.stored_event_count, 3);
    assert.equal((await api(t, 'GET', `/api/events/${first}`)).status, 404, 'the oldest went first');
    t.clock.now += 2 * 86_400_000;
    await t.app.errorTracker.maintenance.runOnce();
    const after = (
      await api<{
        event_count: number;
        stored_event_count: number;
        first_seen: string;
        latest_event_id: string | null;
      }>(t, 'GET', `/api/issues/${issueId}`)
    ).json;
    assert.equal(after.stored_event_count, 0);
    assert.equal(after.event_count, 5);
    assert.equal(after.first_seen, issue.first_seen);
    assert.equal(after.latest_event_id, null);
  });

  test('incremental vacuum after pruning takes the freed pages off the freelist and shrinks the file', async () => {
    assert.equal(t.db.pragma('auto_vacuum', { simple: true }), 2, 'incremental auto-vacuum is on');
    const pragma = (name: string) => t.db.pragma(name, { simple: true }) as number;
    const fileBytes = () => {
      // the main file changes size when the WAL is checkpointed into it
      t.db.pragma('wal_checkpoint(TRUNCATE)');
      return statSync(join(t.dataDir, 'errors.db')).size;
    };
    // 120 events carrying 8 KB of random hex, which zstd cannot shrink below 4 KB: ~0.5 MB of pages
    for (let i = 0; i < 120; i++) {
      const id = randomBytes(16).toString('hex');
      const event = { message: 'bulky event', extra: { blob: randomBytes(4096).toString('hex') } };
      const body = `${JSON.stringify({ event_id: id })}\n{"type":"event"}\n${JSON.stringify(event)}\n`;
      const res = await send(`${t.url}/api/1/envelope/?sentry_key=publickey`, { body });
      assert.equal(res.status, 200);
    }
    t.drain();
    const pagesBefore = pragma('page_count');
    const bytesBefore = fileBytes();
    // what the vacuum step finds: the pages the prune just freed
    const store = t.app.errorTracker.store;
    const vacuumStep = store.vacuumStep;
    let freelistAtVacuum = -1;
    store.vacuumStep = (pages) => {
      freelistAtVacuum = pragma('freelist_count');
      vacuumStep(pages);
    };
    try {
      t.clock.now += 2 * 86_400_000;
      const { pruned } = await t.app.errorTracker.maintenance.runOnce();
      assert.ok(pruned >= 117, `pruned ${pruned}`);
    } finally {
      store.vacuumStep = vacuumStep;
    }
    // each blob is at least 4 KB once compressed, and its pages are freed with its event
    const pageSize = pragma('page_size');
    const freedPages = (120 * 4096) / pageSize;
    assert.ok(freelistAtVacuum >= freedPages, `freelist ${freelistAtVacuum} pages before the vacuum step`);
    assert.ok(pragma('freelist_count') < freelistAtVacuum / 10, 'the vacuum step took them off the freelist');
    assert.ok(
      pragma('page_count') <= pagesBefore - freedPages,
      `page_count ${pagesBefore} -> ${pragma('page_count')}`,
    );
    const bytesAfter = fileBytes();
    assert.ok(
      bytesAfter <= bytesBefore - freedPages * pageSize,
      `file ${bytesBefore} -> ${bytesAfter} bytes`,
    );
  });
});

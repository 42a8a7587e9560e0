// Inbox entries the digest sets aside (digest_quarantine), over the real server (temp-file SQLite,
// 127.0.0.1 port 0, settable clock): what is set aside at once (a stored entry the digest cannot
// read), what is retried with growing pauses first (an error that looks like a bug in the digest:
// a TypeError), what is retried without end (the disk's errors); and the admin API that lists them
// (project, reason, when), retries them (one or many) once the cause is fixed, or discards them; and the count
// on the settings page in real Chromium.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TEST_API_KEY } from '@flowrent/shared/testing';
import { launchBrowser, saveScreenshot, signIn, watchForScriptExecution } from '@flowrent/shared/ui/browser';
import { inlinePreparer } from '../src/service/preparer.js';
import { bugBackoffMs, MAX_BUG_ATTEMPTS } from '../src/store/digest.js';
import { api, sendEvent } from './helpers/events.js';
import { startTracker, type TrackerTest } from './helpers/server.js';

const HOSTILE = '<img src=x onerror="window.__xss=1">';
let t: TrackerTest;
/** What the fault injected into the digest's event insert throws for a message, if anything. */
let fault: ((message: string) => Error | null) | null = null;

before(async () => {
  t = await startTracker();
  // A fault inside the digest's transaction: a SQL function called by a trigger on the events insert
  // (better-sqlite3 hands the function's exception back as it was thrown).
  t.db.function('inject_fault', (message: unknown) => {
    const err = fault?.(String(message));
    if (err) throw err;
    return 0;
  });
  t.db.exec(
    'CREATE TEMP TRIGGER inject_fault BEFORE INSERT ON events BEGIN SELECT inject_fault(NEW.message); END',
  );
});
after(async () => t.close());

const messages = () => t.db.prepare('SELECT message FROM events ORDER BY id').pluck().all() as string[];
type Listed = {
  data: {
    id: number;
    project_id: number;
    event_id: string | null;
    reason: string;
    error: string;
    quarantined_at: string;
  }[];
  total: number;
  next_before: number | null;
};
const list = async (query = '') => (await api<Listed>(t, 'GET', `/api/quarantine${query}`)).json;

/** Runs the digest as the background loop would; returns the error it threw, if any. */
function drain(): unknown {
  try {
    t.drain();
    return null;
  } catch (err) {
    return err;
  }
}

test('a bug-like error is retried with growing pauses, then only its entry is set aside; retried once fixed', async () => {
  const ids = [];
  for (const message of ['before bug', 'bug here', 'after bug']) ids.push(await sendEvent(t, { message }));
  fault = (m) =>
    m === 'bug here' ? new TypeError("Cannot read properties of undefined (reading 'x')") : null;
  const start = t.clock.now;
  let at = start;
  for (let attempt = 1; attempt < MAX_BUG_ATTEMPTS; attempt++) {
    t.clock.now = at;
    assert.ok(drain() instanceof TypeError, `attempt ${attempt} fails`);
    assert.deepEqual(messages(), [], 'the batch rolled back whole');
    at += bugBackoffMs(attempt);
    t.clock.now = at - 1; // still pausing: not even tried
    assert.equal(drain(), null);
    assert.deepEqual(messages(), []);
  }
  assert.equal((await list()).total, 0, 'nothing set aside before the last attempt');
  t.clock.now = at;
  assert.equal(drain(), null, 'the last attempt goes entry by entry');
  assert.deepEqual(messages(), ['before bug', 'after bug']);
  const listed = await list();
  assert.equal(listed.total, 1);
  assert.deepEqual(
    { ...listed.data[0], id: 0 },
    {
      id: 0,
      project_id: 1,
      event_id: ids[1],
      received_at: new Date(start).toISOString(),
      quarantined_at: new Date(at).toISOString(),
      reason: 'repeated_failure',
      error: "TypeError: Cannot read properties of undefined (reading 'x')",
      has_event: true,
      has_counts: false, // the counts rode on the group commit's first entry (store/inbox.ts)
    },
  );
  const id = listed.data[0].id;
  // still broken: 409, kept, its error and time updated
  t.clock.now = at + 1000;
  const again = await api<{ error: { message: string } }>(t, 'POST', `/api/quarantine/${id}/retry`);
  assert.equal(again.status, 409);
  assert.match(again.json.error.message, /failed again: TypeError/);
  assert.equal((await list()).data[0].quarantined_at, new Date(at + 1000).toISOString());
  // fixed: applied, grouped and counted like any event, and gone from the list
  fault = null;
  const retried = await api<{ applied: boolean; outcome: { event_id: string; duplicate: boolean } }>(
    t,
    'POST',
    `/api/quarantine/${id}/retry`,
  );
  assert.equal(retried.status, 200);
  assert.deepEqual(
    [retried.json.applied, retried.json.outcome.event_id, retried.json.outcome.duplicate],
    [true, ids[1], false],
  );
  assert.deepEqual(messages(), ['before bug', 'after bug', 'bug here']);
  const event = await api<{ issue_id: number }>(t, 'GET', `/api/events/${ids[1]}`);
  assert.equal(event.status, 200);
  const counts = (
    await api<{ data: { type: string; count: number }[] }>(t, 'GET', '/api/projects/1/item-counts')
  ).json.data;
  assert.equal(counts.find((c) => c.type === 'event')?.count, 3);
  assert.equal((await list()).total, 0);
  assert.equal((await api(t, 'POST', `/api/quarantine/${id}/retry`)).status, 404);
});

test('a stored entry the digest cannot read is set aside at once (bad_entry), the rest of the batch grouped; discard', async () => {
  const store = t.app.errorTracker.store;
  const prepare = async (message: string) => {
    const id = (0xbad00 + message.length).toString(16).padStart(32, '0');
    const prepared = await inlinePreparer().prepare({
      endpoint: 'envelope',
      projectId: 1,
      body: Buffer.from(`{"event_id":"${id}"}\n{"type":"event"}\n${JSON.stringify({ message })}\n`),
      nowMs: t.clock.now,
    });
    return prepared.entries[0];
  };
  const good = await prepare('good neighbour');
  const bad = await prepare('tags that are not a list');
  // what the digest once met as a TypeError ("facts.tags is not iterable"), retried as if a bug
  const broken = { ...bad, factsJson: JSON.stringify({ ...JSON.parse(bad.factsJson), tags: 5 }) };
  store.acceptMany([
    { projectId: 1, events: [broken], itemCounts: { event: 1 }, sessions: [] },
    { projectId: 1, events: [good], itemCounts: { event: 1 }, sessions: [] },
  ]);
  assert.equal(drain(), null);
  assert.ok(messages().includes('good neighbour'));
  const listed = await list('?project=1');
  assert.equal(listed.total, 1);
  assert.equal(listed.data[0].reason, 'bad_entry');
  assert.equal(listed.data[0].error, 'facts.tags is missing or of the wrong type');
  const id = listed.data[0].id;
  // a bad entry fails again on retry: kept
  assert.equal((await api(t, 'POST', `/api/quarantine/${id}/retry`)).status, 409);
  assert.equal((await api(t, 'DELETE', `/api/quarantine/${id}`)).status, 204);
  assert.equal((await api(t, 'DELETE', `/api/quarantine/${id}`)).status, 404);
  assert.equal((await list()).total, 0);
});

test("the disk's errors (an errno code, SQLITE_BUSY…) are retried on every run without end and set nothing aside", async () => {
  await sendEvent(t, { message: 'disk full' });
  fault = () => Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
  for (let i = 0; i < MAX_BUG_ATTEMPTS * 2; i++) {
    assert.match(String(drain()), /no space left/);
    t.clock.now += 1; // no pause: the next run tries again
  }
  assert.equal((await list()).total, 0);
  fault = null;
  assert.equal(drain(), null);
  assert.ok(messages().includes('disk full'));
});

test('GET /api/quarantine: pages newest first; bad parameters are 4xx; admin only', async () => {
  // an error text that would run a script if the page did not escape it
  fault = (m) => (m.startsWith('page') ? new RangeError(`Invalid time value ${HOSTILE}`) : null);
  for (let i = 0; i < 3; i++) await sendEvent(t, { message: `page ${i}` });
  for (let attempt = 1; attempt <= MAX_BUG_ATTEMPTS; attempt++) {
    drain();
    t.clock.now += bugBackoffMs(attempt);
  }
  fault = null;
  const first = await list('?limit=2');
  assert.equal(first.total, 3);
  assert.equal(first.data.length, 2);
  assert.ok(first.data[0].id > first.data[1].id);
  const rest = await list(`?limit=2&before=${first.next_before}`);
  assert.equal(rest.data.length, 1);
  assert.equal(rest.next_before, null);
  for (const [query, status] of [
    ['?project=99', 404],
    ['?project=x', 422],
    ['?limit=0', 422],
    ['?limit=501', 422],
    ['?limit=1&limit=2', 422],
    ['?bogus=1', 400],
  ] as const)
    assert.equal((await api(t, 'GET', `/api/quarantine${query}`)).status, status, query);
  // after a fix, many at once: each applied, kept with its new error, or missing
  fault = (m) => (m === 'page 1' ? new RangeError(`Invalid time value ${HOSTILE}`) : null);
  const ids = [...first.data, ...rest.data].map((e) => e.id);
  const many = await api<{ applied: number[]; failed: { id: number; error: string }[]; missing: number[] }>(
    t,
    'POST',
    '/api/quarantine/retry',
    { ids: [...ids, 999_999] },
  );
  assert.equal(many.status, 200);
  assert.equal(many.json.applied.length, 2);
  assert.equal(many.json.failed.length, 1);
  assert.match(many.json.failed[0].error, /^RangeError: Invalid time value/);
  assert.deepEqual(many.json.missing, [999_999]);
  assert.ok(messages().includes('page 0') && messages().includes('page 2') && !messages().includes('page 1'));
  assert.equal((await list()).total, 1);
  assert.equal((await api(t, 'POST', '/api/quarantine/retry', { ids: [] })).status, 422);
  assert.equal((await api(t, 'POST', '/api/quarantine/retry', { ids: [1], all: true })).status, 400);
  fault = null;
  assert.equal((await fetch(`${t.url}/api/quarantine`)).status, 401);
  assert.equal((await fetch(`${t.url}/api/quarantine/1/retry`, { method: 'POST' })).status, 401);
});

test('the settings page shows how many entries are set aside, in real Chromium', async () => {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(10_000);
    const watch = await watchForScriptExecution(page);
    await signIn(page, t.url, TEST_API_KEY, '/settings?project=1');
    const total = (await list()).total;
    assert.ok(total > 0);
    assert.equal(await page.locator('#quarantine .quarantine-count').innerText(), String(total));
    const row = await page.locator('#quarantine table.quarantine tbody tr').first().innerText();
    assert.match(row, /failed repeatedly/);
    assert.ok(row.includes(HOSTILE), 'the error is shown as text');
    await saveScreenshot(page, 'error-tracker', 'ui-settings-quarantine');
    // none left: no card
    for (const e of (await list('?limit=500')).data) await api(t, 'DELETE', `/api/quarantine/${e.id}`);
    await page.reload();
    assert.equal(await page.locator('#quarantine').count(), 0);
    await watch.assertInert();
  } finally {
    await browser.close();
  }
});

// A merged-away issue's id leads to the issue it was merged into, as Sentry's GroupRedirect: the
// API's reads and the UI's issue page answer 302 to the target (alert links and bookmarks keep
// working; they were a 404 "issue 3 not found"), changes are a 404 naming the target, merges of
// merges stay one hop, deleting the target makes the ids a plain 404, and migration 0013 finds
// the merges made before the redirects existed. Real server, real SQLite file, real migrations.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loadMigrations, migrate } from '@flowrent/shared/db';
import { api, sendEvent } from './helpers/events.js';
import { startTracker, type TrackerTest } from './helpers/server.js';

const MIGRATIONS = new URL('../migrations/', import.meta.url).pathname;

let t: TrackerTest;
let cookie = '';
before(async () => {
  t = await startTracker();
  const res = await fetch(`${t.url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ key: t.config.API_KEY, next: '/' }).toString(),
    redirect: 'manual',
  });
  cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
});
after(async () => t.close());

async function newIssue(fn: string): Promise<number> {
  const eventId = await sendEvent(t, { fn });
  t.drain();
  return (await api<{ issue_id: number }>(t, 'GET', `/api/events/${eventId}`)).json.issue_id;
}

async function merge(target: number, ids: number[]): Promise<void> {
  const res = await api(t, 'POST', `/api/issues/${target}/merge`, { ids });
  assert.equal(res.status, 200, JSON.stringify(res.json));
}

/** Status and Location of a request not followed. */
async function raw(path: string, init: RequestInit = {}) {
  const res = await fetch(`${t.url}${path}`, { ...init, headers: { ...t.adminHeaders }, redirect: 'manual' });
  const text = await res.text();
  return { status: res.status, location: res.headers.get('location'), json: text ? JSON.parse(text) : null };
}

test('API reads of a merged-away issue are a 302 to the issue it was merged into; changes are a 404 naming it', async () => {
  const target = await newIssue('redirect_target');
  const source = await newIssue('redirect_source');
  await merge(target, [source]);
  for (const sub of ['', '/events?limit=1', '/history', '/tags/level']) {
    const res = await raw(`/api/issues/${source}${sub}`);
    assert.equal(res.status, 302, sub);
    assert.equal(res.location, `/api/issues/${target}${sub}`);
    assert.equal(res.json.error.details.merged_into, target);
  }
  const followed = await api<{ id: number }>(t, 'GET', `/api/issues/${source}`);
  assert.equal(followed.json.id, target, 'fetch follows it with the same key');
  for (const method of ['PATCH', 'DELETE']) {
    const res = await raw(`/api/issues/${source}`, { method, body: method === 'PATCH' ? '{}' : undefined });
    assert.equal(res.status, 404, method);
    assert.equal(res.json.error.message, `issue ${source} was merged into issue ${target}`);
    assert.equal(res.json.error.details.merged_into, target);
  }
  assert.equal((await api(t, 'GET', `/api/issues/${target}`)).status, 200, 'the target is untouched');
  const ui = await fetch(`${t.url}/issues/${source}?tab=events`, { headers: { cookie }, redirect: 'manual' });
  assert.equal(ui.status, 302);
  assert.equal(ui.headers.get('location'), `/issues/${target}?tab=events`);
});

test('a merge of the target moves its redirects on (one hop); deleting the target makes them 404', async () => {
  const first = await newIssue('hop_first');
  const second = await newIssue('hop_second');
  const last = await newIssue('hop_last');
  await merge(second, [first]);
  await merge(last, [second]);
  for (const id of [first, second]) {
    const res = await raw(`/api/issues/${id}`);
    assert.equal(res.location, `/api/issues/${last}`, `issue ${id}`);
  }
  assert.equal((await api(t, 'DELETE', `/api/issues/${last}`)).status, 204);
  for (const id of [first, second, last]) {
    const res = await raw(`/api/issues/${id}`);
    assert.equal(res.status, 404);
    // the deleted issue's own id names who deleted it (black-box 10 #66)
    const why = id === last ? `was deleted by api at ${new Date(t.clock.now).toISOString()}` : 'not found';
    assert.equal(res.json.error.message, `issue ${id} ${why}`);
  }
});

test('migration 0013 makes redirects for merges recorded before 0012', async () => {
  const target = await newIssue('before_target');
  const source = await newIssue('before_source');
  await merge(target, [source]);
  // what a version before 0012 left: the merge in the target's history only
  t.db.exec('DROP TABLE issue_redirects');
  t.db.exec('DROP TABLE issue_minutes'); // migration 0014's
  t.db.exec('DROP TABLE deleted_issues'); // migration 0015's
  t.db.prepare("UPDATE _meta SET value = '11' WHERE key = 'schema_version'").run();
  const latest = loadMigrations(MIGRATIONS).length;
  assert.deepEqual(migrate(t.db, loadMigrations(MIGRATIONS)), { from: 11, to: latest });
  const res = await raw(`/api/issues/${source}`);
  assert.equal(res.status, 302);
  assert.equal(res.location, `/api/issues/${target}`);
});

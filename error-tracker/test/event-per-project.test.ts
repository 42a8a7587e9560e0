// An event id is unique per project, as in Sentry: one event sent to two projects' DSNs with the
// same id (@sentry/core's multiplexed transport does so) is stored in each, and each can be read.
// GET /api/events/:id takes `project` (without it: the first stored), and the issue page's
// ?event= looks in the issue's project; project 2's copy was unreachable (black-box #4).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TEST_API_KEY } from '@flowrent/shared/testing';
import { api } from './helpers/events.js';
import { send, startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
let project2Key = '';
before(async () => {
  t = await startTracker();
  const res = await api<{ id: number; keys: { public_key: string }[] }>(t, 'POST', '/api/projects', {
    name: 'second',
  });
  assert.equal(res.status, 201);
  assert.equal(res.json.id, 2);
  project2Key = res.json.keys[0].public_key;
});
after(async () => t.close());

const ID = 'dededededededededededededede0001';

type EventJson = { project_id: number; issue_id: number; data: { message: string } };

test('the same event id in two projects: each is read with ?project=, the first without', async () => {
  for (const [projectId, key, message] of [
    [1, 'publickey', 'dup via store'],
    [2, project2Key, 'same id other project'],
  ] as const) {
    const res = await send(`${t.url}/api/${projectId}/store/?sentry_key=${key}`, {
      body: JSON.stringify({ event_id: ID, message }),
    });
    assert.equal(res.status, 200, res.body);
  }
  t.drain();
  const read = (query: string) => api<EventJson>(t, 'GET', `/api/events/${ID}${query}`);
  assert.equal((await read('')).json.data.message, 'dup via store');
  assert.equal((await read('?project=1')).json.data.message, 'dup via store');
  const second = await read('?project=2');
  assert.equal(second.status, 200);
  assert.equal(second.json.project_id, 2);
  assert.equal(second.json.data.message, 'same id other project');
  const missing = await read('?project=3');
  assert.equal(missing.status, 404);
  assert.equal((await read('?project=x')).status, 422);
  assert.equal((await read('?project=1&project=2')).status, 422);

  // the issue page of project 2's issue shows its own event when linked with ?event=
  const login = await fetch(`${t.url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ key: TEST_API_KEY, next: '/' }).toString(),
    redirect: 'manual',
  });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
  const page = await fetch(`${t.url}/issues/${second.json.issue_id}?event=${ID}`, {
    headers: { cookie, accept: 'text/html' },
  });
  assert.equal(page.status, 200);
  assert.match(await page.text(), /same id other project/);
});

// The UI's status forms refuse "resolve in next release" while the issue's project has no release,
// as PATCH /api/issues does (the button is not offered then; a hand-made form post used to resolve
// the issue plainly), and take the project's release once it has one, also for an issue whose own
// events carry none. Real server on 127.0.0.1 port 0, temp-file SQLite, signed-in session with its
// CSRF token, form posts as a browser sends them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TEST_API_KEY } from '@flowrent/shared/testing';
import { api, sendEvent } from './helpers/events.js';
import { send, startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
let cookie: string;
let csrf: string;
let noRelease: number;
let otherNoRelease: number;

before(async () => {
  t = await startTracker();
  await sendEvent(t, { fn: 'formA' });
  await sendEvent(t, { fn: 'formB' });
  t.drain();
  const list = await api<{ data: { id: number; title: string }[] }>(t, 'GET', '/api/issues');
  [noRelease, otherNoRelease] = list.json.data.map((i) => i.id);
  const login = await send(`${t.url}/login`, {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ key: TEST_API_KEY, next: '/' }).toString(),
  });
  cookie = String(login.headers['set-cookie']).split(';')[0];
  const page = await (await fetch(`${t.url}/issues/${noRelease}`, { headers: { cookie } })).text();
  csrf = /<meta name="csrf-token" content="([^"]+)"/.exec(page)![1];
});
after(async () => t.close());

const post = (path: string, form: Record<string, string>) =>
  send(`${t.url}${path}`, {
    headers: {
      cookie,
      origin: t.url,
      accept: 'text/html',
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ _csrf: csrf, ...form }).toString(),
  });
const statusOf = async (id: number) =>
  (await api<{ status: string }>(t, 'GET', `/api/issues/${id}`)).json.status;

const pageOf = async (id: number) => (await fetch(`${t.url}/issues/${id}`, { headers: { cookie } })).text();

test('in a project without releases a hand-made "next release" form post is a 422 page; nothing changes', async () => {
  assert.doesNotMatch(await pageOf(noRelease), /resolve_next_release/);
  const res = await post(`/issues/${noRelease}/status`, { action: 'resolve_next_release' });
  assert.equal(res.status, 422);
  assert.match(String(res.headers['content-type']), /text\/html/);
  assert.match(res.body, /project 1 has no release data to form a basis for &quot;next release&quot;/);
  assert.equal(await statusOf(noRelease), 'unresolved');
  const history = await api<{ data: unknown[] }>(t, 'GET', `/api/issues/${noRelease}/history`);
  assert.deepEqual(history.json.data, []);
  const bulk = await post('/issues/bulk-status', {
    action: 'resolve_next_release',
    [`issue_${noRelease}`]: 'on',
    [`issue_${otherNoRelease}`]: 'on',
    next: '/',
  });
  assert.equal(bulk.status, 422);
  assert.equal(await statusOf(noRelease), 'unresolved');
  assert.equal(await statusOf(otherNoRelease), 'unresolved');
});

test('once the project has a release the forms resolve issues without one in it, single and bulk', async () => {
  await sendEvent(t, { fn: 'formC', release: 'app@2.0.0' });
  t.drain();
  assert.match(await pageOf(noRelease), /data-action="resolve_next_release" title="after app@2.0.0"/);
  const res = await post(`/issues/${noRelease}/status`, { action: 'resolve_next_release' });
  assert.equal(res.status, 303);
  const issue = await api<{ status: string; resolved_in_release: string | null }>(
    t,
    'GET',
    `/api/issues/${noRelease}`,
  );
  assert.equal(issue.json.status, 'resolved');
  assert.equal(issue.json.resolved_in_release, 'app@2.0.0');
  const bulk = await post('/issues/bulk-status', {
    action: 'resolve_next_release',
    [`issue_${otherNoRelease}`]: 'on',
    next: '/',
  });
  assert.equal(bulk.status, 303);
  assert.equal(await statusOf(otherNoRelease), 'resolved');
});

// The UI's status forms refuse "resolve in next release" for an issue whose events carry no
// release, as PATCH /api/issues does (the button is not offered there; a hand-made form post used
// to resolve the issue plainly). Real server on 127.0.0.1 port 0, temp-file SQLite, signed-in
// session with its CSRF token, form posts as a browser sends them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TEST_API_KEY } from '@flowrent/shared/testing';
import { api, sendEvent } from './helpers/events.js';
import { send, startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
let cookie: string;
let csrf: string;
let noRelease: number;
let withRelease: number;

before(async () => {
  t = await startTracker();
  await sendEvent(t, { fn: 'formA' });
  await sendEvent(t, { fn: 'formB', release: 'app@2.0.0' });
  t.drain();
  const list = await api<{ data: { id: number; last_release: string | null }[] }>(t, 'GET', '/api/issues');
  noRelease = list.json.data.find((i) => i.last_release === null)!.id;
  withRelease = list.json.data.find((i) => i.last_release === 'app@2.0.0')!.id;
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

test('a hand-made form post resolving an issue without a release "in next release" is a 422 page; nothing changes', async () => {
  const res = await post(`/issues/${noRelease}/status`, { action: 'resolve_next_release' });
  assert.equal(res.status, 422);
  assert.match(String(res.headers['content-type']), /text\/html/);
  assert.match(res.body, /carry no release/);
  assert.equal(await statusOf(noRelease), 'unresolved');
  const history = await api<{ data: unknown[] }>(t, 'GET', `/api/issues/${noRelease}/history`);
  assert.deepEqual(history.json.data, []);
});

test('the bulk form likewise refuses it when one of the issues has no release, and changes none', async () => {
  const res = await post('/issues/bulk-status', {
    action: 'resolve_next_release',
    [`issue_${noRelease}`]: 'on',
    [`issue_${withRelease}`]: 'on',
    next: '/',
  });
  assert.equal(res.status, 422);
  assert.match(res.body, new RegExp(`issues ${noRelease} carry no release`));
  assert.equal(await statusOf(noRelease), 'unresolved');
  assert.equal(await statusOf(withRelease), 'unresolved');
});

test('with a release the form resolves in next release; a plain resolve needs none', async () => {
  const res = await post(`/issues/${withRelease}/status`, { action: 'resolve_next_release' });
  assert.equal(res.status, 303);
  const issue = await api<{ status: string; resolved_in_release: string | null }>(
    t,
    'GET',
    `/api/issues/${withRelease}`,
  );
  assert.equal(issue.json.status, 'resolved');
  assert.equal(issue.json.resolved_in_release, 'app@2.0.0');
  assert.equal((await post(`/issues/${noRelease}/status`, { action: 'resolve' })).status, 303);
  assert.equal(await statusOf(noRelease), 'resolved');
});

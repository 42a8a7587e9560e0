// "Ignored until a time" reads as unresolved once that time has passed, without waiting for a
// maintenance pass: the API's list, issue and history and the UI's list and issue page, over the
// real server (127.0.0.1 port 0, temp-file SQLite) with its clock set by the test (no sleeps; the
// background loops are off, so no maintenance pass runs).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TEST_API_KEY } from '@flowrent/shared/testing';
import { api, sendEvent } from './helpers/events.js';
import { send, startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
let cookie: string;
before(async () => {
  t = await startTracker();
  const login = await send(`${t.url}/login`, {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ key: TEST_API_KEY, next: '/' }).toString(),
  });
  cookie = String(login.headers['set-cookie']).split(';')[0];
});
after(async () => t.close());

type ApiIssue = { id: number; status: string };
const ids = async (query: string) =>
  (await api<{ data: ApiIssue[] }>(t, 'GET', `/api/issues?query=${encodeURIComponent(query)}`)).json.data.map(
    (i) => i.id,
  );

test('an issue ignored until a time is unresolved in the API from that time on, recorded at that time', async () => {
  await sendEvent(t, { fn: 'until_time_a' });
  await sendEvent(t, { fn: 'until_time_b' });
  t.drain();
  const [a, b] = (await api<{ data: ApiIssue[] }>(t, 'GET', '/api/issues')).json.data.map((i) => i.id).sort();
  const until = t.clock.now + 3_600_000;
  for (const id of [a, b]) {
    const res = await api<ApiIssue>(t, 'PATCH', `/api/issues/${id}`, {
      status: 'ignored',
      ignore: { until_time: new Date(until).toISOString() },
    });
    assert.equal(res.json.status, 'ignored');
  }
  t.clock.now = until - 1;
  assert.deepEqual((await ids('is:ignored')).sort(), [a, b]);
  assert.deepEqual(await ids('is:unresolved'), []);

  t.clock.now = until; // the time has come; no event, no maintenance pass
  assert.equal((await api<ApiIssue>(t, 'GET', `/api/issues/${a}`)).json.status, 'unresolved');
  assert.deepEqual((await ids('is:unresolved')).sort(), [a, b]);
  assert.deepEqual(await ids('is:ignored'), []);
  const history = await api<{
    data: { from_status: string; to_status: string; actor: string; at: string }[];
  }>(t, 'GET', `/api/issues/${b}/history`);
  const last = history.json.data.at(-1)!;
  assert.equal(last.actor, 'system');
  assert.equal(last.to_status, 'unresolved');
  assert.equal(last.at, new Date(until).toISOString(), 'recorded at the ignore time');
  // nothing left for the maintenance pass to reopen
  assert.deepEqual((await t.app.errorTracker.maintenance.runOnce()).reopened, []);
});

test("the UI's issue page and list show it unresolved from that time on", async () => {
  await sendEvent(t, { fn: 'until_time_ui' });
  t.drain();
  const list = (
    await api<{ data: (ApiIssue & { title: string; culprit: string })[] }>(t, 'GET', '/api/issues')
  ).json.data;
  const id = list.find(
    (i) => i.status === 'unresolved' && /until_time_ui/.test(`${i.title} ${i.culprit}`),
  )!.id;
  const until = t.clock.now + 60_000;
  await api(t, 'PATCH', `/api/issues/${id}`, {
    status: 'ignored',
    ignore: { until_time: new Date(until).toISOString() },
  });
  const ignoredTab = async () =>
    await (await fetch(`${t.url}/?status=ignored`, { headers: { cookie } })).text();
  assert.match(await ignoredTab(), new RegExp(`/issues/${id}"`));
  t.clock.now = until + 1;
  assert.doesNotMatch(await ignoredTab(), new RegExp(`/issues/${id}"`));
  const page = await (await fetch(`${t.url}/issues/${id}`, { headers: { cookie } })).text();
  assert.match(page, /data-action="ignore/, 'the ignore buttons of an unresolved issue are offered');
});

// Issue workflow over the API: resolve, regressions, resolved in next release, ignore variants,
// bulk changes, merge, delete, and the status history.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api, sendEvent } from './helpers/events.js';
import { startTracker, type TrackerTest } from './helpers/server.js';

interface ApiIssue {
  id: number;
  status: string;
  is_regressed: boolean;
  event_count: number;
  user_count: number;
  first_seen: string;
  resolved_in_release: string | null;
  status_changes?: {
    from_status: string;
    to_status: string;
    actor: string;
    details: Record<string, unknown>;
  }[];
}

let t: TrackerTest;
before(async () => {
  t = await startTracker();
});
after(async () => t.close());

async function newIssue(fn: string, spec: Parameters<typeof sendEvent>[1] = {}): Promise<number> {
  const id = await sendEvent(t, { fn, ...spec });
  t.drain();
  const ev = await api<{ issue_id: number }>(t, 'GET', `/api/events/${id}`);
  return ev.json.issue_id;
}
const issue = async (id: number) => (await api<ApiIssue>(t, 'GET', `/api/issues/${id}`)).json;
const patch = (id: number, body: object) => api<ApiIssue>(t, 'PATCH', `/api/issues/${id}`, body);

test('a new event on a resolved issue reopens it as a regression, recorded with who and when', async () => {
  const id = await newIssue('resolve_me');
  const r = await fetch(`${t.url}/api/issues/${id}`, {
    method: 'PATCH',
    headers: { ...t.adminHeaders, 'content-type': 'application/json', 'x-actor': 'jane' },
    body: JSON.stringify({ status: 'resolved' }),
  });
  assert.equal(((await r.json()) as ApiIssue).status, 'resolved');
  await sendEvent(t, { fn: 'resolve_me' });
  t.drain();
  const after = await issue(id);
  assert.equal(after.status, 'unresolved');
  assert.equal(after.is_regressed, true);
  const history = after.status_changes ?? [];
  assert.deepEqual(
    history.map((h) => [h.from_status, h.to_status, h.actor]),
    [
      ['unresolved', 'resolved', 'jane'],
      ['resolved', 'unresolved', 'system'],
    ],
  );
  const list = await api<{ data: ApiIssue[] }>(t, 'GET', '/api/issues?query=is:regressed');
  assert.ok(list.json.data.some((i) => i.id === id));
});

test('resolved in next release: the old release does not reopen, a newer one does', async () => {
  const id = await newIssue('next_release', { release: 'app@1.0' });
  const res = await patch(id, { status: 'resolved', in_next_release: true });
  assert.equal(res.json.resolved_in_release, 'app@1.0');
  await sendEvent(t, { fn: 'next_release', release: 'app@1.0' });
  t.drain();
  assert.equal((await issue(id)).status, 'resolved');
  assert.equal((await issue(id)).event_count, 2, 'the event is still counted');
  t.clock.now += 1000;
  await sendEvent(t, { fn: 'next_release', release: 'app@1.1' });
  t.drain();
  const after = await issue(id);
  assert.equal(after.status, 'unresolved');
  assert.equal(after.is_regressed, true);
});

test('ignore until N more events, until N users, until a time, and forever', async () => {
  const byEvents = await newIssue('ign_events');
  await patch(byEvents, { status: 'ignored', ignore: { until_events: 2 } });
  await sendEvent(t, { fn: 'ign_events' });
  t.drain();
  assert.equal((await issue(byEvents)).status, 'ignored');
  await sendEvent(t, { fn: 'ign_events' });
  t.drain();
  assert.equal((await issue(byEvents)).status, 'unresolved');
  assert.equal((await issue(byEvents)).is_regressed, false);

  const byUsers = await newIssue('ign_users', { user: 'u0' });
  await patch(byUsers, { status: 'ignored', ignore: { until_users: 2 } });
  await sendEvent(t, { fn: 'ign_users', user: 'u0' });
  await sendEvent(t, { fn: 'ign_users', user: 'u1' });
  t.drain();
  assert.equal((await issue(byUsers)).status, 'ignored');
  await sendEvent(t, { fn: 'ign_users', user: 'u2' });
  t.drain();
  assert.equal((await issue(byUsers)).status, 'unresolved');

  const byTime = await newIssue('ign_time');
  const until = new Date(t.clock.now + 3_600_000).toISOString();
  await patch(byTime, { status: 'ignored', ignore: { until_time: until } });
  await t.app.errorTracker.maintenance.runOnce();
  assert.equal((await issue(byTime)).status, 'ignored');
  t.clock.now += 3_600_001;
  await t.app.errorTracker.maintenance.runOnce();
  assert.equal((await issue(byTime)).status, 'unresolved');

  const forever = await newIssue('ign_forever');
  await patch(forever, { status: 'ignored' });
  for (let i = 0; i < 3; i++) await sendEvent(t, { fn: 'ign_forever', user: `x${i}` });
  t.drain();
  assert.equal((await issue(forever)).status, 'ignored');
});

test('bulk status change, merge and delete', async () => {
  const a = await newIssue('bulk_a', { user: 'ua', tags: { tenant: 'acme' } });
  const b = await newIssue('bulk_b', { user: 'ub', tags: { tenant: 'beta' } });
  const c = await newIssue('bulk_c');
  const bulk = await api<{ data: ApiIssue[] }>(t, 'PATCH', '/api/issues', {
    ids: [a, b],
    status: 'resolved',
  });
  assert.deepEqual(
    bulk.json.data.map((i) => i.status),
    ['resolved', 'resolved'],
  );
  const merged = await api<ApiIssue>(t, 'POST', `/api/issues/${a}/merge`, { ids: [b] });
  assert.equal(merged.json.event_count, 2);
  assert.equal(merged.json.user_count, 2);
  // the merged-away id leads to the target (test/merge-redirect.test.ts)
  assert.equal((await api<ApiIssue>(t, 'GET', `/api/issues/${b}`)).json.id, a);
  const tags = await api<{ data: { value: string; count: number }[] }>(
    t,
    'GET',
    `/api/issues/${a}/tags/tenant`,
  );
  assert.deepEqual(tags.json.data.map((v) => v.value).sort(), ['acme', 'beta']);
  // an event of the merged-away grouping now lands on the target
  await sendEvent(t, { fn: 'bulk_b' });
  t.drain();
  assert.equal((await issue(a)).event_count, 3);
  const del = await api(t, 'DELETE', `/api/issues/${c}`);
  assert.equal(del.status, 204);
  assert.equal((await api(t, 'GET', `/api/issues/${c}`)).status, 404);
  assert.equal((await api(t, 'DELETE', `/api/issues/${c}`)).status, 404);
});

test('an unknown key (in ignore, or beside status) is a 400 naming it, single and bulk; nothing changes', async () => {
  const id = await newIssue('typo');
  const bodies: [string, object, string][] = [
    [`/api/issues/${id}`, { status: 'ignored', ignore: { until_evnts: 5 } }, 'ignore.until_evnts'],
    [`/api/issues/${id}`, { status: 'resolved', in_next_relase: true }, 'in_next_relase'],
    [
      '/api/issues',
      { ids: [id], status: 'ignored', ignore: { until_users: 2, forever: true } },
      'ignore.forever',
    ],
  ];
  for (const [path, body, key] of bodies) {
    const res = await api<{ error: { code: string; message: string; details: { key: string } } }>(
      t,
      'PATCH',
      path,
      body,
    );
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.json.error.details.key, key);
    assert.ok(res.json.error.message.includes(key), res.json.error.message);
  }
  assert.equal((await issue(id)).status, 'unresolved');
  assert.equal((await patch(id, { status: 'ignored', ignore: { until_events: 5 } })).status, 200);
});

test('invalid workflow requests are 422', async () => {
  const id = await newIssue('invalid');
  assert.equal((await patch(id, { status: 'open' })).status, 422);
  assert.equal((await patch(id, { status: 'ignored', ignore: { until_events: -1 } })).status, 422);
  assert.equal((await api(t, 'PATCH', '/api/issues', { ids: [], status: 'resolved' })).status, 422);
});

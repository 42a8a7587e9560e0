// "Resolve in next release" needs a release in the issue's project, not on the issue's own events,
// as Sentry (a project with none: "No release data present in the system to form a basis for 'Next
// Release'"). Real server on 127.0.0.1 port 0, temp-file SQLite, events over the envelope endpoint.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api, type EventSpec, sendEvent } from './helpers/events.js';
import { startTracker, type TrackerTest } from './helpers/server.js';

type IssueJson = { id: number; status: string; is_regressed: boolean; resolved_in_release: string | null };
type ErrorJson = { error: { message: string } };

let t: TrackerTest;
let other: { id: number; key: string };
let bare: { id: number; key: string };

async function newProject(name: string): Promise<{ id: number; key: string }> {
  const res = await api<{ id: number; keys: { public_key: string }[] }>(t, 'POST', '/api/projects', { name });
  assert.equal(res.status, 201, JSON.stringify(res.json));
  return { id: res.json.id, key: res.json.keys[0].public_key };
}

async function issueOf(spec: EventSpec): Promise<number> {
  await sendEvent(t, spec);
  t.drain();
  const list = await api<{ data: IssueJson[] }>(t, 'GET', `/api/issues?query=${spec.fn}`);
  assert.equal(list.json.data.length, 1);
  return list.json.data[0].id;
}

const issue = async (id: number) => (await api<IssueJson>(t, 'GET', `/api/issues/${id}`)).json;

before(async () => {
  t = await startTracker();
  other = await newProject('other');
  bare = await newProject('bare');
  // the default project's releases: 1.2.0 is its greatest version
  await sendEvent(t, { fn: 'deploy_old', release: 'app@1.1.0' });
  await sendEvent(t, { fn: 'deploy_new', release: 'app@1.2.0' });
  await sendEvent(t, { fn: 'deploy_other', release: 'web@5.0.0', projectId: other.id, key: other.key });
  t.drain();
});
after(() => t.close());

test("PATCH resolves an issue whose events carry no release in its project's latest release", async () => {
  const id = await issueOf({ fn: 'no_release_single' });
  const res = await api<IssueJson>(t, 'PATCH', `/api/issues/${id}`, {
    status: 'resolved',
    in_next_release: true,
  });
  assert.equal(res.status, 200, JSON.stringify(res.json));
  assert.equal(res.json.resolved_in_release, 'app@1.2.0');
  // an event without a release, or from the pinned release, is no regression; a newer one is
  await sendEvent(t, { fn: 'no_release_single' });
  await sendEvent(t, { fn: 'no_release_single', release: 'app@1.2.0' });
  t.drain();
  assert.equal((await issue(id)).status, 'resolved');
  await sendEvent(t, { fn: 'no_release_single', release: 'app@1.3.0' });
  t.drain();
  const reopened = await issue(id);
  assert.equal(reopened.status, 'unresolved');
  assert.equal(reopened.is_regressed, true);
});

test("a bulk change across two projects pins each issue to its own project's release", async () => {
  // the first test's regression made app@1.3.0 the default project's latest release
  const mine = await issueOf({ fn: 'bulk_mine', release: 'app@1.1.0' });
  const theirs = await issueOf({ fn: 'bulk_theirs', projectId: other.id, key: other.key });
  const res = await api<{ data: IssueJson[] }>(t, 'PATCH', '/api/issues', {
    ids: [mine, theirs],
    status: 'resolved',
    in_next_release: true,
  });
  assert.equal(res.status, 200, JSON.stringify(res.json));
  assert.deepEqual(
    res.json.data.map((i) => [i.id, i.status, i.resolved_in_release]),
    [
      [mine, 'resolved', 'app@1.3.0'],
      [theirs, 'resolved', 'web@5.0.0'],
    ],
  );
  // the old release does not reopen it, a newer one does
  await sendEvent(t, { fn: 'bulk_mine', release: 'app@1.1.0' });
  await sendEvent(t, { fn: 'bulk_theirs', release: 'web@5.0.0', projectId: other.id, key: other.key });
  t.drain();
  assert.equal((await issue(mine)).status, 'resolved');
  assert.equal((await issue(theirs)).status, 'resolved');
  await sendEvent(t, { fn: 'bulk_theirs', release: 'web@5.0.1', projectId: other.id, key: other.key });
  t.drain();
  assert.equal((await issue(theirs)).status, 'unresolved');
  assert.equal((await issue(theirs)).is_regressed, true);
  assert.equal((await issue(mine)).status, 'resolved');
});

test('a project without releases is a 422 naming it, for PATCH and bulk, and nothing changes', async () => {
  const lone = await issueOf({ fn: 'bare_project', projectId: bare.id, key: bare.key });
  const withRelease = await issueOf({ fn: 'bare_neighbour', release: 'app@1.2.0' });
  const single = await api<ErrorJson>(t, 'PATCH', `/api/issues/${lone}`, {
    status: 'resolved',
    in_next_release: true,
  });
  assert.equal(single.status, 422);
  assert.equal(
    single.json.error.message,
    `project ${bare.id} has no release data to form a basis for "next release" (no event carried a release): resolve without it`,
  );
  const bulk = await api<ErrorJson>(t, 'PATCH', '/api/issues', {
    ids: [withRelease, lone],
    status: 'resolved',
    in_next_release: true,
  });
  assert.equal(bulk.status, 422);
  assert.match(bulk.json.error.message, new RegExp(`^project ${bare.id} has no release data`));
  for (const id of [lone, withRelease]) {
    assert.equal((await issue(id)).status, 'unresolved');
    assert.deepEqual((await api<{ data: unknown[] }>(t, 'GET', `/api/issues/${id}/history`)).json.data, []);
  }
  // a plain resolve needs no release
  const plain = await api<IssueJson>(t, 'PATCH', `/api/issues/${lone}`, { status: 'resolved' });
  assert.equal(plain.json.status, 'resolved');
});

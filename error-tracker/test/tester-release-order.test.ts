// "Resolve in next release" orders releases as Sentry does: by version when both releases are
// versions (package@version or bare), else by first-seen time (black-box report, 26 Nov 2026: an
// older version first seen after the resolution reopened the issue).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api, sendEvent } from './helpers/events.js';
import { startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
before(async () => {
  t = await startTracker();
});
after(async () => t.close());

type ApiIssue = { id: number; status: string; is_regressed: boolean; resolved_in_release: string | null };
const issue = async (id: number) => (await api<ApiIssue>(t, 'GET', `/api/issues/${id}`)).json;

async function resolvedInNextRelease(fn: string, release: string): Promise<number> {
  // the project's newest release, which "next release" pins since resolve-next-release.test.ts
  t.clock.now += 60_000;
  await sendEvent(t, { fn, release });
  t.drain();
  const list = await api<{ data: { id: number; culprit: string }[] }>(t, 'GET', '/api/issues?limit=100');
  const id = list.json.data.find((i) => i.culprit.includes(fn))?.id;
  assert.ok(id, fn);
  const res = await api<ApiIssue>(t, 'PATCH', `/api/issues/${id}`, {
    status: 'resolved',
    in_next_release: true,
  });
  assert.equal(res.json.resolved_in_release, release);
  return id;
}

async function eventFrom(fn: string, release: string): Promise<void> {
  t.clock.now += 60_000; // each release is first seen later than the one before
  await sendEvent(t, { fn, release });
  t.drain();
}

test('an older version first seen after the resolution does not reopen; a newer version does', async () => {
  const id = await resolvedInNextRelease('semver_order', 'r2@2.0.0');
  for (const older of ['r2@1.0.0', 'r2@2.0.0-rc.1', '1.9.9']) await eventFrom('semver_order', older);
  assert.equal((await issue(id)).status, 'resolved');
  await eventFrom('semver_order', 'r2@2.0.1-rc.1');
  const reopened = await issue(id);
  assert.equal(reopened.status, 'unresolved');
  assert.equal(reopened.is_regressed, true);
});

test('releases that are not both versions are ordered by first-seen time', async () => {
  const id = await resolvedInNextRelease('time_order', 'build-7f3a');
  await eventFrom('time_order', 'build-7f3a');
  assert.equal((await issue(id)).status, 'resolved');
  await eventFrom('time_order', 'r9@0.0.1'); // first seen later: newer, whatever its version
  assert.equal((await issue(id)).status, 'unresolved');
});

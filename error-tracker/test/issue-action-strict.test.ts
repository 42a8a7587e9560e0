// Issue status changes refuse what they used to drop quietly (black-box #10 e, h, i): a key of
// another status, an ignore until a time already past, and a search with two different is: statuses;
// "resolve in next release" follows the project's releases, not the issue's.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Issue } from '../src/model.js';
import { raw } from '../src/ui/html.js';
import { renderStatusActions } from '../src/ui/issue-actions.js';
import { api, sendEvent } from './helpers/events.js';
import { startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
let noRelease: number;
let withRelease: number;
before(async () => {
  t = await startTracker();
  await sendEvent(t, { fn: 'strictA' });
  await sendEvent(t, { fn: 'strictB', release: 'app@1.0.0' });
  t.drain();
  const list = await api<{ data: { id: number; last_release: string | null }[] }>(t, 'GET', '/api/issues');
  noRelease = list.json.data.find((i) => i.last_release === null)!.id;
  withRelease = list.json.data.find((i) => i.last_release === 'app@1.0.0')!.id;
});
after(async () => t.close());

const PAST = () => new Date(t.clock.now - 60_000).toISOString();

test('PATCH: keys of another status and a past until_time are 422s naming them; the issue is unchanged', async () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ status: 'resolved', ignore: { until_events: 3 } }, 'ignore applies only'],
    [{ status: 'unresolved', in_next_release: true }, 'in_next_release applies only'],
    [{ status: 'ignored', in_next_release: false }, 'in_next_release applies only'],
    [{ status: 'ignored', ignore: { until_time: PAST() } }, 'until_time must be in the future'],
  ];
  for (const [body, text] of cases) {
    const res = await api<{ error: { message: string } }>(t, 'PATCH', `/api/issues/${withRelease}`, body);
    assert.equal(res.status, 422, JSON.stringify(body));
    assert.match(res.json.error.message, new RegExp(text));
  }
  const bulk = await api(t, 'PATCH', '/api/issues', { ids: [withRelease], status: 'resolved', ignore: {} });
  assert.equal(bulk.status, 422);
  const issue = await api<{ status: string }>(t, 'GET', `/api/issues/${withRelease}`);
  assert.equal(issue.json.status, 'unresolved');
  const future = new Date(t.clock.now + 3_600_000).toISOString();
  const ok = await api<{ status: string }>(t, 'PATCH', `/api/issues/${withRelease}`, {
    status: 'ignored',
    ignore: { until_time: future },
  });
  assert.equal(ok.json.status, 'ignored');
  await api(t, 'PATCH', `/api/issues/${withRelease}`, { status: 'unresolved' });
});

test("resolve in next release on an issue without a release of its own takes the project's; UI button likewise", async () => {
  const buttons = (nextRelease: string | null) =>
    String(
      renderStatusActions({ id: 1, status: 'unresolved', lastRelease: null } as Issue, raw(''), nextRelease),
    );
  assert.doesNotMatch(buttons(null), /resolve_next_release/);
  assert.match(buttons('app@1.0.0'), /resolve_next_release/);
  // the bulk PATCH: both issues in the project's release (the projects without one: resolve-next-release-project.test.ts)
  const bulk = await api<{ data: { status: string; resolved_in_release: string | null }[] }>(
    t,
    'PATCH',
    '/api/issues',
    { ids: [withRelease, noRelease], status: 'resolved', in_next_release: true },
  );
  assert.equal(bulk.status, 200, JSON.stringify(bulk.json));
  assert.deepEqual(
    bulk.json.data.map((i) => [i.status, i.resolved_in_release]),
    [
      ['resolved', 'app@1.0.0'],
      ['resolved', 'app@1.0.0'],
    ],
  );
  for (const id of [withRelease, noRelease])
    await api(t, 'PATCH', `/api/issues/${id}`, { status: 'unresolved' });
});

test('search: two different is: statuses are a 422; the same one twice is fine', async () => {
  const both = await api<{ error: { message: string } }>(
    t,
    'GET',
    '/api/issues?query=is%3Aunresolved%20is%3Aignored',
  );
  assert.equal(both.status, 422);
  assert.match(both.json.error.message, /one status/);
  const twice = await api(t, 'GET', '/api/issues?query=is%3Aresolved%20is%3Aresolved');
  assert.equal(twice.status, 200);
});

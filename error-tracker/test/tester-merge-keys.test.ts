// POST /api/issues/:id/merge refuses keys it does not know, as PATCH does (black-box report, 26 Nov
// 2026: {"ids":[2],"dry_run":true} merged, while PATCH answered 400 for a misspelt key).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api, sendEvent } from './helpers/events.js';
import { startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
before(async () => {
  t = await startTracker();
});
after(async () => t.close());

test('merge with an unknown key is a 400 naming it and merges nothing; PATCH answers the same', async () => {
  await sendEvent(t, { fn: 'merge_target' });
  await sendEvent(t, { fn: 'merge_source' });
  t.drain();
  const list = await api<{ data: { id: number }[] }>(t, 'GET', '/api/issues?limit=100');
  const [a, b] = list.json.data.map((i) => i.id);
  type ErrorBody = { error: { code: string; message: string; details: { key: string } } };
  for (const [method, path, body] of [
    ['POST', `/api/issues/${a}/merge`, { ids: [b], dry_run: true }],
    ['PATCH', `/api/issues/${a}`, { status: 'resolved', dry_run: true }],
  ] as const) {
    const res = await api<ErrorBody>(t, method, path, body);
    assert.equal(res.status, 400, `${method} ${path}`);
    assert.equal(res.json.error.code, 'bad_request');
    assert.equal(res.json.error.details.key, 'dry_run');
    assert.match(res.json.error.message, /unknown key dry_run/);
  }
  assert.equal((await api(t, 'GET', `/api/issues/${b}`)).status, 200, 'the source was not merged');
  assert.equal((await api(t, 'POST', `/api/issues/${a}/merge`, { ids: [b] })).status, 200);
  // the merged-away id leads to the target (test/merge-redirect.test.ts)
  assert.equal((await api<{ id: number }>(t, 'GET', `/api/issues/${b}`)).json.id, a);
});

// A session update with a blank release, an unparsable `started` and an unknown status was counted,
// as release "  " (black-box 10 #16). Relay validates an update before counting it: the release is
// required and not blank, `started` is a timestamp, the status one of its five. Over real HTTP on a
// temp-file database: such updates make no releases row; those with a release are counted `invalid`.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api } from './helpers/events.js';
import { send, startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
before(async () => {
  t = await startTracker();
});
after(async () => t.close());

const session = (fields: object) =>
  `{}\n{"type":"session"}\n${JSON.stringify({
    sid: '7'.repeat(32),
    init: true,
    started: '2026-11-25T19:59:00Z',
    status: 'ok',
    attrs: { release: 'valid@1' },
    ...fields,
  })}\n`;

async function post(body: string): Promise<void> {
  const res = await send(`${t.url}/api/1/envelope/?sentry_key=publickey`, { body });
  assert.equal(res.status, 200, res.body);
}

test('updates Relay refuses are not counted in release health; those with a release count as invalid', async () => {
  await post(session({ started: 'garbage', status: 'weird', attrs: { release: '  ' } }));
  await post(session({ attrs: { release: '  ' } }));
  await post(session({ sid: '1'.repeat(32), started: 'garbage', attrs: { release: 'bad-started@1' } }));
  await post(session({ sid: '2'.repeat(32), status: 'weird', attrs: { release: 'bad-status@1' } }));
  await post(session({ sid: '3'.repeat(32), started: undefined, attrs: { release: 'no-started@1' } }));
  await post(session({ sid: '4'.repeat(32), attrs: { release: ' trimmed@1 ', environment: ' staging ' } }));
  await post(session({ sid: '5'.repeat(32), status: 'crashed' }));
  t.drain();
  const releases = await api<{
    data: { release: string; environment: string; sessions: number; crashed: number }[];
  }>(t, 'GET', '/api/projects/1/releases');
  assert.deepEqual(releases.json.data.map((r) => [r.release, r.environment, r.sessions, r.crashed]).sort(), [
    ['trimmed@1', 'staging', 1, 0],
    ['valid@1', 'production', 1, 1],
  ]);
  const counts = await api<{ data: { type: string; count: number }[] }>(
    t,
    'GET',
    '/api/projects/1/item-counts',
  );
  const count = (type: string) => counts.json.data.find((c) => c.type === type)?.count;
  assert.equal(count('invalid'), 3, JSON.stringify(counts.json));
});

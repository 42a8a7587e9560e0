// user.email:, user.username: and user.ip: find an issue when any user of its events had that value,
// as Sentry searches each field; they used to match the `user` tag, which holds only the first of
// id, email, username and IP, so a user sent with an id was found by neither. Real server on
// 127.0.0.1 port 0, temp-file SQLite, users set by the Debian sentry-python SDK; a database from
// before issue_user_values is filled by the maintenance pass.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { api, nextEventId, sentryEvent } from './helpers/events.js';
import { send, startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
before(async () => {
  t = await startTracker();
});
after(() => t.close());

const SDK = `
import json, sys, sentry_sdk
sentry_sdk.init(dsn=sys.argv[1], default_integrations=False)
for fn, user in json.loads(sys.argv[2]):
    sentry_sdk.set_user(user)
    try:
        exec("def %s():\\n    raise ValueError('user search')\\n%s()" % (fn, fn))
    except ValueError:
        sentry_sdk.capture_exception()
sentry_sdk.flush(5)
`;

/** Each [function name, user]: one error raised in that function with that user set. */
async function sdkErrors(errors: [string, Record<string, string>][]): Promise<void> {
  const dsn = `http://publickey@127.0.0.1:${new URL(t.url).port}/1`;
  await new Promise<void>((resolve, reject) =>
    execFile(
      '/usr/bin/python3',
      ['-c', SDK, dsn, JSON.stringify(errors)],
      { timeout: 30_000 },
      (err, _o, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve()),
    ),
  );
  t.drain();
}

type IssueJson = { id: number; culprit: string };
const found = async (query: string): Promise<string[]> => {
  const res = await api<{ data: IssueJson[] }>(t, 'GET', `/api/issues?query=${encodeURIComponent(query)}`);
  assert.equal(res.status, 200, JSON.stringify(res.json));
  return res.json.data.map((i) => i.culprit.replace(/^.* in /, '')).sort();
};

test('users sent with an id are found by email, username and IP address; user.id: still works', async () => {
  await sdkErrors([
    ['checkout', { id: 'u-1', email: 'ann@shop.example', username: 'ann', ip_address: '10.1.1.1' }],
    ['checkout', { id: 'u-2', email: 'bob@shop.example', username: 'bob', ip_address: '10.1.1.2' }],
    ['refund', { id: 'u-3', email: 'cat@shop.example', ip_address: '10.1.1.3' }],
    ['login', { email: 'dan@shop.example', username: 'dan' }],
  ]);
  assert.deepEqual(await found('user.email:bob@shop.example'), ['checkout']);
  assert.deepEqual(await found('user.username:ann'), ['checkout']);
  assert.deepEqual(await found('user.ip:10.1.1.3'), ['refund']);
  assert.deepEqual(await found('user.email:dan@shop.example'), ['login'], 'a user without an id too');
  assert.deepEqual(await found('user.email:[cat@shop.example, dan@shop.example]'), ['login', 'refund']);
  assert.deepEqual(await found('user.email:*@shop.example'), ['checkout', 'login', 'refund']);
  assert.deepEqual(await found('!user.username:ann'), ['login', 'refund']);
  assert.deepEqual(await found('user.username:""'), ['refund'], 'no user of it had a username');
  assert.deepEqual(await found('user.id:u-2'), ['checkout']);
  assert.deepEqual(await found('user.id:u-3 user.ip:10.1.1.3'), ['refund']);
  assert.deepEqual(await found('user.email:nobody@shop.example'), []);
  // has: asks the same fields (it asked for a tag named "user.email", which never exists)
  assert.deepEqual(await found('has:user.username'), ['checkout', 'login']);
  assert.deepEqual(await found('!has:user.username'), ['refund']);
  assert.deepEqual(await found('has:user.ip'), ['checkout', 'refund']);
  assert.deepEqual(await found('!has:user.id'), ['login']);
});

test("a merge keeps the source issue users' values on the target", async () => {
  await sdkErrors([
    ['merge_a', { id: 'm-1', email: 'eve@shop.example' }],
    ['merge_b', { id: 'm-2', email: 'fay@shop.example' }],
  ]);
  const list = await api<{ data: IssueJson[] }>(t, 'GET', '/api/issues?query=user.email%3A*%40shop.example');
  const id = (fn: string) => list.json.data.find((i) => i.culprit.endsWith(fn))!.id;
  const res = await api(t, 'POST', `/api/issues/${id('merge_a')}/merge`, { ids: [id('merge_b')] });
  assert.equal(res.status, 200, JSON.stringify(res.json));
  assert.deepEqual(await found('user.email:fay@shop.example'), ['merge_a']);
});

test('events stored before issue_user_values existed are filled in by the maintenance pass', async () => {
  // an event's facts as an older version made them (no user values), and a database just migrated
  const eventId = nextEventId();
  const body = `${JSON.stringify({ event_id: eventId })}\n{"type":"event"}\n${JSON.stringify({
    ...sentryEvent({ fn: 'older_stored' }),
    user: { id: 'o-1', email: 'old@shop.example', ip_address: '10.9.9.9' },
  })}\n`;
  assert.equal((await send(`${t.url}/api/1/envelope/?sentry_key=publickey`, { body })).status, 200);
  t.drain();
  t.db.exec("DELETE FROM issue_user_values; DELETE FROM _meta WHERE key LIKE 'issue_user_values%'");
  assert.deepEqual(await found('user.email:old@shop.example'), []);
  await t.app.errorTracker.maintenance.runOnce();
  assert.deepEqual(await found('user.email:old@shop.example'), ['older_stored']);
  assert.deepEqual(await found('user.ip:10.9.9.9'), ['older_stored']);
  assert.deepEqual(await found('user.email:bob@shop.example'), ['checkout'], 'every stored event');
  const meta = t.db.prepare("SELECT key, value FROM _meta WHERE key LIKE 'issue_user_values%'").all();
  assert.deepEqual(meta, [{ key: 'issue_user_values_filled', value: '1' }]);
});

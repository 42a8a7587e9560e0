// user.ip_address "{{auto}}" (what browser SDKs send) is the client's address: the socket's peer by
// default, the X-Forwarded-For client when TRUST_PROXY names the reverse proxy in front.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { api } from './helpers/events.js';
import { send, startTracker, type TrackerTest } from './helpers/server.js';

const started: TrackerTest[] = [];
after(async () => {
  for (const t of started) await t.close();
});

async function userTagOf(env: Record<string, string>): Promise<string[]> {
  const t = await startTracker(env);
  started.push(t);
  const res = await send(`${t.url}/api/1/store/`, {
    headers: {
      'x-sentry-auth': 'Sentry sentry_key=publickey, sentry_version=7',
      'content-type': 'application/json',
      'x-forwarded-for': '203.0.113.9, 10.0.0.2',
    },
    body: JSON.stringify({ message: 'user kinds probe', user: { ip_address: '{{auto}}' } }),
  });
  assert.equal(res.status, 200, res.body);
  t.drain();
  const list = (await api<{ data: { id: number }[] }>(t, 'GET', '/api/issues')).json.data;
  const values = (await api<{ data: { value: string }[] }>(t, 'GET', `/api/issues/${list[0].id}/tags/user`))
    .json;
  return values.data.map((v) => v.value);
}

test('{{auto}} is the peer address unless TRUST_PROXY trusts the proxy that sent X-Forwarded-For', async () => {
  assert.deepEqual(await userTagOf({}), ['ip:127.0.0.1']);
  assert.deepEqual(await userTagOf({ TRUST_PROXY: 'true' }), ['ip:203.0.113.9']);
  assert.deepEqual(await userTagOf({ TRUST_PROXY: '127.0.0.1,10.0.0.0/8' }), ['ip:203.0.113.9']);
  assert.deepEqual(
    await userTagOf({ TRUST_PROXY: '192.0.2.1' }),
    ['ip:127.0.0.1'],
    'another proxy: not trusted',
  );
});

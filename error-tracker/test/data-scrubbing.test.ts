// Sentry's default server-side data scrubber (black-box #10 n): sentry-python sends frame vars such
// as secret_password = 'hunter2' as they are; the API and the issue page show "[Filtered]" instead,
// as Sentry does for official SDK users, whose events are not scrubbed on the client.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TEST_API_KEY } from '@flowrent/shared/testing';
import { decompressPayload } from '../src/store/codec.js';
import { api, nextEventId } from './helpers/events.js';
import { send, startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
let session: string;
before(async () => {
  t = await startTracker();
  const login = await send(`${t.url}/login`, {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ key: TEST_API_KEY, next: '/' }).toString(),
  });
  session = String(login.headers['set-cookie']).split(';')[0];
});
after(async () => t.close());

test('frame vars, extra and request headers under secret-looking keys are [Filtered] in the API and the UI', async () => {
  const id = nextEventId();
  const event = {
    platform: 'python',
    level: 'error',
    exception: {
      values: [
        {
          type: 'LoginError',
          value: 'bad login',
          stacktrace: {
            frames: [
              {
                function: 'login',
                filename: 'app.py',
                lineno: 3,
                vars: { secret_password: "'hunter2'", username: "'bob'" },
              },
            ],
          },
        },
      ],
    },
    extra: { stripe_api_key: 'sk_live_zz', order: 7 },
    request: { url: 'https://shop/login', method: 'POST', headers: { Authorization: 'Bearer tok123' } },
  };
  const body = `${JSON.stringify({ event_id: id })}\n{"type":"event"}\n${JSON.stringify(event)}\n`;
  const res = await send(`${t.url}/api/1/envelope/?sentry_key=publickey`, { body });
  assert.equal(res.status, 200);
  t.drain();
  const read = await api<{ issue_id: number; data: Record<string, unknown> }>(t, 'GET', `/api/events/${id}`);
  assert.equal(read.status, 200);
  const json = JSON.stringify(read.json.data);
  for (const secret of ['hunter2', 'sk_live_zz', 'tok123']) assert.ok(!json.includes(secret), secret);
  // nor in the database: Relay scrubs before the event is stored
  const row = t.db.prepare('SELECT payload FROM events WHERE event_id = ?').get(id) as { payload: Buffer };
  const stored = decompressPayload(row.payload);
  for (const secret of ['hunter2', 'sk_live_zz', 'tok123']) assert.ok(!stored.includes(secret), secret);
  assert.ok(stored.includes('[Filtered]'));
  assert.ok(json.includes('"username":"\'bob\'"'));
  assert.ok(json.includes('"order":7'));
  const page = await fetch(`${t.url}/issues/${read.json.issue_id}?event=${id}`, {
    headers: { cookie: session },
  });
  const html = await page.text();
  assert.equal(page.status, 200);
  assert.ok(!html.includes('hunter2'));
  assert.ok(html.includes('[Filtered]'));
});

test("Relay's value rules, user and contexts are scrubbed before storage; tags and the event's message are not", async () => {
  const id = nextEventId();
  const card = '4111 1111 1111 1111';
  const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';
  const event = {
    platform: 'python',
    message: 'checkout failed',
    exception: {
      values: [
        {
          type: 'PaymentError',
          value: 'declined',
          stacktrace: {
            frames: [{ function: 'pay', filename: 'pay.py', vars: { number: `'${card}'`, key: pem } }],
          },
        },
      ],
    },
    user: { id: 'u-7', email: 'bob@example.com', ip_address: '10.1.2.3', data: { ssn: '123-45-6789' } },
    contexts: { billing: { gateway_token: 'gw-secret-1', dsn: 'pg://shop:pw-9@db/shop' } },
    request: { url: 'https://shop/pay?api_key=ak-3', headers: { 'X-Debug': 'Bearer tok-4' } },
    tags: { plan: 'pro' },
  };
  const body = `${JSON.stringify({ event_id: id })}\n{"type":"event"}\n${JSON.stringify(event)}\n`;
  const res = await send(`${t.url}/api/1/envelope/?sentry_key=publickey`, { body });
  assert.equal(res.status, 200);
  t.drain();
  const row = t.db.prepare('SELECT payload FROM events WHERE event_id = ?').get(id) as { payload: Buffer };
  const stored = decompressPayload(row.payload);
  for (const secret of [
    card,
    'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC',
    '123-45-6789',
    'gw-secret-1',
    'pw-9',
    'ak-3',
    'tok-4',
  ])
    assert.ok(!stored.includes(secret), secret);
  const read = await api<{ data: Record<string, unknown> }>(t, 'GET', `/api/events/${id}`);
  const data = read.json.data as {
    user: Record<string, unknown>;
    tags: unknown;
    message: string;
    contexts: { billing: Record<string, unknown> };
  };
  assert.deepEqual(data.user, {
    id: 'u-7',
    email: 'bob@example.com',
    ip_address: '10.1.2.3',
    data: { ssn: '[Filtered]' },
  });
  assert.deepEqual(data.contexts.billing, {
    gateway_token: '[Filtered]',
    dsn: 'pg://shop:[Filtered]@db/shop',
  });
  assert.equal(data.message, 'checkout failed');
  assert.ok(JSON.stringify(data.tags).includes('"pro"'));
});

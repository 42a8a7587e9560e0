import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JsonObject } from './envelope.js';
import { FILTERED, isSensitiveKey, scrubEvent } from './scrub.js';

test('isSensitiveKey() matches the default scrubber names anywhere in a key, any case', () => {
  const check = (key: string, expected: boolean) => assert.equal(isSensitiveKey(key), expected, key);
  check('password', true);
  check('secret_password', true);
  check('DB_PASSWD', true);
  check('api_key', true);
  check('X-ApiKey', true);
  check('Authorization', true);
  check('access_token', true);
  check('aws_credentials', true);
  check('private_key', true);
  check('mysql_pwd', true);
  check('user', false);
  check('order_id', false);
  check('pass', false);
});

test('scrubEvent() filters frame vars, extra, request data/headers/cookies/env and breadcrumb data', () => {
  const event = {
    exception: {
      values: [
        {
          type: 'ValueError',
          stacktrace: {
            frames: [
              {
                function: 'a',
                vars: { secret_password: "'hunter2'", user: "'bob'", cfg: { api_key: 'k1', n: 1 } },
              },
              { function: 'b', vars: { i: 1 } },
            ],
          },
        },
      ],
    },
    threads: { values: [{ stacktrace: { frames: [{ vars: { token: 'x' } }] } }] },
    extra: { password: 'p', nested: [{ auth: 'a' }], ok: 'v', empty_token: '' },
    request: {
      url: 'https://x/login?password=p',
      data: { username: 'u', password: 'p' },
      headers: [
        ['Authorization', 'Bearer abc'],
        ['Accept', 'text/html'],
      ],
      cookies: { sessionid: 's', csrftoken: 'c', lang: 'en' },
      env: { REMOTE_ADDR: '1.2.3.4', SECRET_KEY: 'dj' },
    },
    breadcrumbs: { values: [{ category: 'http', data: { url: '/x', token: 't' } }, { message: 'm' }] },
  } as unknown as JsonObject;
  const before = JSON.stringify(event);
  // biome-ignore lint/suspicious/noExplicitAny: the test walks the scrubbed JSON
  const out = scrubEvent(event) as Record<string, any>;
  assert.equal(JSON.stringify(event), before, 'input left as it was');
  const frames = out.exception.values[0].stacktrace.frames;
  assert.deepEqual(frames[0].vars, {
    secret_password: FILTERED,
    user: "'bob'",
    cfg: { api_key: FILTERED, n: 1 },
  });
  assert.equal(frames[1].vars.i, 1);
  assert.deepEqual(out.threads.values[0].stacktrace.frames[0].vars, { token: FILTERED });
  assert.deepEqual(out.extra, { password: FILTERED, nested: [{ auth: FILTERED }], ok: 'v', empty_token: '' });
  assert.deepEqual(out.request.data, { username: 'u', password: FILTERED });
  assert.deepEqual(out.request.headers, [
    ['Authorization', FILTERED],
    ['Accept', 'text/html'],
  ]);
  assert.deepEqual(out.request.cookies, { sessionid: FILTERED, csrftoken: FILTERED, lang: 'en' });
  assert.deepEqual(out.request.env, { REMOTE_ADDR: '1.2.3.4', SECRET_KEY: FILTERED });
  assert.equal(out.request.url, 'https://x/login?password=p');
  assert.deepEqual(out.breadcrumbs.values[0].data, { url: '/x', token: FILTERED });
});

test('scrubEvent() returns the event itself when nothing is sensitive', () => {
  const event = {
    exception: { values: [{ stacktrace: { frames: [{ vars: { a: 1 } }] } }] },
    extra: { b: [1, { c: 2 }] },
    request: { headers: { Accept: 'x' } },
  } as unknown as JsonObject;
  assert.equal(scrubEvent(event), event);
});

test("scrubEvent() keeps booleans and filters Relay's session and CSRF cookies, also in a Cookie header or a cookie string", () => {
  const event = {
    extra: { auth_enabled: true, token_count: 3 },
    request: {
      cookies: { SessionId: 's', PHPSESSID: 'p', theme: 'dark' },
      headers: { Cookie: 'sessionid=abc; theme=dark; csrftoken=xyz', Accept: 'x' },
    },
  } as unknown as JsonObject;
  // biome-ignore lint/suspicious/noExplicitAny: the test walks the scrubbed JSON
  const out = scrubEvent(event) as Record<string, any>;
  assert.deepEqual(out.extra, { auth_enabled: true, token_count: FILTERED });
  assert.deepEqual(out.request.cookies, { SessionId: FILTERED, PHPSESSID: FILTERED, theme: 'dark' });
  assert.deepEqual(out.request.headers, {
    Cookie: `sessionid=${FILTERED}; theme=dark; csrftoken=${FILTERED}`,
    Accept: 'x',
  });
  const asString = {
    request: { cookies: 'sessionid=abc; theme=dark', headers: [['cookie', 'theme=dark']] },
  } as unknown as JsonObject;
  // biome-ignore lint/suspicious/noExplicitAny: the test walks the scrubbed JSON
  const out2 = scrubEvent(asString) as Record<string, any>;
  assert.equal(out2.request.cookies, `sessionid=${FILTERED}; theme=dark`);
  assert.deepEqual(out2.request.headers, [['cookie', 'theme=dark']]);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCookies, serializeCookie } from './http-util.js';
import { deriveSessionSecret, issueSession, verifySession } from './session.js';

const keys = { service: 'metrics', secret: deriveSessionSecret('admin-key') };
const T0 = Date.UTC(2026, 10, 25);

test('verifySession accepts its own token until it expires', () => {
  const { token, session } = issueSession(keys, T0);
  assert.deepEqual(verifySession(keys, token, T0 + 1000), session);
  assert.equal(verifySession(keys, token, T0 + 8 * 86400_000), undefined);
  assert.equal(verifySession(keys, token, T0 + 3600_000, 60), undefined);
});

test('verifySession refuses forged, foreign and malformed tokens', () => {
  const { token } = issueSession(keys, T0);
  const [issued, nonce, mac] = token.split('.');
  const check = (t: string | undefined) => assert.equal(verifySession(keys, t, T0), undefined, String(t));
  check(`${Number(issued) + 1}.${nonce}.${mac}`);
  check(`${issued}.${nonce}x.${mac}`);
  check(`${issued}.${nonce}.${mac}x`);
  check(`${issued}.${nonce}`);
  check('');
  check(undefined);
  check('x'.repeat(500));
  assert.equal(verifySession({ ...keys, service: 'logs' }, token, T0), undefined);
  assert.equal(verifySession({ ...keys, secret: deriveSessionSecret('other-key') }, token, T0), undefined);
});

test('csrf tokens are bound to the session', () => {
  const a = issueSession(keys, T0).session;
  const b = issueSession(keys, T0).session;
  assert.notEqual(a.csrfToken, b.csrfToken);
});

test('cookies parse and serialize with HttpOnly and SameSite=Lax', () => {
  const cookies = parseCookies('a=1; flowrent_session_metrics=x%2Fy; a=2; bad; q="quoted"');
  assert.equal(cookies.get('a'), '1');
  assert.equal(cookies.get('flowrent_session_metrics'), 'x/y');
  assert.equal(cookies.get('q'), 'quoted');
  assert.equal(
    serializeCookie('s', 'v', { maxAgeSeconds: 60 }),
    's=v; Path=/; HttpOnly; SameSite=Lax; Max-Age=60',
  );
  assert.match(serializeCookie('s', '', { maxAgeSeconds: 0, secure: true }), /Max-Age=0; Secure$/);
});

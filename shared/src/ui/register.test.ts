import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createServiceApp } from '../http/app.js';
import { Registry } from '../metrics.js';
import { html } from './html.js';
import { renderPage } from './layout.js';
import { CONTENT_SECURITY_POLICY } from './security.js';
import { csrfToken, registerUi, registerUiPages, verifyCsrf } from './register.js';

const API_KEY = 'ui-admin-key-0123456789';
const urls = {
  errors: 'http://localhost:5010',
  logs: 'http://localhost:5011',
  metrics: 'http://localhost:5012',
};
let now = Date.UTC(2026, 10, 25, 12);
let app: FastifyInstance;
let base: string;
let saved = '';

before(async () => {
  app = createServiceApp({
    service: { name: 'metrics-collector', version: 't' },
    config: { API_KEY, LOG_LEVEL: 'silent' },
    registry: new Registry(),
    isReady: () => true,
    logger: false,
  });
  registerUi(app, { service: 'metrics', apiKey: API_KEY, urls, now: () => now });
  registerUiPages(app, async (ui) => {
    ui.get('/', async (request, reply) =>
      reply.type('text/html; charset=utf-8').send(
        renderPage({
          service: 'metrics',
          title: 'Home',
          urls,
          body: html`<p>home</p>`,
          csrfToken: csrfToken(request),
        }).value,
      ),
    );
    ui.post('/save', async (request) => {
      verifyCsrf(request);
      saved = (request.body as { name?: string }).name ?? '';
      return { saved };
    });
  });
  app.get('/api/thing', async () => ({ ok: true }));
  app.post('/api/thing', async () => ({ ok: 'posted' }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});

after(() => app.close());

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
  redirect: 'manual' as const,
});

async function signIn(): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(`${base}/login`, form({ key: API_KEY, next: '/?x=1' }));
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), '/?x=1');
  const setCookie = res.headers.get('set-cookie') ?? '';
  assert.match(
    setCookie,
    /^flowrent_session_metrics=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=604800$/,
  );
  const cookie = setCookie.split(';')[0]!;
  const page = await (await fetch(`${base}/`, { headers: { cookie, accept: 'text/html' } })).text();
  const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(page)?.[1] ?? '';
  assert.ok(csrf);
  return { cookie, csrf };
}

test('a browser without a session is redirected to /login with the page to return to', async () => {
  const res = await fetch(`${base}/?query=up`, { headers: { accept: 'text/html' }, redirect: 'manual' });
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), '/login?next=%2F%3Fquery%3Dup');
  const api = await fetch(`${base}/`, { headers: { accept: 'application/json' } });
  assert.equal(api.status, 401);
  assert.equal((await api.json()).error.code, 'unauthorized');
});

test('UI responses carry the CSP and other security headers', async () => {
  for (const path of ['/login', '/assets/ui.css']) {
    const res = await fetch(`${base}${path}`);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('referrer-policy'), 'same-origin');
  }
  assert.match(CONTENT_SECURITY_POLICY, /script-src 'self';.*frame-ancestors 'none'/);
});

test('a wrong key is refused with the form again; the right one signs in', async () => {
  const wrong = await fetch(`${base}/login`, form({ key: 'nope', next: '/' }));
  assert.equal(wrong.status, 401);
  assert.equal(wrong.headers.get('set-cookie'), null);
  assert.match(await wrong.text(), /That key is not right/);
  const { cookie } = await signIn();
  const page = await fetch(`${base}/`, { headers: { cookie, accept: 'text/html' } });
  assert.equal(page.status, 200);
  assert.match(
    await page.text(),
    /<a class="topbar-service" href="http:\/\/localhost:5012\/" aria-current="page">Metrics<\/a>/,
  );
});

test('sign-in refuses an off-site next and a cross-origin post', async () => {
  const res = await fetch(`${base}/login`, form({ key: API_KEY, next: '//evil.example/' }));
  assert.equal(res.headers.get('location'), '/');
  const cross = await fetch(`${base}/login`, {
    ...form({ key: API_KEY }),
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example' },
  });
  assert.equal(cross.status, 403);
});

test('the session cookie is Secure behind an HTTPS proxy', async () => {
  const res = await fetch(`${base}/login`, {
    ...form({ key: API_KEY }),
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-proto': 'https' },
  });
  assert.match(res.headers.get('set-cookie') ?? '', /; Secure$/);
});

test('state-changing forms need the session CSRF token', async () => {
  const { cookie, csrf } = await signIn();
  const post = (fields: Record<string, string>, extra: Record<string, string> = {}) =>
    fetch(`${base}/save`, {
      ...form(fields),
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, ...extra },
    });
  assert.equal((await post({ name: 'a' })).status, 403);
  assert.equal((await post({ name: 'a', _csrf: 'forged' })).status, 403);
  const other = await signIn();
  assert.equal((await post({ name: 'a', _csrf: other.csrf })).status, 403);
  assert.equal((await post({ name: 'b', _csrf: csrf }, { origin: 'http://evil.example' })).status, 403);
  const ok = await post({ name: 'dash<1>', _csrf: csrf });
  assert.equal(ok.status, 200);
  assert.equal(saved, 'dash<1>');
  const viaHeader = await post({ name: 'hdr' }, { 'x-csrf-token': csrf });
  assert.equal(viaHeader.status, 200);
});

test('the session authenticates API reads, and API writes only with the CSRF header', async () => {
  const { cookie, csrf } = await signIn();
  assert.equal((await fetch(`${base}/api/thing`, { headers: { cookie } })).status, 200);
  assert.equal((await fetch(`${base}/api/thing`)).status, 401);
  assert.equal((await fetch(`${base}/api/thing`, { method: 'POST', headers: { cookie } })).status, 401);
  const ok = await fetch(`${base}/api/thing`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrf } });
  assert.equal(ok.status, 200);
});

test('sign-out revokes the session; sessions expire after their lifetime', async () => {
  const { cookie, csrf } = await signIn();
  const out = await fetch(`${base}/logout`, {
    ...form({ _csrf: csrf }),
    headers: { ...form({}).headers, cookie },
  });
  assert.equal(out.status, 303);
  assert.match(out.headers.get('set-cookie') ?? '', /Max-Age=0/);
  const after = await fetch(`${base}/`, { headers: { cookie, accept: 'text/html' }, redirect: 'manual' });
  assert.equal(after.status, 303);

  const second = await signIn();
  now += 8 * 86400_000;
  const expired = await fetch(`${base}/`, {
    headers: { cookie: second.cookie, accept: 'text/html' },
    redirect: 'manual',
  });
  assert.equal(expired.status, 303);
});

test('repeated wrong keys are throttled', async () => {
  now += 3600_000;
  let last = 0;
  for (let i = 0; i < 11; i++) last = (await fetch(`${base}/login`, form({ key: `wrong-${i}` }))).status;
  assert.equal(last, 429);
  now += 61_000;
  assert.equal((await fetch(`${base}/login`, form({ key: API_KEY }))).status, 303);
});

test('assets are served with an ETag and revalidate to 304', async () => {
  const res = await fetch(`${base}/assets/ui.js`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/javascript/);
  const etag = res.headers.get('etag') ?? '';
  assert.ok(etag);
  assert.equal((await fetch(`${base}/assets/ui.js`, { headers: { 'if-none-match': etag } })).status, 304);
  assert.equal((await fetch(`${base}/assets/..%2Fpackage.json`)).status, 404);
  assert.equal((await fetch(`${base}/assets/nope.js`)).status, 404);
});

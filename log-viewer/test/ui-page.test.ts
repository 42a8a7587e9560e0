import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TEST_API_KEY } from '@flowrent/shared/testing';
import { type Api, logRecord, startApi } from './api-helpers.js';

const HOSTILE = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">';

async function signIn(api: Api): Promise<string> {
  const res = await fetch(`${api.url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ key: TEST_API_KEY, next: '/' }).toString(),
  });
  assert.equal(res.status, 303);
  return (res.headers.get('set-cookie') ?? '').split(';')[0];
}

describe('GET / (server-rendered log explorer)', () => {
  let api: Api;
  let cookie: string;
  before(async () => {
    api = await startApi();
    await api.store.append([
      logRecord(1, {
        message: HOSTILE,
        attributes: { [HOSTILE]: HOSTILE },
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      }),
      logRecord(2, { message: 'plain line', service: 'checkout' }),
      logRecord(-3 * 3600, { message: 'three hours ago', traceId: 'aa'.repeat(16) }),
    ]);
    cookie = await signIn(api);
  });
  after(() => api.close());

  it('sends a browser without a session to the sign-in page', async () => {
    const res = await fetch(`${api.url}/?query=x`, { redirect: 'manual', headers: { accept: 'text/html' } });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/login?next=%2F%3Fquery%3Dx');
  });

  it('renders results with a strict CSP and client content escaped', async () => {
    const res = await fetch(`${api.url}/?from=1h`, { headers: { cookie, accept: 'text/html' } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    const page = await res.text();
    assert.ok(!page.includes('<script>window.__xss'), 'raw script tag rendered');
    assert.ok(!page.includes('<img src=x'), 'raw img tag rendered');
    assert.ok(page.includes('&lt;script&gt;window.__xss&#61;1&lt;/script&gt;'));
    assert.ok(!/<script>[^<]/.test(page), 'inline script');
    assert.match(
      page,
      /href="http:\/\/localhost:5010\/events\?trace_id&#61;4bf92f3577b34da6a3ce929d0e0e4736"/,
    );
    assert.match(page, /<script src="\/assets\/logs.js" defer><\/script>/);
  });

  it('shows a query syntax error with its position instead of results', async () => {
    const res = await fetch(`${api.url}/?query=${encodeURIComponent('service:checkout (a')}`, {
      headers: { cookie, accept: 'text/html' },
    });
    const page = await res.text();
    assert.equal(res.status, 200);
    assert.match(page, /data-query-error>missing &#39;\)&#39; at position 19/);
    assert.match(page, /service:checkout \(a\n {19}\^/);
  });

  it('a trace link (as the error tracker builds it) looks back 7 days', async () => {
    const res = await fetch(`${api.url}/?query=trace_id:${'aa'.repeat(16)}`, {
      headers: { cookie, accept: 'text/html' },
    });
    const page = await res.text();
    assert.match(page, /three hours ago/);
    assert.match(page, /name="from" class="mono range-input" value="7d"/);
  });

  it('API reads work with the session cookie, writes need the CSRF token', async () => {
    const read = await fetch(`${api.url}/api/logs?from=1h`, { headers: { cookie } });
    assert.equal(read.status, 200);
    const write = await fetch(`${api.url}/api/saved-searches`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', query: 'y' }),
    });
    assert.equal(write.status, 401);
  });

  it('serves the bundled client script and stylesheet', async () => {
    const js = await fetch(`${api.url}/assets/logs.js`);
    assert.equal(js.status, 200);
    assert.match(await js.text(), /api\/logs\/tail/);
    const css = await fetch(`${api.url}/assets/logs.css`);
    assert.equal(css.status, 200);
  });
});

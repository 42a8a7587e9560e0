// The search language end to end: GET /api/issues?query= on the real server over a temp-file DB,
// with tag values that hold spaces and quotes; syntax errors as a 400 with their position, in the
// API and on the UI's issue list.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, sendEvent } from './helpers/events.js';
import { startTracker, type TrackerTest } from './helpers/server.js';

type Page = { data: { title: string }[]; next_cursor: string | null };
type ApiError = { error: { code: string; message: string; details?: { position?: number; param?: string } } };

let t: TrackerTest;
// issue → tags: a quoted browser name, a value with a double quote in it, one issue without browser
const ISSUES: [string, Record<string, string>][] = [
  ['chrome', { browser: 'Chrome 120', tenant: 'acme' }],
  ['firefox', { browser: 'Firefox 121', tenant: 'acme' }],
  ['safari', { browser: 'Safari 17', tenant: 'say "hi"' }],
  ['nobrowser', { tenant: 'other' }],
];
before(async () => {
  t = await startTracker();
  for (const [fn, tags] of ISSUES) {
    await sendEvent(t, {
      fn,
      value: `failure in ${fn}`,
      tags,
      environment: fn === 'safari' ? 'staging' : 'production',
    });
    t.drain();
    t.clock.now += 60_000;
  }
  await sendEvent(t, { message: 'card declined for order 7', fingerprint: ['card'] });
  t.drain();
});
after(async () => t.close());

const search = async (query: string) => {
  const res = await api<Page>(t, 'GET', `/api/issues?limit=100&query=${encodeURIComponent(query)}`);
  assert.equal(res.status, 200, JSON.stringify(res.json));
  return res.json.data.map((i) => i.title.replace(/^ValueError: failure in /, '')).sort();
};

describe('GET /api/issues?query=', () => {
  test('a quoted tag value may hold spaces and escaped quotes', async () => {
    assert.deepEqual(await search('browser:"Chrome 120"'), ['chrome']);
    assert.deepEqual(await search('tenant:"say \\"hi\\""'), ['safari']);
    assert.deepEqual(await search('browser:"Chrome"'), [], 'the whole value must match');
  });

  test('!tag:value and -tag:value exclude, tag:[a,b] matches any, has: and !has: test presence', async () => {
    assert.deepEqual(await search('!tenant:acme has:browser'), ['safari']);
    assert.deepEqual(await search('-browser:"Chrome 120" tenant:acme'), ['firefox']);
    assert.deepEqual(await search('browser:["Chrome 120", "Safari 17"]'), ['chrome', 'safari']);
    assert.deepEqual(await search('!has:browser'), ['card declined for order 7', 'nobrowser']);
    assert.deepEqual(await search('!env:production'), ['safari']);
    assert.deepEqual(await search('!browser:"Chrome 120"'), [
      'card declined for order 7',
      'firefox',
      'nobrowser',
      'safari',
    ]);
    assert.deepEqual(await search('env:[staging] has:env'), ['safari']);
  });

  test('message:"…" and quoted phrases search the text; other words add to it', async () => {
    assert.deepEqual(await search('message:"card declined"'), ['card declined for order 7']);
    assert.deepEqual(await search('"declined for" order'), ['card declined for order 7']);
    assert.deepEqual(await search('message:"declined card"'), []);
  });

  test('an unterminated quote is a 400 parse error carrying its position', async () => {
    const res = await api<ApiError>(
      t,
      'GET',
      `/api/issues?query=${encodeURIComponent('has:browser browser:"Chrome 120')}`,
    );
    assert.equal(res.status, 400);
    assert.equal(res.json.error.code, 'parse_error');
    assert.match(res.json.error.message, /unterminated quote.* at position 20$/);
    assert.deepEqual(res.json.error.details, { param: 'query', position: 20 });
  });

  test('a bad value or a negated built-in is a 422 naming the term', async () => {
    for (const [query, message] of [
      ['level:nonsense', /level must be one of/],
      ['!level:error', /level: cannot be negated/],
      ['has:[a,b]', /has: takes one tag name/],
    ] as const) {
      const res = await api<ApiError>(t, 'GET', `/api/issues?query=${encodeURIComponent(query)}`);
      assert.equal(res.status, 422, query);
      assert.match(res.json.error.message, message);
    }
  });
});

describe('the UI issue list', () => {
  let cookie = '';
  before(async () => {
    const res = await fetch(`${t.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ key: t.config.API_KEY, next: '/' }).toString(),
      redirect: 'manual',
    });
    assert.equal(res.status, 303);
    cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
  });
  const listPage = async (query: string) => {
    const res = await fetch(`${t.url}/?status=all&query=${encodeURIComponent(query)}`, {
      headers: { cookie, accept: 'text/html' },
    });
    assert.equal(res.status, 200);
    return res.text();
  };

  test('finds issues by a quoted, negated search', async () => {
    const page = await listPage('!browser:"Chrome 120" has:browser');
    assert.match(page, /failure in firefox/);
    assert.match(page, /failure in safari/);
    assert.doesNotMatch(page, /failure in chrome/);
  });

  test("an issue page's tag link finds the issue again, even for a value with spaces and quotes", async () => {
    const safari = (
      await api<Page & { data: { id: number }[] }>(t, 'GET', '/api/issues?query=has:browser+safari')
    ).json.data[0];
    const res = await fetch(`${t.url}/issues/${safari.id}`, { headers: { cookie, accept: 'text/html' } });
    const href = /<a href="(\/\?query&#61;tenant[^"]*)"/
      .exec(await res.text())?.[1]
      .replaceAll('&#61;', '=')
      .replaceAll('&amp;', '&');
    assert.ok(href);
    assert.equal(new URL(href, t.url).searchParams.get('query'), 'tenant:"say \\"hi\\""');
    const list = await (await fetch(`${t.url}${href}`, { headers: { cookie, accept: 'text/html' } })).text();
    assert.match(list, /failure in safari/);
    assert.doesNotMatch(list, /failure in (chrome|firefox)|nobrowser/);
  });

  test('shows an unterminated quote with its position, as it shows a bad level', async () => {
    assert.match(
      await listPage('browser:"Chrome 120'),
      /role="alert"><p>Search: unterminated quote: the &quot; is never closed at position 8<\/p><pre class="code mono">browser:&quot;Chrome 120\n {8}\^<\/pre>/,
    );
  });
});

// The tag-value links of the issue page, followed: a tag key with a space, a colon or a non-ASCII
// letter, a key named like a built-in (level) or alias (env), and an empty value. Each link's
// query, given to GET /api/issues, finds the issue (real server, temp-file database); these once
// found nothing, the key being written unquoted.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TEST_API_KEY } from '@flowrent/shared/testing';
import { api, sendEvent } from './helpers/events.js';
import { send, startTracker, type TrackerTest } from './helpers/server.js';

const TAGS: Record<string, string> = {
  'weird key': 'v w',
  ü: 'ß',
  'k:colon': 'v:c',
  empty: '',
  level: 'not the level',
  env: 'not the environment',
  'say "hi"': 'a\\b',
};

let t: TrackerTest;
let issueId: number;
let otherId: number;
let session: string;
before(async () => {
  t = await startTracker();
  const login = await send(`${t.url}/login`, {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ key: TEST_API_KEY, next: '/' }).toString(),
  });
  session = String(login.headers['set-cookie']).split(';')[0];
  const id = await sendEvent(t, { fn: 'tagged', value: 'tagged failure', tags: TAGS });
  // another issue with the same keys and other values, which no link may find
  await sendEvent(t, {
    fn: 'other',
    value: 'other failure',
    tags: Object.fromEntries(Object.keys(TAGS).map((k) => [k, 'other'])),
  });
  t.drain();
  issueId = (await api<{ issue_id: number }>(t, 'GET', `/api/events/${id}`)).json.issue_id;
  const issues = (await api<{ data: { id: number }[] }>(t, 'GET', '/api/issues')).json.data;
  otherId = issues.map((i) => i.id).find((i) => i !== issueId) ?? 0;
});
after(async () => t.close());

/** An attribute's text as the browser reads it (named and numeric character references). */
const NAMED: Record<string, string> = { quot: '"', apos: "'", lt: '<', gt: '>', amp: '&' };
const decodeEntities = (s: string) =>
  s.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (m, e: string) =>
    e[0] !== '#'
      ? (NAMED[e] ?? m)
      : String.fromCodePoint(Number(e[1] === 'x' ? `0${e.slice(1)}` : e.slice(1))),
  );

test('each tag link of the issue page (event pills and tag distributions) finds the issue through GET /api/issues', async () => {
  const page = await fetch(`${t.url}/issues/${issueId}`, { headers: { cookie: session } });
  assert.equal(page.status, 200);
  const html = await page.text();
  const links = [
    ...html.matchAll(/<div class="tag-dist">[\s\S]*?<\/div>|<ul class="tag-pills">[\s\S]*?<\/ul>/g),
  ].flatMap((m) => [...m[0].matchAll(/<a href="([^"]*)"/g)].map((a) => decodeEntities(a[1])));
  const queries = links.map((href) => new URL(href, t.url).searchParams.get('query') ?? '');
  assert.ok(queries.length >= 2 * Object.keys(TAGS).length - 1, 'pills and distributions (no empty value)');
  for (const query of queries) {
    if (query.startsWith('environment:')) continue;
    const res = await api<{ data: { id: number }[] }>(
      t,
      'GET',
      `/api/issues?query=${encodeURIComponent(query)}`,
    );
    assert.deepEqual(
      res.json.data.map((i) => i.id),
      [issueId],
      query,
    );
  }
  for (const [key, value] of Object.entries(TAGS)) {
    const query = queries.find(
      (q) => q.startsWith(key) || q.startsWith(`"${key.replace(/["\\]/g, '\\$&')}"`),
    );
    assert.ok(query !== undefined, `a link for ${key}: ${JSON.stringify(queries)}`);
    const res = await api<{ data: { id: number }[] }>(
      t,
      'GET',
      `/api/issues?query=${encodeURIComponent(query)}`,
    );
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.deepEqual(
      res.json.data.map((i) => i.id),
      [issueId],
      `${query} (tag ${JSON.stringify(key)}=${JSON.stringify(value)})`,
    );
  }
  // the issue list page runs the same query (the link's own target)
  const list = await fetch(new URL(links[0], t.url), { headers: { cookie: session } });
  assert.equal(list.status, 200);
  assert.ok(otherId > 0 && otherId !== issueId);
});

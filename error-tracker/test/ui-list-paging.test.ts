// The UI issue list pages by its "Next page" link (50 issues a page) keeping the search, level and
// sort: walked to the end it lists what the API lists for the same filter, in the same order, each
// issue once, with ties in every sort key. Real server on 127.0.0.1:0, HTML over HTTP.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api, sendEvent } from './helpers/events.js';
import { startTracker, type TrackerTest } from './helpers/server.js';

type Page = { data: { id: number }[]; next_cursor: string | null };

let t: TrackerTest;
let cookie = '';
before(async () => {
  t = await startTracker();
  // 130 issues, ten a minute; issue k: (k % 3) + 1 events and (k % 2) + 1 users, tenant acme for
  // two in three, level warning for every fifth
  for (let k = 0; k < 130; k++) {
    for (let e = 0; e <= k % 3; e++)
      await sendEvent(t, {
        fn: `ui_page${k}`,
        value: `ui paged ${k}`,
        level: k % 5 === 0 ? 'warning' : 'error',
        user: `u${e % ((k % 2) + 1)}`,
        tags: { tenant: k % 3 === 2 ? 'other' : 'acme' },
      });
    if (k % 10 === 9) {
      t.drain();
      t.clock.now += 60_000;
    }
  }
  t.drain();
  const res = await fetch(`${t.url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ key: t.config.API_KEY, next: '/' }).toString(),
    redirect: 'manual',
  });
  assert.equal(res.status, 303);
  cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
});
after(async () => t.close());

/** Issue ids of the UI list from `path`, following rel="next" to the end. */
async function walkUi(path: string): Promise<number[]> {
  const ids: number[] = [];
  let next: string | undefined = path;
  for (let pages = 0; next && pages < 20; pages++) {
    const res = await fetch(`${t.url}${next}`, { headers: { cookie, accept: 'text/html' } });
    assert.equal(res.status, 200, next);
    const html = await res.text();
    ids.push(...[...html.matchAll(/data-row-link href="\/issues\/(\d+)"/g)].map((m) => Number(m[1])));
    next = /<a class="btn" href="([^"]+)" rel="next">/
      .exec(html)?.[1]
      .replaceAll('&amp;', '&')
      .replaceAll('&#61;', '=');
  }
  assert.equal(next, undefined, 'the pages end');
  return ids;
}

async function walkApi(qs: string): Promise<number[]> {
  const ids: number[] = [];
  let cursor: string | null = null;
  do {
    const res = await api<Page>(t, 'GET', `/api/issues?${qs}&limit=30${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(res.status, 200);
    ids.push(...res.json.data.map((i) => i.id));
    cursor = res.json.next_cursor;
  } while (cursor);
  return ids;
}

for (const sort of ['last_seen', 'first_seen', 'events', 'users'])
  test(`the UI list sorted by ${sort}, searched and filtered by level, pages through what the API lists`, async () => {
    const query = encodeURIComponent('tenant:acme');
    const ui = await walkUi(`/?status=all&sort=${sort}&level=error&query=${query}`);
    const fromApi = await walkApi(`sort=${sort}&level=error&query=${query}`);
    assert.ok(ui.length > 50, `${ui.length} issues: more than a page`);
    assert.equal(new Set(ui).size, ui.length, 'each issue once');
    assert.deepEqual(ui, fromApi);
  });

// Issue 3's read API beyond read-api.test.ts: every sort walked page by page under combined filters
// and a tag search, with ties in every sort key (issues grouped in the same minute, with the same
// event and user counts), against the unpaged answer; merge keeps tag counts, users and the hourly
// series; delete takes an issue's events, tags, users and series and gives the space back.
// Real server on 127.0.0.1:0, temp-file SQLite.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { api, nextEventId, sendEvent, sentryEvent } from './helpers/events.js';
import { send, startTracker, type TrackerTest } from './helpers/server.js';

interface ApiIssue {
  id: number;
  title: string;
  level: string;
  event_count: number;
  user_count: number;
  first_seen: string;
  last_seen: string;
}
type Page<T> = { data: T[]; next_cursor: string | null };

let t: TrackerTest;
before(async () => {
  t = await startTracker();
  // 18 issues in 6 minutes, three a minute (same first and last seen); issue k gets (k % 4) + 1
  // events and (k % 3) + 1 users; every third is in staging, every other has tenant:acme
  for (let minute = 0; minute < 6; minute++) {
    for (let j = 0; j < 3; j++) {
      const k = minute * 3 + j;
      for (let e = 0; e <= k % 4; e++)
        await sendEvent(t, {
          fn: `page${k}`,
          value: `paged failure ${k}`,
          level: k % 5 === 0 ? 'warning' : 'error',
          environment: k % 3 === 2 ? 'staging' : 'production',
          user: `user${e % ((k % 3) + 1)}`,
          tags: { tenant: k % 2 === 0 ? 'acme' : 'other' },
        });
    }
    t.drain();
    t.clock.now += 60_000;
  }
});
after(async () => t.close());

const list = async (qs: string) => {
  const res = await api<Page<ApiIssue>>(t, 'GET', `/api/issues?${qs}`);
  assert.equal(res.status, 200, JSON.stringify(res.json));
  return res.json;
};

const walk = async (qs: string, limit: number) => {
  const ids: number[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 50; pages++) {
    const page: Page<ApiIssue> = await list(`${qs}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    assert.ok(page.data.length <= limit);
    ids.push(...page.data.map((i) => i.id));
    cursor = page.next_cursor;
    if (!cursor) return ids;
  }
  assert.fail(`paging ${qs} did not end`);
};

describe('GET /api/issues: cursor paging under filters, each sort, ties in every key', () => {
  const filters = [
    '',
    'environment=production',
    'level=error&query=tenant:acme',
    'query=tenant:acme paged',
    'environment=production&query=!tenant:acme',
    'first_seen_from=2026-11-25T20:01:00Z&last_seen_to=2026-11-25T20:04:30Z&query=is:unresolved',
  ];
  for (const sort of ['last_seen', 'first_seen', 'events', 'users'])
    for (const filter of filters)
      test(`sort=${sort} ${filter || '(no filter)'}: pages of 1, 2 and 5 are the unpaged list`, async () => {
        const qs = `sort=${sort}${filter ? `&${filter.replace(/ /g, '%20')}` : ''}`;
        const whole = (await list(`${qs}&limit=100`)).data;
        assert.ok(whole.length >= 3, `${whole.length} issues`);
        const key = (i: ApiIssue) =>
          sort === 'events'
            ? i.event_count
            : sort === 'users'
              ? i.user_count
              : Date.parse(sort === 'first_seen' ? i.first_seen : i.last_seen);
        for (let n = 1; n < whole.length; n++)
          assert.ok(key(whole[n - 1]) >= key(whole[n]), `${sort} descending at ${n}`);
        for (const limit of [1, 2, 5])
          assert.deepEqual(
            await walk(qs, limit),
            whole.map((i) => i.id),
          );
      });

  test('each filter holds on every issue it lists', async () => {
    const all = (await list('limit=100')).data;
    assert.equal(all.length, 18);
    const acme = (await list('query=tenant:acme&limit=100')).data;
    assert.deepEqual(
      acme.map((i) => Number(i.title.replace(/\D+/g, '')) % 2).filter((r) => r !== 0),
      [],
    );
    assert.equal(acme.length, 9);
    const prodWarnings = (await list('environment=production&level=warning&limit=100')).data;
    assert.deepEqual(prodWarnings.map((i) => i.title).sort(), [
      'ValueError: paged failure 0',
      'ValueError: paged failure 10',
      'ValueError: paged failure 15',
    ]);
  });
});

describe('merge and delete', () => {
  const tags = async (id: number, key: string) =>
    Object.fromEntries(
      (
        await api<{ data: { value: string; count: number }[] }>(t, 'GET', `/api/issues/${id}/tags/${key}`)
      ).json.data.map((v) => [v.value, v.count]),
    );
  const issueOf = async (fn: string) =>
    (await list(`query=${fn}&limit=100`)).data.find((i) => i.title === `ValueError: ${fn}`) as ApiIssue;

  test('merge sums tag counts per value, counts shared users once and adds the hourly series', async () => {
    // target: 3 events (users u1, u2; tenant acme x2, beta x1), source: 4 events an hour later
    // (users u2, u3; tenant acme x1, gamma x3)
    const send = (fn: string, user: string, tenant: string) =>
      sendEvent(t, { fn, value: fn, user, tags: { tenant }, release: 'app@1' });
    await send('merge_target', 'u1', 'acme');
    await send('merge_target', 'u2', 'acme');
    await send('merge_target', 'u1', 'beta');
    t.drain();
    t.clock.now += 3_600_000;
    await send('merge_source', 'u2', 'acme');
    for (let i = 0; i < 3; i++) await send('merge_source', 'u3', 'gamma');
    t.drain();
    const target = await issueOf('merge_target');
    const source = await issueOf('merge_source');
    assert.deepEqual([target.user_count, source.user_count], [2, 2]);
    const merged = await api<ApiIssue>(t, 'POST', `/api/issues/${target.id}/merge`, { ids: [source.id] });
    assert.equal(merged.status, 200, JSON.stringify(merged.json));
    assert.equal(merged.json.event_count, 7);
    assert.equal(merged.json.user_count, 3, 'u2 is in both');
    assert.equal(merged.json.first_seen, target.first_seen);
    assert.equal(merged.json.last_seen, source.last_seen);
    assert.deepEqual(await tags(target.id, 'tenant'), { acme: 3, beta: 1, gamma: 3 });
    assert.deepEqual(await tags(target.id, 'user'), { 'id:u1': 2, 'id:u2': 2, 'id:u3': 3 });
    const detail = await api<{ hourly: { hour: string; count: number }[] }>(
      t,
      'GET',
      `/api/issues/${target.id}`,
    );
    const hourly = detail.json.hourly.filter((h) => h.count > 0).map((h) => h.count);
    assert.deepEqual(hourly, [3, 4]);
    const events = await api<Page<{ event_id: string }>>(
      t,
      'GET',
      `/api/issues/${target.id}/events?limit=100`,
    );
    assert.equal(events.json.data.length, 7);
    // the merged issue is found by the source's tag values and users, and paged like any other
    assert.deepEqual(
      (await list('query=tenant:gamma&limit=100')).data.map((i) => i.id),
      [target.id],
    );
    assert.deepEqual(
      (await list('query=user:id:u3&limit=100')).data.map((i) => i.id),
      [target.id],
    );
  });

  test('delete takes the issue with its events, tags, users and series, and the space comes back', async () => {
    // 60 events of ~20 KB that do not compress (random extra data)
    const eventIds: string[] = [];
    for (let i = 0; i < 60; i++) {
      const id = nextEventId();
      const event = {
        ...sentryEvent({
          fn: 'delete_me',
          value: 'delete_me',
          user: `d${i % 4}`,
          tags: { tenant: 'doomed' },
        }),
        extra: { blob: randomBytes(15_000).toString('base64') },
      };
      const res = await send(`${t.url}/api/1/envelope/?sentry_key=publickey`, {
        body: `${JSON.stringify({ event_id: id })}\n{"type":"event"}\n${JSON.stringify(event)}\n`,
      });
      assert.equal(res.status, 200, res.body);
      eventIds.push(id);
    }
    t.drain();
    const victim = await issueOf('delete_me');
    assert.ok(victim, 'the issue exists');
    const pages = () => t.db.pragma('page_count', { simple: true }) as number;
    const before = pages();
    const res = await api(t, 'DELETE', `/api/issues/${victim.id}`);
    assert.equal(res.status, 204);
    for (const id of eventIds.slice(0, 3))
      assert.equal((await api(t, 'GET', `/api/events/${id}`)).status, 404);
    assert.deepEqual((await list('query=tenant:doomed&limit=100')).data, []);
    for (const table of [
      'events',
      'issue_tags',
      'issue_users',
      'issue_hourly',
      'groupings',
      'status_changes',
    ])
      assert.equal(
        t.db.prepare(`SELECT count(*) FROM ${table} WHERE issue_id = ?`).pluck().get(victim.id),
        0,
        table,
      );
    // the freed pages are SQLite's to reuse, and the background pass's incremental vacuum hands them
    // back to the file system, with nothing to prune
    const free = t.db.pragma('freelist_count', { simple: true }) as number;
    assert.ok(free > 200, `${free} free pages`);
    const { pruned } = await t.app.errorTracker.maintenance.runOnce();
    assert.equal(pruned, 0);
    assert.ok(pages() < before - 200, `${before} -> ${pages()} pages`);
  });
});

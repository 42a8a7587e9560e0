// The read API and the workflow routes on odd input, over real HTTP: every bad parameter or body is
// a 4xx naming what is wrong (none was a 500 or a quiet wrong answer after these fixes), and a
// merge is all or nothing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, sendEvent } from './helpers/events.js';
import { TEST_API_KEY } from '@flowrent/shared/testing';
import { startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
// 150 characters: tag keys run to 200 (Relay's limit), past the router's 100 for a :param
const LONG_KEY = 'k'.repeat(150);
before(async () => {
  t = await startTracker();
  for (let i = 0; i < 4; i++) {
    await sendEvent(t, {
      fn: `odd${i}`,
      user: `u${i}`,
      tags: { 'odd key/with:colon': 'v 1', ключ: 'знач', 'a%b': 'c', [LONG_KEY]: 'long' },
    });
    t.drain();
    t.clock.now += 60_000;
  }
});
after(async () => t.close());

const get = async (path: string) => {
  const res = await fetch(`${t.url}${path}`, { headers: t.adminHeaders });
  return { status: res.status, json: (await res.json()) as { error?: { code: string; message: string } } };
};

describe('GET parameters', () => {
  // [path, status, a word of the message]
  const cases: [string, number, string][] = [
    ['/api/issues?first_seen_from=9999999999999999', 422, 'first_seen_from'], // epoch s beyond a Date: was a 500
    ['/api/issues?last_seen_to=99999999999999999999999', 422, 'last_seen_to'],
    ['/api/issues?environment=a&environment=b', 422, 'given once'], // an array bound into SQL: was a 500
    ['/api/issues?release=a&release=b', 422, 'given once'],
    ['/api/issues?trace_id=a&trace_id=b', 422, 'given once'],
    ['/api/issues?query=a&query=b', 422, 'given once'], // was searched as "a,b"
    ['/api/issues?is_regressed=maybe', 422, 'is_regressed'], // was read as false
    ['/api/issues?project=99999999999999999999999', 422, 'project'],
    ['/api/issues?limit=99999999999999999999', 422, 'limit'],
    ['/api/issues/99999999999999999999999', 422, 'id'],
    ['/api/issues/1/events?limit=0', 422, 'limit'], // was the default page
    ['/api/issues?cursor=WzEsMl0', 400, 'cursor'], // a two-part cursor of the old format
    // days their month lacks were rolled over by Date.parse (2026-11-31 read as Dec 1st)
    [
      '/api/issues?last_seen_from=2026-11-31T00:00:00Z',
      422,
      'last_seen_from: 2026-11-31T00:00:00Z is not a date',
    ],
    ['/api/issues?first_seen_to=2027-01-01T24:00:00Z', 422, 'first_seen_to'],
    [
      `/api/issues?query=${encodeURIComponent('lastSeen:>2026-11-31')}`,
      422,
      'lastSeen: 2026-11-31 is not a date',
    ],
    [`/api/issues?query=${encodeURIComponent('firstSeen:<=2027-02-29T10:00:00')}`, 422, 'firstSeen'],
  ];
  for (const [path, status, word] of cases) {
    test(`${path} → ${status}`, async () => {
      const res = await get(path);
      assert.equal(res.status, status, JSON.stringify(res.json));
      assert.match(res.json.error?.message ?? '', new RegExp(word));
    });
  }

  test('a cursor of one sort on a list of another sort is a 400, not a page from the wrong place', async () => {
    const byEvents = (await api<{ next_cursor: string }>(t, 'GET', '/api/issues?sort=events&limit=1')).json;
    assert.ok(byEvents.next_cursor);
    const res = await get(`/api/issues?cursor=${byEvents.next_cursor}`);
    assert.equal(res.status, 400);
    assert.match(res.json.error?.message ?? '', /another sort/);
    const same = await get(`/api/issues?sort=events&limit=1&cursor=${byEvents.next_cursor}`);
    assert.equal(same.status, 200);
  });

  test('tag keys with spaces, slashes, colons, percent signs, Cyrillic or 150 characters read back through the tags route', async () => {
    // a "/" in the key also works unencoded: the rest of the path is the key
    const raw = await api<{ data: { value: string }[] }>(t, 'GET', '/api/issues/1/tags/odd%20key/with:colon');
    assert.deepEqual(
      raw.json.data.map((v) => v.value),
      ['v 1'],
    );
    for (const [key, value] of [
      ['odd key/with:colon', 'v 1'],
      ['ключ', 'знач'],
      ['a%b', 'c'],
      [LONG_KEY, 'long'], // was a 414
    ]) {
      const res = await api<{ data: { value: string; count: number }[] }>(
        t,
        'GET',
        `/api/issues/1/tags/${encodeURIComponent(key)}`,
      );
      assert.equal(res.status, 200);
      assert.deepEqual(
        res.json.data.map((v) => [v.value, v.count]),
        [[value, 1]],
      );
    }
  });
});

describe('PATCH and POST bodies', () => {
  // [method, path, body, status, a word of the message]
  const cases: [string, string, unknown, number, string][] = [
    ['PATCH', '/api/issues/1', { status: 'ignored', ignore: { until_events: 1e300 } }, 422, 'until_events'],
    ['PATCH', '/api/issues/1', { status: 'ignored', ignore: { until_time: '1' } }, 422, 'until_time'], // Date.parse: 2001
    [
      'PATCH',
      '/api/issues/1',
      { status: 'ignored', ignore: { until_time: '-000001-01-01T00:00:00Z' } },
      422,
      'until_time',
    ],
    // Date.parse rolls these over (March 2nd, May 1st, the next day): a later time than asked
    [
      'PATCH',
      '/api/issues/1',
      { status: 'ignored', ignore: { until_time: '2027-02-30T00:00:00Z' } },
      422,
      'RFC 3339',
    ],
    [
      'PATCH',
      '/api/issues/1',
      { status: 'ignored', ignore: { until_time: '2027-04-31T10:00:00Z' } },
      422,
      'RFC 3339',
    ],
    [
      'PATCH',
      '/api/issues/1',
      { status: 'ignored', ignore: { until_time: '2027-01-01T24:00:00Z' } },
      422,
      'RFC 3339',
    ],
    ['PATCH', '/api/issues/1', { status: 'resolved', in_next_release: 'yes' }, 422, 'in_next_release'], // was false
    ['PATCH', '/api/issues', { ids: [1e300], status: 'resolved' }, 422, 'ids'],
    [
      'PATCH',
      '/api/issues',
      { ids: Array.from({ length: 1001 }, (_, i) => i + 1), status: 'resolved' },
      422,
      'at most 1000',
    ],
    ['PATCH', '/api/projects/1', { quota_per_minute: 1e300 }, 422, 'quota_per_minute'],
    ['PATCH', '/api/projects/1', { slug: 'x' }, 400, 'unknown key slug'], // was ignored
    [
      'POST',
      '/api/projects/1/alerts',
      { trigger: 'frequency', url: 'http://127.0.0.1:9/', threshold: 1, window_minutes: 1e300 },
      422,
      'window_minutes',
    ],
    // an alert rule made without what was misspelt or could not be honoured was a live 201
    [
      'POST',
      '/api/projects/1/alerts',
      { trigger: 'new_issue', url: 'http://127.0.0.1:9/', enabled: false },
      400,
      'unknown key enabled',
    ],
    [
      'POST',
      '/api/projects/1/alerts',
      { trigger: 'frequency', url: 'http://127.0.0.1:9/', treshold: 5, window_minutes: 1 },
      400,
      'unknown key treshold',
    ],
    [
      'POST',
      '/api/projects/1/alerts',
      { trigger: 'new_issue', url: 'http://127.0.0.1:9/', threshold: 5, window_minutes: 3 },
      422,
      'only to frequency',
    ],
    ['POST', '/api/issues/1/merge', { ids: [1] }, 422, 'itself'], // was a 200 that merged nothing
    ['POST', '/api/issues/1/merge', { ids: [999] }, 404, 'issue 999'],
  ];
  for (const [method, path, body, status, word] of cases) {
    test(`${method} ${path} ${JSON.stringify(body)} → ${status}`, async () => {
      const res = await api<{ error: { message: string } }>(t, method, path, body);
      assert.equal(res.status, status, JSON.stringify(res.json));
      assert.match(res.json.error.message, new RegExp(word));
    });
  }

  test('ignore.until_time takes RFC 3339 with a space for the T, with its zone', async () => {
    const res = await api<{ status: string; ignore_until_time: string | null }>(t, 'PATCH', '/api/issues/1', {
      status: 'ignored',
      ignore: { until_time: '2099-12-01 02:00:00+02:00' },
    });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const issue = await api<Record<string, unknown>>(t, 'GET', '/api/issues/1');
    assert.match(JSON.stringify(issue.json), /2099-12-01T00:00:00\.000Z/);
    await api(t, 'PATCH', '/api/issues/1', { status: 'unresolved' });
  });

  test('a body that is not JSON (text/plain) is a 422 naming the content type, not "unknown key 0"', async () => {
    const res = await fetch(`${t.url}/api/issues/1`, {
      method: 'PATCH',
      headers: { ...t.adminHeaders, 'content-type': 'text/plain' },
      body: 'status=resolved',
    });
    assert.equal(res.status, 422);
    assert.match(((await res.json()) as { error: { message: string } }).error.message, /application\/json/);
  });

  test('a merge with one missing source changes nothing; a source deleted a moment ago is a 404', async () => {
    const before = (await api<{ event_count: number }>(t, 'GET', '/api/issues/2')).json;
    const res = await api(t, 'POST', '/api/issues/1/merge', { ids: [2, 998] });
    assert.equal(res.status, 404);
    assert.equal((await api(t, 'GET', '/api/issues/2')).status, 200, 'source 2 still there');
    assert.deepEqual((await api(t, 'GET', '/api/issues/2')).json, before);
    assert.equal((await api<{ event_count: number }>(t, 'GET', '/api/issues/1')).json.event_count, 1);
    assert.equal((await api(t, 'DELETE', '/api/issues/3')).status, 204);
    const late = await api<{ error: { message: string } }>(t, 'POST', '/api/issues/1/merge', { ids: [2, 3] });
    assert.equal(late.status, 404);
    assert.match(late.json.error.message, /issue 3/);
    const merged = await api<{ event_count: number }>(t, 'POST', '/api/issues/1/merge', { ids: [2, 2] });
    assert.equal(merged.status, 200);
    assert.equal(merged.json.event_count, 2);
    assert.equal((await api(t, 'DELETE', '/api/issues/3')).status, 404);
  });
});

test('the UI merge page with ?source given twice is a 422 page, not a 500', async () => {
  const login = await fetch(`${t.url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: t.url },
    body: `key=${TEST_API_KEY}&next=/`,
  });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
  assert.match(cookie, /=/);
  const res = await fetch(`${t.url}/issues/1/merge?source=2&source=3`, { headers: { cookie } });
  assert.equal(res.status, 422);
  assert.match(await res.text(), /the issue to merge must be a number/);
});

describe('workflow races with events still in the inbox', () => {
  test('events of a merged source waiting in the inbox land in the target', async () => {
    await sendEvent(t, { fn: 'race_target' });
    await sendEvent(t, { fn: 'race_source' });
    t.drain();
    const ids = async () =>
      (
        await api<{ data: { id: number; culprit: string; event_count: number }[] }>(
          t,
          'GET',
          '/api/issues?query=race_&limit=100',
        )
      ).json.data;
    const [target, source] = ['race_target', 'race_source'].map((fn) =>
      ids().then((l) => l.find((i) => i.culprit.endsWith(fn))),
    );
    const targetId = (await target)?.id as number;
    const sourceId = (await source)?.id as number;
    await sendEvent(t, { fn: 'race_source' }); // accepted, not grouped yet
    assert.equal((await api(t, 'POST', `/api/issues/${targetId}/merge`, { ids: [sourceId] })).status, 200);
    t.drain();
    const after = await ids();
    assert.deepEqual(
      after.map((i) => [i.id, i.event_count]),
      [[targetId, 3]],
    );
    // the merged-away source was the newest issue: its id is not given to the next one
    await sendEvent(t, { fn: 'race_next' });
    t.drain();
    const next = (await ids()).find((i) => i.culprit.endsWith('race_next'));
    assert.ok(next && next.id > sourceId, `${next?.id} > ${sourceId}`);
  });

  test('events of a deleted issue waiting in the inbox make a new issue with a new id; nothing is lost', async () => {
    await sendEvent(t, { fn: 'race_deleted' });
    t.drain();
    const list = async () =>
      (await api<{ data: { id: number; event_count: number }[] }>(t, 'GET', '/api/issues?query=race_deleted'))
        .json.data;
    const [first] = await list();
    await sendEvent(t, { fn: 'race_deleted' });
    assert.equal((await api(t, 'DELETE', `/api/issues/${first.id}`)).status, 204);
    t.drain();
    const now = await list();
    assert.equal(now.length, 1);
    assert.notEqual(now[0].id, first.id);
    assert.equal(now[0].event_count, 1);
  });
});

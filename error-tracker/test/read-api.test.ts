// The read API: filters, sorts, cursor paging, events of an issue, tag distributions, events of a
// trace; and every list query checked with EXPLAIN QUERY PLAN to use an index.
import assert from 'node:assert/strict';
import { assertUsesIndex } from '@flowrent/shared/testing';
import { after, before, describe, test } from 'node:test';
import type { IssueFilter } from '../src/model.js';
import { buildIssueQuery } from '../src/store/issue-queries.js';
import { api, sendEvent } from './helpers/events.js';
import { startTracker, type TrackerTest } from './helpers/server.js';

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
const TRACE = '0af7651916cd43dd8448eb211c80319c';
before(async () => {
  t = await startTracker();
  // 12 issues: fn0..fn11, issue k gets k+1 events and (k % 3) + 1 users, one minute apart
  for (let k = 0; k < 12; k++) {
    for (let e = 0; e <= k; e++) {
      await sendEvent(t, {
        fn: `fn${k}`,
        value: `failure ${k}`,
        level: k % 2 === 0 ? 'error' : 'warning',
        environment: k < 6 ? 'production' : 'staging',
        release: `app@${k % 3}`,
        user: `user${e % ((k % 3) + 1)}`,
        tags: { tenant: k === 4 ? 'acme' : 'other' },
        traceId: k === 7 && e === 0 ? TRACE : undefined,
      });
    }
    t.drain();
    t.clock.now += 60_000;
  }
});
after(async () => t.close());

const list = async (qs: string) => (await api<Page<ApiIssue>>(t, 'GET', `/api/issues?${qs}`)).json;

describe('GET /api/issues', () => {
  test('sorts by last seen (default), first seen, events and users', async () => {
    assert.equal((await list('limit=1')).data[0].title, 'ValueError: failure 11');
    assert.equal((await list('sort=first_seen&limit=1')).data[0].title, 'ValueError: failure 11');
    const byEvents = await list('sort=events&limit=3');
    assert.deepEqual(
      byEvents.data.map((i) => i.event_count),
      [12, 11, 10],
    );
    const byUsers = await list('sort=users&limit=100');
    assert.ok(byUsers.data.every((i, n, a) => n === 0 || a[n - 1].user_count >= i.user_count));
  });

  test('cursor paging walks every issue once', async () => {
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: Page<ApiIssue> = await list(`sort=events&limit=5${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.data.map((i) => i.id));
      cursor = page.next_cursor;
    } while (cursor);
    assert.equal(seen.length, 12);
    assert.equal(new Set(seen).size, 12);
  });

  test('a cursor that no list gave out is a 400, on the issue list and on the events of an issue', async () => {
    const issues = await list('sort=events&limit=1');
    const top = issues.data[0].id;
    const events = (await api<Page<unknown>>(t, 'GET', `/api/issues/${top}/events?limit=1`)).json;
    assert.ok(issues.next_cursor && events.next_cursor);
    const bad = [
      '/api/issues?cursor=garbage',
      `/api/issues?cursor=${events.next_cursor}`, // an events cursor on the issue list
      `/api/issues?cursor=${Buffer.from('[1,"x"]').toString('base64url')}`,
      `/api/issues/${top}/events?cursor=garbage`,
      `/api/issues/${top}/events?cursor=${issues.next_cursor}`,
    ];
    for (const path of bad) {
      const res = await api<{ error: { code: string; details: unknown } }>(t, 'GET', path);
      assert.equal(res.status, 400, path);
      assert.equal(res.json.error.code, 'bad_request');
      assert.deepEqual(res.json.error.details, { param: 'cursor' });
    }
  });

  test('filters: level, environment, release, tag, text, seen ranges, status, project', async () => {
    assert.equal((await list('level=warning&limit=100')).data.length, 6);
    assert.equal((await list('environment=staging&limit=100')).data.length, 6);
    assert.equal((await list('release=app@1&limit=100')).data.length, 4);
    assert.deepEqual(
      (await list('query=tenant:acme')).data.map((i) => i.title),
      ['ValueError: failure 4'],
    );
    assert.deepEqual(
      (await list('query=failure%2010')).data.map((i) => i.title),
      ['ValueError: failure 10'],
    );
    assert.equal((await list('query=fn3')).data.length, 1, 'culprit is searched');
    const mid = new Date(Date.parse('2026-11-25T20:00:00Z') + 5.5 * 60_000).toISOString();
    assert.equal((await list(`first_seen_from=${mid}&limit=100`)).data.length, 6);
    assert.equal((await list(`last_seen_to=${mid}&limit=100`)).data.length, 6);
    assert.equal((await list('status=resolved')).data.length, 0);
    assert.equal((await list('project=1&limit=100')).data.length, 12);
    assert.equal((await list('query=trace:' + TRACE)).data[0].title, 'ValueError: failure 7');
    assert.equal((await api(t, 'GET', '/api/issues?sort=nope')).status, 422);
  });
});

describe('issue detail, events, tags, traces', () => {
  test('events of an issue are newest first and paged; each full event has older/newer links', async () => {
    const top = (await list('sort=events&limit=1')).data[0];
    const p1 = (await api<Page<{ event_id: string }>>(t, 'GET', `/api/issues/${top.id}/events?limit=5`)).json;
    assert.equal(p1.data.length, 5);
    const p2 = (
      await api<Page<{ event_id: string }>>(
        t,
        'GET',
        `/api/issues/${top.id}/events?limit=5&cursor=${p1.next_cursor}`,
      )
    ).json;
    assert.equal(new Set([...p1.data, ...p2.data].map((e) => e.event_id)).size, 10);
    const ev = (
      await api<{ older_event_id: string; newer_event_id: string | null; data: object }>(
        t,
        'GET',
        `/api/events/${p1.data[1].event_id}`,
      )
    ).json;
    assert.equal(ev.newer_event_id, p1.data[0].event_id);
    assert.equal(ev.older_event_id, p1.data[2].event_id);
    assert.equal((await api(t, 'GET', '/api/events/00000000000000000000000000000999')).status, 404);
  });

  test('tag distribution and the 24 h hourly series', async () => {
    const top = (await list('sort=events&limit=1')).data[0];
    const users = (
      await api<{ data: { value: string; count: number }[] }>(t, 'GET', `/api/issues/${top.id}/tags/user`)
    ).json;
    assert.equal(
      users.data.reduce((s, v) => s + v.count, 0),
      12,
    );
    const detail = (await api<{ hourly: { count: number }[] }>(t, 'GET', `/api/issues/${top.id}`)).json;
    assert.equal(
      detail.hourly.reduce((s, h) => s + h.count, 0),
      12,
    );
  });

  test('GET /api/events?trace_id= lists the events of a trace with event_id, issue_id, title, timestamp', async () => {
    const res = (await api<{ data: Record<string, unknown>[] }>(t, 'GET', `/api/events?trace_id=${TRACE}`))
      .json;
    assert.equal(res.data.length, 1);
    for (const key of ['event_id', 'issue_id', 'title', 'message', 'timestamp'])
      assert.ok(key in res.data[0], key);
    assert.equal((await api(t, 'GET', '/api/events?trace_id=nothex')).status, 422);
    assert.equal((await api(t, 'GET', '/api/events?trace_id=' + '0'.repeat(32))).json && 200, 200);
  });

  test('the read API needs the admin key; a DSN key is not enough', async () => {
    assert.equal((await fetch(`${t.url}/api/issues`)).status, 401);
    assert.equal(
      (await fetch(`${t.url}/api/issues`, { headers: { authorization: 'Bearer publickey' } })).status,
      401,
    );
  });
});

describe('every list query uses an index', () => {
  const cases: [string, IssueFilter, string][] = [
    ['default sort', {}, 'idx_issues_last_seen'],
    ['first seen', { sort: 'first_seen' }, 'idx_issues_first_seen'],
    ['events', { sort: 'events' }, 'idx_issues_events'],
    ['users', { sort: 'users' }, 'idx_issues_users'],
    ['project + status', { projectId: 1, status: 'unresolved' }, 'idx_issues_project_status_last_seen'],
    ['project', { projectId: 1 }, 'idx_issues_project_last_seen'],
    ['tag', { tags: [{ key: 'tenant', values: ['acme'], negated: false }] }, 'idx_issue_tags_kv'],
    ['tag list', { tags: [{ key: 'tenant', values: ['acme', 'x y'], negated: false }] }, 'idx_issue_tags_kv'],
    ['negated tag', { tags: [{ key: 'tenant', values: ['acme'], negated: true }] }, 'idx_issue_tags_kv'],
    ['has tag', { tags: [{ key: 'tenant', values: [], negated: false }] }, 'idx_issue_tags_kv'],
    ['not has tag', { tags: [{ key: 'tenant', values: [], negated: true }] }, 'idx_issue_tags_kv'],
    [
      'negated tag + project + status',
      { projectId: 1, status: 'unresolved', tags: [{ key: 'tenant', values: ['acme'], negated: true }] },
      'idx_issue_tags_kv',
    ],
    [
      'negated tag + text',
      { text: 'x', tags: [{ key: 'tenant', values: ['a'], negated: true }] },
      'idx_issue_tags_kv',
    ],
    ['environment', { environment: 'staging' }, 'idx_issue_tags_kv'],
    [
      'user email',
      { tags: [{ key: 'user.email', userField: 'email', values: ['a@x.io'], negated: false }] },
      'idx_issue_user_values_fv',
    ],
    [
      'user ip pattern, negated',
      { tags: [{ key: 'user.ip', userField: 'ip', values: ['10.0.*'], negated: true }] },
      'idx_issue_user_values_fv',
    ],
    [
      'no username + project',
      { projectId: 1, tags: [{ key: 'user.username', userField: 'username', values: [], negated: true }] },
      'idx_issue_user_values_fv',
    ],
    ['trace', { traceId: TRACE }, 'idx_events_trace'],
    // [event_count, id, sort index of 'events']
    [
      'cursor',
      { sort: 'events', cursor: Buffer.from('[10,5,2]').toString('base64url') },
      'idx_issues_events',
    ],
  ];
  for (const [name, filter, index] of cases) {
    test(`issue list: ${name} → ${index}`, () => {
      const { sql, params } = buildIssueQuery(filter, 25);
      assertUsesIndex(t.db, sql, params, index);
    });
  }
  const statements: [string, string, unknown[], string][] = [
    [
      'events of an issue',
      'SELECT * FROM events WHERE issue_id = ? AND id < ? ORDER BY id DESC LIMIT ?',
      [1, 99, 5],
      'idx_events_issue',
    ],
    [
      'events of an issue by time (list, latest, older)',
      'SELECT * FROM events WHERE issue_id = ? AND (timestamp, id) < (?, ?) ORDER BY timestamp DESC, id DESC LIMIT ?',
      [1, 1_800_000_000_000, 99, 5],
      'idx_events_issue_time',
    ],
    [
      'events of an issue by time (newer)',
      'SELECT event_id FROM events WHERE issue_id = ? AND (timestamp, id) > (?, ?) ORDER BY timestamp, id LIMIT 1',
      [1, 1_800_000_000_000, 99],
      'idx_events_issue_time',
    ],
    [
      'events of a trace',
      'SELECT * FROM events WHERE trace_id = ? ORDER BY id DESC LIMIT ?',
      [TRACE, 5],
      'idx_events_trace',
    ],
    [
      'event by id',
      'SELECT * FROM events WHERE event_id = ? ORDER BY id LIMIT 1',
      ['x'],
      'idx_events_event_id',
    ],
    [
      'tag values',
      'SELECT * FROM issue_tags WHERE issue_id = ? AND key = ? ORDER BY count DESC, value LIMIT ?',
      [1, 'user', 5],
      'PRIMARY KEY',
    ],
    [
      'hourly',
      'SELECT hour, count FROM issue_hourly WHERE issue_id = ? AND hour >= ? AND hour <= ? ORDER BY hour',
      [1, 0, 1],
      'PRIMARY KEY',
    ],
    [
      'status history',
      'SELECT * FROM status_changes WHERE issue_id = ? ORDER BY id',
      [1],
      'idx_status_changes_issue',
    ],
    [
      'deliveries',
      'SELECT * FROM alert_deliveries WHERE project_id = ? ORDER BY id DESC LIMIT ?',
      [1, 5],
      'idx_alert_deliveries_project',
    ],
    [
      'counted envelopes past the dedupe window (retention)',
      'SELECT rowid FROM counted_envelopes WHERE received_at < ? ORDER BY received_at LIMIT ?',
      [1, 500],
      'idx_counted_envelopes_received',
    ],
    [
      'frequency window (per-minute counts)',
      'SELECT coalesce(sum(count), 0) FROM issue_minutes WHERE issue_id = ? AND minute > ?',
      [1, 0],
      'PRIMARY KEY',
    ],
    [
      'retention by age',
      'SELECT id, issue_id FROM events WHERE received_at < ? ORDER BY received_at LIMIT ?',
      [0, 5],
      'idx_events_received',
    ],
  ];
  for (const [name, sql, params, index] of statements) {
    test(`${name} → ${index}`, () => assertUsesIndex(t.db, sql, params, index));
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Issue, ProjectWithKeys, StoredEvent } from '../model.js';
import { html } from './html.js';
import { renderIssueListPage } from './issue-list-page.js';
import { describeIgnore } from './issue-activity.js';
import { renderIssuePage, serviceMetricsQuery } from './issue-page.js';
import { readListState } from './issue-query.js';
import { nodeSnippet, pythonSnippet } from './sdk-snippets.js';
import { renderSettingsPage } from './settings-page.js';
import { loadFixtureEvents } from './testing/fixture-events.js';

const NOW = Date.UTC(2026, 10, 25, 20, 0);
const HOSTILE = '<script>window.__xss=1</script><img src=x onerror=alert(1)>';
const events = loadFixtureEvents();

function issue(patch: Partial<Issue> = {}): Issue {
  return {
    id: 7,
    projectId: 1,
    groupingVersion: 1,
    title: 'TypeError: Cannot read properties of undefined',
    culprit: 'sentry_node_client in formatAddress',
    type: 'TypeError',
    message: '',
    level: 'error',
    platform: 'node',
    status: 'unresolved',
    isRegressed: false,
    resolvedInRelease: null,
    ignore: null,
    firstSeen: new Date(NOW - 86400_000).toISOString(),
    lastSeen: new Date(NOW - 120_000).toISOString(),
    eventCount: 12345,
    userCount: 3,
    storedEventCount: 10,
    lastRelease: 'shop@1.2.3',
    lastEnvironment: 'production',
    latestEventId: 'b6e55e44b6844b00a242b65caf8bb725',
    ...patch,
  };
}

function stored(name: string, patch: Partial<StoredEvent> = {}): StoredEvent {
  const data = events.get(name)!;
  return {
    eventId: String(data.event_id),
    issueId: 7,
    projectId: 1,
    timestamp: new Date(NOW - 120_000).toISOString(),
    receivedAt: new Date(NOW - 120_000).toISOString(),
    level: 'error',
    title: 't',
    message: '',
    release: null,
    environment: null,
    traceId: null,
    user: null,
    data,
    ...patch,
  };
}

const listData = (patch = {}) => ({
  state: readListState({}),
  projects: [],
  issues: [issue()],
  sparklines: new Map([[7, [0, 1, 2]]]),
  nextCursor: null,
  emptyProjectDsn: null,
  csrfField: html`<input type="hidden" name="_csrf" value="tok">`,
  nowMs: NOW,
  ...patch,
});

test('renderIssueListPage() shows rows with counts, sparkline and a next-page link that keeps the state', () => {
  const { body } = renderIssueListPage(
    listData({ state: readListState({ query: 'a', sort: 'events' }), nextCursor: 'c2' }),
  );
  assert.match(
    body.value,
    /<a class="issue-title" data-row-link href="\/issues\/7">TypeError: Cannot read properties of undefined<\/a>/,
  );
  assert.match(body.value, /<td class="num">12,345<\/td>/);
  assert.match(body.value, /<input type="checkbox" form="bulk" name="issue_7"/);
  assert.match(body.value, /<form id="bulk"[^>]*><input type="hidden" name="_csrf" value="tok">/);
  assert.match(body.value, /<svg class="sparkline"/);
  assert.match(body.value, /href="\/\?query&#61;a&amp;sort&#61;events&amp;cursor&#61;c2" rel="next"/);
  assert.match(
    body.value,
    /<a href="\/\?query&#61;a&amp;status&#61;resolved&amp;sort&#61;events">Resolved<\/a>/,
  );
});

test('renderIssueListPage() empty states: the DSN and snippets before any event, example queries after', () => {
  const first = renderIssueListPage(listData({ issues: [], emptyProjectDsn: 'http://k@h:5010/1' })).body
    .value;
  assert.match(first, /No errors yet/);
  assert.match(first, /http:\/\/k@h:5010\/1/);
  assert.match(first, /sentry_sdk\.init/);
  const none = renderIssueListPage(listData({ issues: [] })).body.value;
  assert.match(none, /No issues match/);
  assert.match(none, /is:regressed/);
});

test('renderIssuePage() shows counts, status actions with CSRF, event navigation and the trace link', () => {
  const { body } = renderIssuePage({
    issue: issue(),
    project: null,
    releaseToResolveBy: 'app@2.0.0',
    event: stored('sentry-node-11.12.0-uncaught-exception-2-event'),
    adjacent: { older: 'a'.repeat(32), newer: null },
    tags: [
      {
        key: 'tenant',
        totalCount: 4,
        topValues: [{ key: 'tenant', value: 'acme', count: 3, firstSeen: '', lastSeen: '' }],
      },
    ],
    hourly: new Array(24).fill(1),
    statusChanges: [],
    csrfField: html`<input type="hidden" name="_csrf" value="tok">`,
    logViewerUrl: 'http://logs.example:5011/',
    nowMs: NOW,
  });
  const out = body.value;
  assert.equal((out.match(/name="_csrf" value="tok"/g) ?? []).length, 3);
  assert.match(out, /data-action="resolve"/);
  assert.match(out, /data-action="resolve_next_release" title="after app@2.0.0">Resolve in next release/);
  assert.match(out, /href="\/issues\/7\?event=a{32}" data-key="older" title="Older event \(\[\)">← Older/);
  assert.match(out, /<button type="button" class="btn btn-small" disabled>Newer →<\/button>/);
  assert.match(
    out,
    // the event's time ± 1 h: the log viewer looks back only 7 days for a trace link without a range
    /href="http:\/\/logs\.example:5011\/\?query&#61;trace_id:f0963fcdf71842289610e542e0874db6&amp;from&#61;2026-11-25T18:58:00\.000Z&amp;to&#61;2026-11-25T20:58:00\.000Z"/,
  );
  assert.match(out, /<span class="tag-value mono">acme<\/span><span class="num">75%<\/span>/);
  assert.match(out, /12,345/);
});

test('renderIssuePage() offers unresolve on a resolved issue and formats a logentry message', () => {
  const out = renderIssuePage({
    issue: issue({ status: 'resolved' }),
    project: null,
    releaseToResolveBy: null,
    event: stored('sentry-python-1.9.10-logging-error'),
    adjacent: { older: null, newer: null },
    tags: [],
    hourly: [],
    statusChanges: [],
    csrfField: html``,
    logViewerUrl: null,
    nowMs: NOW,
  }).body.value;
  assert.match(out, /data-action="unresolve">Unresolve</);
  assert.doesNotMatch(out, /data-action="resolve"/);
  assert.match(out, /payment failed for order 1234: insufficient funds/);
  assert.doesNotMatch(out, /trace_id:/);
});

test('page renderers keep hostile issue fields and tags as text', () => {
  const hostile = issue({ title: HOSTILE, culprit: HOSTILE, lastRelease: HOSTILE });
  const list = renderIssueListPage(listData({ issues: [hostile], state: readListState({ query: HOSTILE }) }))
    .body.value;
  const page = renderIssuePage({
    issue: hostile,
    project: null,
    releaseToResolveBy: HOSTILE,
    event: null,
    adjacent: { older: null, newer: null },
    tags: [
      {
        key: HOSTILE,
        totalCount: 1,
        topValues: [{ key: HOSTILE, value: HOSTILE, count: 1, firstSeen: '', lastSeen: '' }],
      },
    ],
    hourly: [],
    statusChanges: [],
    csrfField: html``,
    logViewerUrl: null,
    nowMs: NOW,
  }).body.value;
  for (const out of [list, page]) assert.doesNotMatch(out, /<script|<img|onerror=/);
});

test('renderSettingsPage() shows the DSN, both SDK snippets and the keys', () => {
  const project: ProjectWithKeys = {
    id: 1,
    name: 'Default',
    slug: 'default',
    createdAt: '',
    quotaPerMinute: 0,
    quotaPerHour: 0,
    dsn: 'http://pk@127.0.0.1:5010/1',
    keys: [
      {
        id: 1,
        projectId: 1,
        publicKey: 'pk',
        label: 'Default',
        createdAt: '',
        revokedAt: null,
        dsn: 'http://pk@127.0.0.1:5010/1',
      },
    ],
  };
  const out = renderSettingsPage({
    projects: [project],
    projectId: null,
    releases: [
      {
        projectId: 1,
        release: 'shop@1.2.3',
        environment: 'production',
        sessions: 200,
        crashed: 1,
        errored: 3,
        abnormal: 0,
        crashFreeRate: 0.995,
      },
    ],
    alertRules: [],
    deliveries: [],
    nowMs: NOW,
  }).body.value;
  assert.match(out, /<td class="num">99\.50%<\/td>/);
  assert.match(out, /No alert rules/);
  assert.ok(
    out.includes(
      pythonSnippet('http://pk@127.0.0.1:5010/1').replaceAll('"', '&quot;').replaceAll('=', '&#61;'),
    ),
  );
  assert.ok(out.includes('Sentry.init({'));
  assert.match(nodeSnippet('x'), /dsn: 'x'/);
  assert.match(out, /badge-ok">active/);
});

test('describeIgnore() words each ignore condition', () => {
  assert.equal(describeIgnore(null), 'forever');
  assert.equal(
    describeIgnore({ untilEvents: 1000, untilTime: null, untilUsers: null }),
    'until 1,000 more events',
  );
  assert.equal(
    describeIgnore({ untilEvents: null, untilTime: '2026-11-26T10:00:00.000Z', untilUsers: 10 }),
    'until 10 more users or 2026-11-26 10:00 UTC',
  );
});

test('renderIssueListPage() shows a rejected search as an alert, as text', () => {
  const out = renderIssueListPage(listData({ issues: [], error: `level must be one of ${HOSTILE}` })).body
    .value;
  assert.match(
    out,
    /<div class="alert alert-error" role="alert"><p>Search: level must be one of &lt;script&gt;/,
  );
  assert.doesNotMatch(out, /\^<\/pre>/, 'no caret without a position');
});

test('renderIssueListPage() points a caret at the position of a search syntax error', () => {
  const query = `${HOSTILE} k:"x`;
  const out = renderIssueListPage(
    listData({
      state: readListState({ query }),
      issues: [],
      error: 'unterminated quote',
      errorPosition: HOSTILE.length + 3,
    }),
  ).body.value;
  assert.ok(out.includes(`<pre class="code mono">&lt;script&gt;`), out);
  assert.ok(out.includes(`\n${' '.repeat(HOSTILE.length + 3)}^</pre>`));
  assert.doesNotMatch(out, /<script>/);
});

test('serviceMetricsQuery() links a plain service tag to its request metrics, nothing else', () => {
  assert.equal(
    serviceMetricsQuery([['service', 'checkout-api']]),
    'sum by (route, status) (rate(http_requests_total{service="checkout-api"}[5m])) or ' +
      'sum by (route, status) (rate(http_request_duration_seconds_count{service="checkout-api"}[5m]))',
  );
  assert.equal(serviceMetricsQuery([['service', 'a"}) or vector(1']]), null);
  assert.equal(serviceMetricsQuery([['tenant', 'acme']]), null);
});

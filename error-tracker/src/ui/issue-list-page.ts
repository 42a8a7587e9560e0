// The issue list at `/`: search box, status tabs, filters and sort, one row per issue with its
// 24 h sparkline. A GET form, so the URL is the whole state.
import { emptyState } from '@flowrent/shared/ui/layout';
import type { Issue, Project } from '../model.js';
import { formatCount, levelClass, timeAgo } from './format.js';
import { renderIgnore } from './issue-activity.js';
import { html, type SafeHtml } from './html.js';
import { type IssueListState, listUrl, SINCE_RANGES, STATUS_TABS } from './issue-query.js';
import { renderSdkSetup } from './sdk-snippets.js';
import { renderSparkline } from './sparkline.js';

export interface IssueListData {
  state: IssueListState;
  projects: Project[];
  issues: Issue[];
  /** Issue id → 24 hourly counts, oldest first. */
  sparklines: Map<number, number[]>;
  nextCursor: string | null;
  /** The DSN to show when no issue exists at all yet (then the empty state is the setup guide). */
  emptyProjectDsn: string | null;
  /** A search the parser rejected (shown above the list, which is then empty). */
  error?: string;
  /** Where a syntax error is in the query (0-based), to point at it under the query. */
  errorPosition?: number;
  /** Hidden CSRF field for the bulk status form. */
  csrfField: SafeHtml;
  nowMs: number;
}

const SORT_LABELS: Record<string, string> = {
  last_seen: 'Last seen',
  first_seen: 'First seen',
  events: 'Events',
  users: 'Users',
};
const LEVEL_NAMES = ['fatal', 'error', 'warning', 'info', 'debug'];

function renderTabs(state: IssueListState): SafeHtml {
  return html`<nav class="tabs" aria-label="Status">${STATUS_TABS.map(
    (tab) =>
      html`<a href="${listUrl(state, { status: tab })}"${tab === state.status ? html` aria-current="page"` : ''}>${
        tab[0].toUpperCase() + tab.slice(1)
      }</a>`,
  )}</nav>`;
}

function option(value: string, label: string, selected: boolean): SafeHtml {
  return html`<option value="${value}"${selected ? html` selected` : ''}>${label}</option>`;
}

function renderSearch(state: IssueListState, projects: Project[]): SafeHtml {
  const projectSelect =
    projects.length > 1
      ? html`<select name="project" aria-label="Project"><option value="">All projects</option>${projects.map(
          (p) => option(String(p.id), p.name, p.id === state.projectId),
        )}</select>`
      : '';
  return html`<form class="toolbar search" method="get" action="/" role="search">
<input class="grow" type="search" name="query" value="${state.query}" placeholder='Search: text, is:regressed, level:error, browser:"Chrome 120", !tag:value, has:tag' aria-label="Search issues" autocomplete="off" data-search>
${state.status === 'unresolved' ? '' : html`<input type="hidden" name="status" value="${state.status}">`}
<select name="since" aria-label="Last seen"><option value="">Any time</option>${Object.keys(SINCE_RANGES).map(
    (r) => option(r, `Seen in ${r}`, r === state.since),
  )}</select>
<select name="level" aria-label="Level"><option value="">Any level</option>${LEVEL_NAMES.map((l) => option(l, l, l === state.level))}</select>
${projectSelect}
<select name="sort" aria-label="Sort">${Object.entries(SORT_LABELS).map(([v, label]) => option(v, `Sort: ${label}`, v === state.sort))}</select>
<button type="submit" class="btn btn-primary">Search</button>
</form>
<details class="search-help hint"><summary>Search syntax</summary><ul>
<li><code>is:unresolved</code> <code>is:resolved</code> <code>is:ignored</code> <code>is:regressed</code> status</li>
<li><code>level:error</code> (fatal, error, warning, info, debug) · <code>env:production</code> · <code>release:shop@1.2.3</code></li>
<li><code>tenant:acme</code> any tag · <code>browser:"Chrome 120"</code> quoted (<code>\\"</code> for a quote) · <code>tenant:[acme, beta]</code> any of · <code>!tenant:acme</code> or <code>-tenant:acme</code> not · <code>has:browser</code> <code>!has:browser</code></li>
<li><code>trace:&lt;32 hex&gt;</code> issues with an event of that trace · <code>message:"card declined"</code> text</li>
<li>other words match the title, culprit and message; <code>"quoted words"</code> stay together. Keys: <kbd>/</kbd> search, <kbd>j</kbd>/<kbd>k</kbd> move, <kbd>Enter</kbd> open.</li>
</ul></details>`;
}

function renderRow(issue: Issue, counts: number[] | undefined, nowMs: number): SafeHtml {
  // an ignored issue says until when or what, as Sentry's list: which ignores come back by themselves
  const status =
    issue.status === 'ignored'
      ? html` <span class="badge">ignored</span> <span class="muted small ignore-until">${renderIgnore(issue.ignore)}</span>`
      : issue.status !== 'unresolved'
        ? html` <span class="badge">${issue.status}</span>`
        : '';
  return html`<tr class="issue-row level-bar ${levelClass(issue.level)}" data-row>
<td class="select"><input type="checkbox" form="bulk" name="issue_${issue.id}" value="1" aria-label="Select issue ${issue.id}"></td>
<td class="issue-cell"><a class="issue-title" data-row-link href="/issues/${issue.id}">${issue.title}</a>${
    issue.isRegressed ? html` <span class="badge level-warn">regressed</span>` : ''
  }${status}
<div class="issue-culprit mono small">${issue.culprit}</div>
<div class="issue-meta muted small"><span class="badge ${levelClass(issue.level)}">${issue.level}</span> ${timeAgo(
    Date.parse(issue.lastSeen),
    nowMs,
  )} · first seen ${timeAgo(Date.parse(issue.firstSeen), nowMs)}${issue.lastRelease ? html` · <span class="mono">${issue.lastRelease}</span>` : ''}</div></td>
<td class="spark">${renderSparkline(counts ?? new Array(24).fill(0))}</td>
<td class="num">${formatCount(issue.eventCount)}</td>
<td class="num">${formatCount(issue.userCount)}</td>
</tr>`;
}

function renderEmpty(data: IssueListData): SafeHtml {
  if (data.emptyProjectDsn !== null) {
    return html`<div class="card">${emptyState(
      'No errors yet',
      html`<p>Point your application's Sentry SDK at this DSN and its errors show up here.</p>${renderSdkSetup(data.emptyProjectDsn)}`,
    )}</div>`;
  }
  const example = (query: string, what: string) =>
    html`<li><a href="${listUrl(data.state, { query, status: 'all' })}"><code>${query}</code></a> ${what}</li>`;
  return html`<div class="card">${emptyState(
    'No issues match',
    html`<p>Try another status tab, a broader search, or one of these:</p><ul class="examples">${example(
      'is:regressed',
      'issues that came back after being resolved',
    )}${example('level:fatal', 'crashes')}${example('env:production TypeError', 'text plus a filter')}</ul><p><a href="/?status=all">Clear all filters</a></p>`,
  )}</div>`;
}

/** Bulk status change for the ticked rows (checkboxes join this form through form="bulk"): the
 * issue page's choices, and a header box that ticks the page, as Sentry's list (black-box 10 #62). */
function renderBulkForm(data: IssueListData): SafeHtml {
  return html`<form id="bulk" class="toolbar bulk" method="post" action="/issues/bulk-status">${data.csrfField}<input type="hidden" name="next" value="${listUrl(
    data.state,
    { cursor: data.state.cursor },
  )}"><span class="muted small">Selected issues:</span><select name="action" aria-label="Bulk action">
<option value="resolve">Resolve</option><option value="resolve_next_release">Resolve in next release</option><option value="unresolve">Unresolve</option>
<option value="ignore">Ignore forever</option><option value="ignore_1h">Ignore for 1 hour</option><option value="ignore_24h">Ignore for 24 hours</option>
<option value="ignore_10_events">Ignore until 10 more events</option><option value="ignore_100_events">Ignore until 100 more events</option><option value="ignore_10_users">Ignore until 10 more users</option></select>
<button type="submit" class="btn btn-small" data-action="bulk">Apply</button></form>`;
}

export function renderIssueListPage(data: IssueListData): { title: string; body: SafeHtml } {
  const { state } = data;
  const sortLink = (sort: IssueListState['sort'], label: string) =>
    html`<a href="${listUrl(state, { sort })}"${state.sort === sort ? html` aria-current="true"` : ''}>${label}</a>`;
  const table = data.error
    ? html`<div class="alert alert-error" role="alert"><p>Search: ${data.error}</p>${
        data.errorPosition === undefined
          ? ''
          : html`<pre class="code mono">${state.query}\n${' '.repeat(data.errorPosition)}^</pre>`
      }</div>`
    : data.issues.length === 0
      ? renderEmpty(data)
      : html`${renderBulkForm(data)}<div class="table-wrap"><table class="data issues">
<thead><tr><th class="select"><input type="checkbox" data-select-page aria-label="Select all issues on this page"></th><th>Issue</th><th class="spark">Last 24 h</th><th class="num">${sortLink('events', 'Events')}</th><th class="num">${sortLink('users', 'Users')}</th></tr></thead>
<tbody>${data.issues.map((issue) => renderRow(issue, data.sparklines.get(issue.id), data.nowMs))}</tbody></table></div>
${data.nextCursor ? html`<p class="pager"><a class="btn" href="${listUrl(state, { cursor: data.nextCursor })}" rel="next">Next page →</a></p>` : ''}`;
  return {
    title: 'Issues',
    body: html`<div class="issue-list"><header class="page-header"><h1>Issues</h1></header>${renderTabs(state)}${renderSearch(
      state,
      data.projects,
    )}${table}</div>`,
  };
}

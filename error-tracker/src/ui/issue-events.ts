// The "All events" tab of an issue: newest first, paged by the store's cursor, each row linking to
// the issue page with that event open (`?event=`), so the URL stays the state.
import type { EventSummary, Issue, Page } from '../model.js';
import { levelClass, timeAgo } from './format.js';
import { html, type SafeHtml } from './html.js';

export type IssueTab = 'event' | 'events';

export function renderIssueTabs(issue: Issue, tab: IssueTab): SafeHtml {
  const tabLink = (t: IssueTab, href: string, label: string) =>
    html`<a href="${href}"${t === tab ? html` aria-current="page"` : ''}>${label}</a>`;
  return html`<nav class="tabs" aria-label="Issue views">${tabLink('event', `/issues/${issue.id}`, 'Event')}${tabLink(
    'events',
    `/issues/${issue.id}?tab=events`,
    `All events (${issue.storedEventCount})`,
  )}</nav>`;
}

export function renderIssueEvents(issue: Issue, page: Page<EventSummary>, nowMs: number): SafeHtml {
  if (page.data.length === 0) return html`<p class="muted">No stored events.</p>`;
  const next = page.nextCursor
    ? html`<p class="pager"><a class="btn" rel="next" href="/issues/${issue.id}?tab=events&amp;cursor=${encodeURIComponent(page.nextCursor)}">Older events →</a></p>`
    : '';
  return html`<div class="table-wrap"><table class="data events"><thead><tr><th>Event</th><th>When</th><th>Release</th><th>Environment</th><th>User</th></tr></thead><tbody>${page.data.map(
    (e) =>
      html`<tr data-row><td><span class="badge ${levelClass(e.level)}">${e.level}</span> <a class="mono" data-row-link href="/issues/${issue.id}?event=${e.eventId}">${e.eventId.slice(
        0,
        12,
      )}</a><div class="small muted">${e.message || e.title}</div></td><td>${timeAgo(Date.parse(e.timestamp), nowMs)}</td><td class="mono">${
        e.release ?? ''
      }</td><td class="mono">${e.environment ?? ''}</td><td class="mono">${e.user ?? ''}</td></tr>`,
  )}</tbody></table></div>${next}`;
}

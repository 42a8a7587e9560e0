// One issue: header with status actions, counts, the selected (default: latest) event with its
// stack trace and panels, older/newer navigation, and tag distributions on the side.
import type { EventSummary, Issue, Page, Project, StatusChange, StoredEvent, TagSummary } from '../model.js';
import {
  readEventFacts,
  renderBreadcrumbs,
  renderContexts,
  renderExtra,
  renderRequest,
  renderUser,
} from './event-panels.js';
import {
  type JsonObject,
  readBreadcrumbs,
  readExceptions,
  readMessage,
  readTags,
  readThreadStack,
  readTraceId,
  traceLogsPath,
} from './event-view.js';
import { emptyState, serviceLink } from '@flowrent/shared/ui/layout';
import { requestMetricsQuery } from '@flowrent/shared/ui/links';
import { formatTagTerm } from '../query/issue-search.js';
import { formatCount, levelClass, timeAbsolute, timeAgo } from './format.js';
import { html, type SafeHtml } from './html.js';
import { renderStatusActions } from './issue-actions.js';
import { renderActivity, renderIgnore } from './issue-activity.js';
import { renderManageMenu } from './issue-manage.js';
import { renderIssueEvents, renderIssueTabs } from './issue-events.js';
import { renderSparkline } from './sparkline.js';
import { FRAME_TOOLS, renderExceptions, renderFrames } from './stack-trace.js';

export interface IssuePageData {
  issue: Issue;
  project: Project | null;
  /** The project's release "resolve in next release" pins, null when it has none (no button). */
  releaseToResolveBy: string | null;
  event: StoredEvent | null;
  /** Set on the "All events" tab (then `event` is not shown). */
  eventsPage?: Page<EventSummary>;
  adjacent: { older: string | null; newer: string | null };
  tags: TagSummary[];
  hourly: number[];
  statusChanges: StatusChange[];
  /** Hidden CSRF field(s) for the status forms, from the UI kit. */
  csrfField: SafeHtml;
  /** Base URL of the log viewer (our config), or null when not configured. */
  logViewerUrl: string | null;
  /** Base URL of the metrics collector (our config), for a service's request metrics. */
  metricsUrl?: string | null;
  nowMs: number;
}

function section(
  id: string,
  title: string,
  body: SafeHtml | null,
  tools: SafeHtml | '' = '',
): SafeHtml | string {
  return body === null
    ? ''
    : html`<section class="card panel" id="${id}"><div class="card-header"><h2>${title}</h2>${tools}</div>${body}</section>`;
}

function searchLink(key: string, value: string): string {
  return `/?${new URLSearchParams({ query: formatTagTerm(key, value), status: 'all' })}`;
}

/**
 * The top values of each key, then the share of the others with a link to all of them (the tag
 * values API), as Sentry's tag bars end with "Other": 5 values of 12 read as the whole picture
 * (black-box 10 #69).
 */
function renderTagDistributions(issueId: number, tags: TagSummary[]): SafeHtml {
  if (tags.length === 0) return html`<p class="muted">No tags.</p>`;
  const share = (count: number, total: number) => (total > 0 ? Math.round((count / total) * 100) : 0);
  return html`${tags.map((t) => {
    const others = t.totalCount - t.topValues.reduce((sum, v) => sum + v.count, 0);
    const all = `/api/issues/${issueId}/tags/${encodeURIComponent(t.key)}`;
    return html`<div class="tag-dist"><h4>${t.key}</h4><ul>${t.topValues.map((v) => {
      const pct = share(v.count, t.totalCount);
      return html`<li><a href="${searchLink(t.key, v.value)}"><span class="tag-value mono">${v.value}</span><span class="num">${pct}%</span></a><meter min="0" max="100" value="${pct}" title="${formatCount(
        v.count,
      )} events"></meter></li>`;
    })}${
      others > 0
        ? html`<li class="tag-other"><a href="${all}"><span class="tag-value muted">other values</span><span class="num">${share(others, t.totalCount)}%</span></a><meter min="0" max="100" value="${share(others, t.totalCount)}" title="${formatCount(others)} events"></meter></li>`
        : ''
    }</ul></div>`;
  })}`;
}

function renderEventNav(issue: Issue, event: StoredEvent, adjacent: IssuePageData['adjacent']): SafeHtml {
  const link = (id: string | null, label: string, rel: string) =>
    id
      ? html`<a class="btn btn-small" rel="${rel}" href="/issues/${issue.id}?event=${id}" data-key="${rel === 'prev' ? 'older' : 'newer'}" title="${rel === 'prev' ? 'Older event ([)' : 'Newer event (])'}">${label}</a>`
      : html`<button type="button" class="btn btn-small" disabled>${label}</button>`;
  const latest =
    event.eventId === issue.latestEventId
      ? ''
      : html`<a class="btn btn-small" href="/issues/${issue.id}">Latest</a>`;
  return html`<nav class="event-nav" aria-label="Events">${link(adjacent.older, '← Older', 'prev')}${link(
    adjacent.newer,
    'Newer →',
    'next',
  )}${latest}</nav>`;
}

/** Request metrics of the event's `service` tag (only a plain name, as a tag value can be anything). */
export function serviceMetricsQuery(tags: [string, string][]): string | null {
  const service = tags.find(([k]) => k === 'service')?.[1];
  if (!service || !/^[\w.-]{1,100}$/.test(service)) return null;
  return requestMetricsQuery(service);
}

function renderServiceLink(
  tags: [string, string][],
  metricsUrl: string | null | undefined,
): SafeHtml | string {
  const query = serviceMetricsQuery(tags);
  if (!query || !metricsUrl) return '';
  return html`<div class="fact"><a class="service-metrics" href="${serviceLink(metricsUrl, `/?query=${encodeURIComponent(query)}`)}">Request metrics of this service</a></div>`;
}

function renderTraceLinks(
  traceId: string | null,
  eventMs: number,
  logViewerUrl: string | null,
): SafeHtml | string {
  if (traceId === null) return '';
  const logs = logViewerUrl
    ? html` <a class="trace-logs" href="${serviceLink(logViewerUrl, traceLogsPath(traceId, eventMs, eventMs))}">View logs of this trace</a>`
    : '';
  return html`<div class="fact"><span class="muted">trace</span> <code>${traceId}</code>${logs} <a href="/?query=trace:${traceId}&amp;status=all">Other errors in this trace</a></div>`;
}

function renderEvent(data: IssuePageData, event: StoredEvent): SafeHtml {
  const payload = event.data as JsonObject;
  const exceptions = readExceptions(payload);
  const message = readMessage(payload);
  const threadFrames = exceptions.length === 0 ? readThreadStack(payload) : [];
  const showMessage = message !== '' && !exceptions.some((e) => e.value === message);
  const tags = readTags(payload);
  const facts = readEventFacts(payload);
  return html`<div class="event" data-event-id="${event.eventId}">
<div class="event-head"><div><h2 class="event-id">Event <code>${event.eventId}</code></h2>
<div class="muted small">${timeAbsolute(Date.parse(event.timestamp))} · ${timeAgo(Date.parse(event.timestamp), data.nowMs)} · <a href="/api/events/${event.eventId}">JSON</a></div></div>
${renderEventNav(data.issue, event, data.adjacent)}</div>
<div class="facts">${facts.map(([k, v]) => html`<div class="fact"><span class="muted">${k}</span> <span class="mono">${v}</span></div>`)}${renderTraceLinks(
    readTraceId(payload) ?? (event.traceId && /^[0-9a-f]{32}$/.test(event.traceId) ? event.traceId : null),
    Date.parse(event.timestamp),
    data.logViewerUrl,
  )}${renderServiceLink(tags, data.metricsUrl)}</div>
${showMessage ? section('message', 'Message', html`<pre class="message">${message}</pre>`) : ''}
${exceptions.length > 0 ? section('exception', exceptions.length > 1 ? 'Exceptions' : 'Exception', renderExceptions(exceptions), FRAME_TOOLS) : ''}
${threadFrames.length > 0 ? section('stacktrace', 'Stack trace', renderFrames(threadFrames)) : ''}
${section('breadcrumbs', 'Breadcrumbs', renderBreadcrumbs(readBreadcrumbs(payload)))}
${section('request', 'Request', renderRequest(payload))}
${section('user', 'User', renderUser(payload))}
${section(
  'tags',
  'Tags',
  tags.length === 0
    ? null
    : html`<ul class="tag-pills">${tags.map(
        ([k, v]) =>
          html`<li><a href="${searchLink(k, v)}"><span class="tag-key">${k}</span><span class="tag-val">${v}</span></a></li>`,
      )}</ul>`,
)}
${section('contexts', 'Contexts', renderContexts(payload))}
${section('extra', 'Additional data', renderExtra(payload))}
</div>`;
}

export function renderIssuePage(data: IssuePageData): { title: string; body: SafeHtml } {
  const { issue, nowMs } = data;
  const stat = (label: string, value: SafeHtml | string) =>
    html`<div class="stat"><div class="stat-label">${label}</div><div class="stat-value">${value}</div></div>`;
  const body = html`<div class="issue-page">
<header class="issue-head"><div class="issue-heading">
<p class="crumbs"><a href="/">Issues</a>${data.project ? html` · ${data.project.name}` : ''} · <span class="mono">#${issue.id}</span></p>
<h1 class="issue-title"><span class="badge ${levelClass(issue.level)}">${issue.level}</span> ${issue.title}</h1>
<div class="issue-culprit mono">${issue.culprit}</div>
<div class="issue-status"><span class="badge status-${issue.status}">${issue.status}</span>${issue.isRegressed ? html` <span class="badge level-warn">regressed</span>` : ''}${
    issue.resolvedInRelease
      ? html` <span class="muted">in the release after <span class="mono">${issue.resolvedInRelease}</span></span>`
      : ''
  }${issue.status === 'ignored' ? html` <span class="muted ignore-until">${renderIgnore(issue.ignore)}</span>` : ''}</div></div>
<div class="issue-actions">${renderStatusActions(issue, data.csrfField, data.releaseToResolveBy)}${renderManageMenu(issue)}</div></header>
<section class="issue-stats">${stat('Events', formatCount(issue.eventCount))}${stat('Users', formatCount(issue.userCount))}${stat(
    'First seen',
    timeAgo(Date.parse(issue.firstSeen), nowMs),
  )}${stat('Last seen', timeAgo(Date.parse(issue.lastSeen), nowMs))}${stat('Last 24 h', renderSparkline(data.hourly, { width: 240, height: 40 }))}</section>
<div class="issue-columns"><div class="issue-main">${renderIssueTabs(issue, data.eventsPage ? 'events' : 'event')}${
    data.eventsPage
      ? renderIssueEvents(issue, data.eventsPage, nowMs)
      : data.event
        ? renderEvent(data, data.event)
        : html`<div class="card">${emptyState('No stored events', 'Retention removed the events of this issue; its counts are kept.')}</div>`
  }</div>
<aside class="issue-side"><section class="card"><h3>Tags</h3>${renderTagDistributions(issue.id, data.tags)}</section>${renderActivity(data.statusChanges, nowMs)}</aside></div>
</div>`;
  return { title: issue.title, body };
}

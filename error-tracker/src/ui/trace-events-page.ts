// `/events?trace_id=<id>`: the error events of one trace, the landing page of links from the
// log viewer (the cross-service contract also allows `/?query=trace:<id>`).
import type { EventSummary } from '../model.js';
import { emptyState, serviceLink } from '@flowrent/shared/ui/layout';
import { levelClass, timeAgo } from './format.js';
import { traceLogsPath } from './event-view.js';
import { html, type SafeHtml } from './html.js';

export interface TraceEventsData {
  traceId: string;
  events: { data: EventSummary[]; nextCursor: string | null };
  logViewerUrl: string | null;
  nowMs: number;
}

export function renderTraceEventsPage(data: TraceEventsData): { title: string; body: SafeHtml } {
  const times = data.events.data.map((e) => Date.parse(e.timestamp));
  const logs = data.logViewerUrl
    ? html`<a class="trace-logs" href="${serviceLink(data.logViewerUrl, traceLogsPath(data.traceId, Math.min(...times), Math.max(...times)))}">View the logs of this trace</a>`
    : '';
  const list =
    data.events.data.length === 0
      ? html`<div class="card">${emptyState('No error events carry this trace id', 'Events link to a trace through contexts.trace.trace_id, which the SDKs set when tracing is on.')}</div>`
      : html`<div class="table-wrap"><table class="data events"><thead><tr><th>Event</th><th>Time</th><th>Release</th></tr></thead><tbody>${data.events.data.map(
          (e) =>
            html`<tr data-row><td><span class="badge ${levelClass(e.level)}">${e.level}</span> <a data-row-link href="/issues/${e.issueId}?event=${e.eventId}">${
              e.title
            }</a>${e.message && e.message !== e.title ? html`<div class="muted small mono">${e.message}</div>` : ''}</td><td>${timeAgo(Date.parse(e.timestamp), data.nowMs)}</td><td class="mono">${e.release ?? ''}</td></tr>`,
        )}</tbody></table></div>${
          data.events.nextCursor
            ? html`<p class="muted small">The newest ${data.events.data.length} events of this trace; the API pages through all of them (<code>/api/events?trace_id=${data.traceId}</code>, <code>next_cursor</code>).</p>`
            : ''
        }`;
  return {
    title: `Trace ${data.traceId}`,
    body: html`<div class="trace-events"><header class="page-header"><h1>Errors in trace <code>${data.traceId}</code></h1>${logs}</header>${list}</div>`,
  };
}

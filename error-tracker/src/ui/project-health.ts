// Read-only project facts on the settings page: events set aside by the digest, crash-free sessions
// per release, alert rules and the latest webhook deliveries.
import type { AlertDelivery, ReleaseHealth } from '../model.js';
import type { QuarantinedEntry } from '../store/store.js';
import { formatCount, timeAgo } from './format.js';
import { html, type SafeHtml } from './html.js';

export function renderReleaseHealth(releases: ReleaseHealth[]): SafeHtml {
  if (releases.length === 0)
    return html`<p class="muted">No sessions yet. SDKs with release health on (the default in @sentry/node) report them.</p>`;
  return html`<div class="table-wrap"><table class="data releases"><thead><tr><th>Release</th><th>Environment</th><th class="num">Sessions</th><th class="num">Crashed</th><th class="num">Errored</th><th class="num">Crash-free</th></tr></thead><tbody>${releases.map(
    (r) =>
      html`<tr><td class="mono">${r.release}</td><td class="mono">${r.environment}</td><td class="num">${formatCount(r.sessions)}</td><td class="num">${formatCount(
        r.crashed,
      )}</td><td class="num">${formatCount(r.errored)}</td><td class="num">${
        r.crashFreeRate === null ? '—' : `${(r.crashFreeRate * 100).toFixed(2)}%`
      }</td></tr>`,
  )}</tbody></table></div>`;
}

/** The latest webhook deliveries (rules themselves are edited in settings-forms.ts). */
export function renderDeliveries(deliveries: AlertDelivery[], nowMs: number): SafeHtml | string {
  return deliveries.length === 0
    ? ''
    : html`<h4>Latest deliveries</h4><div class="table-wrap"><table class="data deliveries"><thead><tr><th>Issue</th><th>Trigger</th><th>Webhook</th><th>Status</th><th class="num">Attempts</th><th>Last error</th><th>Created</th></tr></thead><tbody>${deliveries.map(
        (d) =>
          html`<tr><td><a href="/issues/${d.issueId}">#${d.issueId}</a></td><td>${d.trigger}</td><td class="mono small webhook">${d.url} · ${d.format === 'slack' ? 'Slack' : 'JSON'}</td><td><span class="badge${
            d.status === 'delivered' ? ' badge-ok' : d.status === 'failed' ? ' level-error' : ''
          }">${d.status}</span></td><td class="num">${d.attempts}</td><td class="small">${d.lastError ?? ''}</td><td>${timeAgo(
            Date.parse(d.createdAt),
            nowMs,
          )}</td></tr>`,
      )}</tbody></table></div>`;
}

/** Inbox entries the digest set aside (store/quarantine.ts): a warning card only when there are some. */
export function renderQuarantine(
  projectId: number,
  total: number,
  latest: QuarantinedEntry[],
  nowMs: number,
): SafeHtml | string {
  if (total === 0) return '';
  return html`<section class="card" id="quarantine"><h2>Set aside <span class="badge level-warn quarantine-count">${formatCount(total)}</span></h2>
<p>${formatCount(total)} ${total === 1 ? 'entry' : 'entries'} of this project could not be grouped and ${total === 1 ? 'was' : 'were'} kept aside instead of blocking the others. Retry ${total === 1 ? 'it' : 'them'} once the cause is fixed, or discard: <code>GET /api/quarantine?project=${projectId}</code>, <code>POST /api/quarantine/retry {"ids":[…]}</code>, <code>DELETE /api/quarantine/:id</code>.</p>
<div class="table-wrap"><table class="data quarantine"><thead><tr><th class="num">Entry</th><th>Event</th><th>Reason</th><th>Error</th><th>Set aside</th></tr></thead><tbody>${latest.map(
    (e) =>
      html`<tr><td class="num">${e.id}</td><td class="mono small">${e.eventId ?? (e.hasCounts ? 'counts only' : '')}</td><td>${
        e.reason === 'bad_entry' ? 'bad stored entry' : 'failed repeatedly'
      }</td><td class="small">${e.error}</td><td>${timeAgo(Date.parse(e.quarantinedAt), nowMs)}</td></tr>`,
  )}</tbody></table></div></section>`;
}

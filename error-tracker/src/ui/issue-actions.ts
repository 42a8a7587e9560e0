// Status actions for an issue: small POST forms (CSRF field from the UI kit) handled by
// POST /issues/:id/status, which calls the store's applyAction and redirects back.
import type { IssueAction, Issue } from '../model.js';
import { html, type SafeHtml } from './html.js';

/** The `action` values the forms send, each mapped to the store action it means. */
export const STATUS_FORM_ACTIONS: Record<string, (nowMs: number) => IssueAction> = {
  resolve: () => ({ status: 'resolved' }),
  resolve_next_release: () => ({ status: 'resolved', inNextRelease: true }),
  unresolve: () => ({ status: 'unresolved' }),
  ignore: () => ({ status: 'ignored' }),
  ignore_1h: (now) => ({ status: 'ignored', ignore: { untilTime: new Date(now + 3600_000).toISOString() } }),
  ignore_24h: (now) => ({
    status: 'ignored',
    ignore: { untilTime: new Date(now + 86400_000).toISOString() },
  }),
  ignore_10_events: () => ({ status: 'ignored', ignore: { untilEvents: 10 } }),
  ignore_100_events: () => ({ status: 'ignored', ignore: { untilEvents: 100 } }),
  ignore_10_users: () => ({ status: 'ignored', ignore: { untilUsers: 10 } }),
};

function actionForm(
  issue: Issue,
  csrf: SafeHtml,
  action: string,
  label: string,
  primary = false,
  hint = '',
): SafeHtml {
  return html`<form method="post" action="/issues/${issue.id}/status" class="inline-form">${csrf}<input type="hidden" name="action" value="${action}"><button type="submit" class="btn${primary ? ' btn-primary' : ''}" data-action="${action}"${hint ? html` title="${hint}"` : ''}>${label}</button></form>`;
}

/** `nextRelease`: the project's release "next release" would resolve after (null: it has none). */
export function renderStatusActions(issue: Issue, csrf: SafeHtml, nextRelease: string | null): SafeHtml {
  if (issue.status !== 'unresolved') {
    return html`<div class="actions">${actionForm(issue, csrf, 'unresolve', issue.status === 'resolved' ? 'Unresolve' : 'Stop ignoring', true)}</div>`;
  }
  // "Next release" only when the project has a release (as Sentry): there is nothing to follow else
  const resolveNext =
    nextRelease === null
      ? ''
      : actionForm(
          issue,
          csrf,
          'resolve_next_release',
          'Resolve in next release',
          false,
          `after ${nextRelease}`,
        );
  return html`<div class="actions">${actionForm(issue, csrf, 'resolve', 'Resolve', true)}${resolveNext}<form method="post" action="/issues/${issue.id}/status" class="inline-form ignore-form">${csrf}<select name="action" aria-label="Ignore how long">
<option value="ignore">Ignore forever</option><option value="ignore_1h">for 1 hour</option><option value="ignore_24h">for 24 hours</option>
<option value="ignore_10_events">until 10 more events</option><option value="ignore_100_events">until 100 more events</option><option value="ignore_10_users">until 10 more users</option>
</select><button type="submit" class="btn" data-action="ignore">Ignore</button></form></div>`;
}

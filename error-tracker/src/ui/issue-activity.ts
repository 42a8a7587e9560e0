// The issue page's Activity list: each status change with what it was, from the details the
// workflow stores. It showed only the new status, so a merge read "unresolved by api" (someone
// reopening it?), a regression "unresolved by system" and an ignore never said until when
// (black-box 10 #59); Sentry's activity feed words each kind.
import type { Issue, StatusChange } from '../model.js';
import { formatCount, timeAbsolute, timeAgo } from './format.js';
import { html, type SafeHtml } from './html.js';

/** "until 10 more events", "until 2026-11-26 10:00 UTC", or "forever". */
export function describeIgnore(ignore: Issue['ignore']): string {
  const parts: string[] = [];
  if (ignore?.untilEvents) parts.push(`${formatCount(ignore.untilEvents)} more events`);
  if (ignore?.untilUsers) parts.push(`${formatCount(ignore.untilUsers)} more users`);
  if (ignore?.untilTime) parts.push(ignore.untilTime.replace('T', ' ').replace(/(:\d\d)?(\.\d+)?Z$/, ' UTC'));
  return parts.length === 0 ? 'forever' : `until ${parts.join(' or ')}`;
}

/**
 * An ignore's condition for the page: the time is a <time> element, so it follows the Local/UTC
 * toggle as every other time on the page (it was UTC text; black-box 10 #68).
 */
export function renderIgnore(ignore: Issue['ignore']): SafeHtml {
  const parts: (SafeHtml | string)[] = [];
  if (ignore?.untilEvents) parts.push(`${formatCount(ignore.untilEvents)} more events`);
  if (ignore?.untilUsers) parts.push(`${formatCount(ignore.untilUsers)} more users`);
  if (ignore?.untilTime) parts.push(timeAbsolute(Date.parse(ignore.untilTime)));
  if (parts.length === 0) return html`forever`;
  return html`until ${parts.map((p, i) => html`${i > 0 ? ' or ' : ''}${p}`)}`;
}

/** What a change did beyond its new status ("in the release after app@1.1.0"), or ''. */
export function describeChange(c: StatusChange): string {
  const d = c.details;
  const release = typeof d.release === 'string' ? d.release : null;
  if (Array.isArray(d.merged)) {
    const ids = d.merged.filter((id) => typeof id === 'number').map((id) => `#${id}`);
    return `${ids.join(', ')} merged into this issue`;
  }
  if (d.reason === 'regression') return release ? `regression in ${release}` : 'regression';
  if (d.reason === 'ignore_expired') return 'ignore condition met';
  if (c.toStatus === 'resolved' && d.inNextRelease === true)
    return release ? `in the release after ${release}` : 'in the next release';
  if (c.toStatus === 'ignored') {
    const count = (v: unknown) => (typeof v === 'number' && v > 0 ? v : null);
    return describeIgnore({
      untilEvents: count(d.untilEvents),
      untilUsers: count(d.untilUsers),
      untilTime: typeof d.untilTime === 'string' ? d.untilTime : null,
    });
  }
  return '';
}

export function renderActivity(changes: StatusChange[], nowMs: number): SafeHtml | string {
  if (changes.length === 0) return '';
  return html`<section class="card history"><h3>Activity</h3><ul>${changes.map((c) => {
    const merge = Array.isArray(c.details.merged);
    const what = describeChange(c);
    return html`<li><span class="badge${merge ? '' : ` status-${c.toStatus}`}">${merge ? 'merge' : c.toStatus}</span> ${what ? `${what}, ` : ''}by ${c.actor} ${timeAgo(Date.parse(c.at), nowMs)}</li>`;
  })}</ul></section>`;
}

// Merging and deleting an issue. Both are two steps without any script: the issue page's form
// (GET) opens a confirmation page that names what will happen, and only its POST form (with the
// CSRF field) changes anything. A <details> menu keeps them out of the way of the status buttons.
import type { Issue } from '../model.js';
import { formatCount, levelClass, timeAgo } from './format.js';
import { html, type SafeHtml } from './html.js';

export function renderManageMenu(issue: Issue): SafeHtml {
  return html`<details class="manage-menu"><summary class="btn" data-action="manage">More…</summary><div class="card manage-panel">
<form method="get" action="/issues/${issue.id}/merge" class="form-stack merge-form"><label>Merge another issue into this one <input name="source" inputmode="numeric" pattern="#?[0-9]+" required placeholder="issue number, e.g. 42" autocomplete="off"></label>
<p class="small muted">Its events, tags, users and counts move here; the other issue is removed. You confirm on the next page.</p>
<button type="submit" class="btn" data-action="merge">Merge…</button></form>
<hr><a class="btn btn-danger" href="/issues/${issue.id}/delete" data-action="delete">Delete issue…</a></div></details>`;
}

function count(n: number, noun: string): string {
  return `${formatCount(n)} ${noun}${n === 1 ? '' : 's'}`;
}

function issueSummary(issue: Issue, nowMs: number): SafeHtml {
  return html`<div class="confirm-issue"><span class="badge ${levelClass(issue.level)}">${issue.level}</span> <span class="mono">#${issue.id}</span> <strong>${issue.title}</strong>
<div class="muted small"><span class="mono">${issue.culprit}</span> · ${count(issue.eventCount, 'event')} · ${count(issue.userCount, 'user')} · last seen ${timeAgo(
    Date.parse(issue.lastSeen),
    nowMs,
  )}</div></div>`;
}

interface ConfirmPage {
  title: string;
  lead: SafeHtml;
  details: SafeHtml;
  action: string;
  submit: SafeHtml;
  back: string;
}

function renderConfirm(page: ConfirmPage): { title: string; body: SafeHtml } {
  return {
    title: page.title,
    body: html`<div class="confirm-page card"><h1>${page.title}</h1><p>${page.lead}</p>${page.details}
<form method="post" action="${page.action}" class="confirm-actions">${page.submit}<a class="btn" href="${page.back}">Cancel</a></form></div>`,
  };
}

export function renderMergeConfirm(
  target: Issue,
  source: Issue,
  csrf: SafeHtml,
  nowMs: number,
): { title: string; body: SafeHtml } {
  return renderConfirm({
    title: `Merge #${source.id} into #${target.id}?`,
    lead: html`Issue <span class="mono">#${source.id}</span> is removed; its ${count(source.eventCount, 'event')}, tags and users join <span class="mono">#${target.id}</span>, which keeps its status. Future events that would have grouped into <span class="mono">#${source.id}</span> group into <span class="mono">#${target.id}</span>.`,
    details: html`<h3>Merged and removed</h3>${issueSummary(source, nowMs)}<h3>Kept</h3>${issueSummary(target, nowMs)}`,
    action: `/issues/${target.id}/merge`,
    submit: html`${csrf}<input type="hidden" name="source" value="${source.id}"><button type="submit" class="btn btn-primary" data-action="confirm-merge">Merge</button>`,
    back: `/issues/${target.id}`,
  });
}

export function renderDeleteConfirm(
  issue: Issue,
  csrf: SafeHtml,
  nowMs: number,
): { title: string; body: SafeHtml } {
  return renderConfirm({
    title: `Delete issue #${issue.id}?`,
    lead: html`The issue and its ${count(issue.storedEventCount, 'stored event')} are deleted for good. If the error happens again, a new issue is created.`,
    details: issueSummary(issue, nowMs),
    action: `/issues/${issue.id}/delete`,
    submit: html`${csrf}<button type="submit" class="btn btn-danger" data-action="confirm-delete">Delete issue and events</button>`,
    back: `/issues/${issue.id}`,
  });
}

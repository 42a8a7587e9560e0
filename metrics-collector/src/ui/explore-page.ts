// Explore: one PromQL query, graph or table, time range in the URL. The browser bundle does the querying.
import { html, type SafeHtml } from '@flowrent/shared/ui';
import { QUICK_RANGES, type ResolvedRange } from './time-range.js';

export interface ExploreParams {
  query: string;
  range: string;
  from: string;
  end: string;
  step: string;
  tab: 'graph' | 'table';
  stacked: boolean;
}

export function exploreParams(q: Record<string, string | undefined>): ExploreParams {
  return {
    query: q.query ?? q.expr ?? '',
    range: q.range ?? '1h',
    from: q.from ?? '',
    end: q.end ?? q.to ?? '',
    step: q.step ?? '',
    tab: q.tab === 'table' ? 'table' : 'graph',
    stacked: q.stacked === '1' || q.stacked === 'on',
  };
}

function link(p: ExploreParams, change: Partial<ExploreParams>): string {
  const next = { ...p, ...change };
  const qs = new URLSearchParams();
  if (next.query) qs.set('query', next.query);
  qs.set('range', next.range);
  if (next.from) qs.set('from', next.from);
  if (next.end) qs.set('end', next.end);
  if (next.step) qs.set('step', next.step);
  if (next.tab !== 'graph') qs.set('tab', next.tab);
  if (next.stacked) qs.set('stacked', '1');
  return `/?${qs}`;
}

const EXAMPLES = [
  'up',
  'sum by (job) (rate(http_requests_total[5m]))',
  'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))',
];

export interface AddToDashboard {
  csrfToken: string;
  dashboards: { id: number; title: string }[];
}

function addToDashboardForm(p: ExploreParams, add: AddToDashboard): SafeHtml | '' {
  if (!p.query) return '';
  const options = add.dashboards.map((d) => html`<option value="${d.id}">${d.title}</option>`);
  return html`<form method="post" action="/dashboards/add-panel" class="toolbar add-to-dashboard">
  <input type="hidden" name="_csrf" value="${add.csrfToken}"><input type="hidden" name="expr" value="${p.query}">
  <input type="hidden" name="kind" value="${p.tab}"><input type="hidden" name="stacked" value="${p.stacked ? '1' : ''}">
  <label>Add this query to <select name="dashboard">${options}<option value="new">a new dashboard</option></select></label>
  <button type="submit" class="btn btn-small">Add panel</button></form>`;
}

export function renderExploreBody(
  p: ExploreParams,
  range: ResolvedRange,
  add?: AddToDashboard,
  /** The log viewer's public URL: `service` label values link to that service's logs. */
  logsUrl = '',
): SafeHtml {
  const quick = QUICK_RANGES.map(
    (r) =>
      html`<a class="btn btn-small${r === p.range && !p.from && !p.end ? ' is-active' : ''}" href="${link(p, { range: r, from: '', end: '' })}">${r}</a>`,
  );
  const tabs = (['graph', 'table'] as const).map(
    (t) =>
      html`<a href="${link(p, { tab: t })}"${t === p.tab ? html` aria-current="page"` : ''}>${t === 'graph' ? 'Graph' : 'Table'}</a>`,
  );
  const empty = html`<div class="empty"><p class="empty-title">Type a PromQL expression</p>
    <div class="empty-hint">Start typing a metric name for suggestions, or try one of these:
    <ul class="recent-queries">${EXAMPLES.map((e) => html`<li><a href="${link(p, { query: e })}">${e}</a></li>`)}</ul></div></div>`;
  return html`<form id="explore-form" class="explore-form" method="get" action="/"
    data-start="${range.startMs}" data-end="${range.endMs}" data-step="${range.stepMs}" data-tab="${p.tab}" data-stacked="${p.stacked ? '1' : '0'}" data-logs-url="${logsUrl}">
  <div class="query-row">
    <textarea id="query-input" name="query" class="mono" rows="1" spellcheck="false" data-search placeholder="Expression, e.g. rate(http_requests_total[5m])">${p.query}</textarea>
    <button type="submit" class="btn btn-primary">Run</button>
  </div>
  <div class="toolbar">
    <div class="btn-group" role="group" aria-label="Quick ranges">${quick}</div>
    <label class="form-inline small">Range <input name="range" value="${p.range}" size="6" class="mono" aria-label="Range"></label>
    <label class="form-inline small">From <input name="from" value="${p.from}" placeholder="end − range" size="22" class="mono" aria-label="Start time (RFC 3339 or epoch seconds)"></label>
    <label class="form-inline small">End <input name="end" value="${p.end}" placeholder="now" size="22" class="mono" aria-label="End time (RFC 3339 or epoch seconds)"></label>
    <label class="form-inline small">Step <input name="step" value="${p.step}" placeholder="auto" size="6" class="mono" aria-label="Step"></label>
    ${p.tab === 'table' ? html`<input type="hidden" name="tab" value="table">` : ''}
    <label class="form-inline small"><input type="checkbox" name="stacked" value="1"${p.stacked ? html` checked` : ''}> Stacked</label>
  </div>
</form>
<nav class="tabs" aria-label="View">${tabs}</nav>
<div id="explore-status" class="explore-status" aria-live="polite"></div>
<section class="card"><div id="explore-result">${p.query ? html`<div class="empty"><span class="spinner"></span></div>` : empty}</div></section>
${add ? addToDashboardForm(p, add) : ''}
<section class="card"><div class="card-header"><h3>Recent queries</h3></div><ul id="recent-queries" class="recent-queries"></ul></section>`;
}

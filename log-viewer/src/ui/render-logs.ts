// The log explorer page as a function of data: query bar, time range, histogram slot, field
// sidebar, saved searches and the result list. Every record field is client data and goes through
// `html` escaping; links are built from our own patterns plus encoded values.
import { html, type SafeHtml, safeUrl } from '@flowrent/shared/ui';
import type { RecordJson } from '../http/query-record-json.js';
import type { FieldInfo } from '../store/log-store.js';
import {
  addFilter,
  errorTrackerTraceUrl,
  metricsServiceUrl,
  type PageState,
  pageUrl,
} from './filter-query.js';
import { renderQueryHelp } from './query-help.js';

export const QUICK_RANGES = ['15m', '1h', '24h', '7d'];

export interface LogsPageData {
  state: PageState;
  records: RecordJson[];
  nextCursor: string | null;
  fields: FieldInfo[];
  saved: { id: number; name: string; query: string; from: string; to: string }[];
  error?: { message: string; position?: number };
  urls: { errors: string; metrics: string };
}

function filterLinks(state: PageState, field: string, value: string): SafeHtml {
  const include = pageUrl({ ...state, query: addFilter(state.query, field, value) });
  const exclude = pageUrl({ ...state, query: addFilter(state.query, field, value, true) });
  return html`<a class="filter-link" href="${include}" title="Filter by this value" data-filter="include">+</a><a class="filter-link" href="${exclude}" title="Exclude this value" data-filter="exclude">−</a>`;
}

function detailRow(state: PageState, field: string, value: string, extra?: SafeHtml): SafeHtml {
  return html`<tr><th class="mono">${field}</th><td><span class="mono field-value">${value}</span> ${filterLinks(state, field, value)}${extra ?? ''}</td></tr>`;
}

function flatAttributes(obj: Record<string, unknown>, prefix = ''): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(obj)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v))
      out.push(...flatAttributes(v as Record<string, unknown>, `${prefix}${k}.`));
    else out.push([prefix + k, typeof v === 'string' ? v : JSON.stringify(v)]);
  }
  return out;
}

export function renderRecord(r: RecordJson, state: PageState, urls: LogsPageData['urls']): SafeHtml {
  const traceLinks = r.trace_id
    ? html` <a class="small" href="${safeUrl(errorTrackerTraceUrl(urls.errors, r.trace_id))}" data-trace-errors>errors of this trace</a> · <a class="small" href="${pageUrl({ ...state, query: `trace_id:${r.trace_id}` })}">all lines of this trace</a>`
    : undefined;
  const rows = [
    detailRow(
      state,
      'service',
      r.service,
      html` <a class="small" href="${safeUrl(metricsServiceUrl(urls.metrics, r.service))}">request metrics</a>`,
    ),
    detailRow(state, 'level', r.level),
    r.host ? detailRow(state, 'host', r.host) : '',
    r.trace_id ? detailRow(state, 'trace_id', r.trace_id, traceLinks) : '',
    r.span_id ? detailRow(state, 'span_id', r.span_id) : '',
    ...Object.entries(r.labels).map(([k, v]) => detailRow(state, `labels.${k}`, v)),
    ...flatAttributes(r.attributes).map(([k, v]) => detailRow(state, k, v)),
  ];
  return html`<li class="log-row" data-row data-seq="${r.seq}" data-time-ns="${r.time_ns}">
<div class="log-summary" data-toggle>
<a class="log-expand" href="#" data-row-link aria-label="Show details" title="Details (Enter)">▸</a>
<time class="log-time mono" datetime="${r.timestamp}" data-format="absolute">${r.timestamp.replace('T', ' ').slice(0, 23)}</time>
<span class="badge level-${r.level}">${r.level}</span>
<span class="log-service mono">${r.service}</span>
<span class="log-line log-message">${r.message}</span>
</div>
<div class="log-details" hidden>
<table class="data kv-table"><tbody>${rows}</tbody></table>
<details class="log-json"><summary class="small">JSON</summary><pre class="code mono">${JSON.stringify(r, null, 2)}</pre></details>
<div class="log-actions"><button type="button" class="btn btn-small" data-context>Show context</button> <span class="small muted">${r.protocol}</span></div>
<div class="log-context" data-context-slot></div>
</div>
</li>`;
}

function renderTimeRange(state: PageState): SafeHtml {
  const quick = QUICK_RANGES.map(
    (r) =>
      html`<a class="btn btn-small${state.from === r && !state.to ? ' is-active' : ''}" href="${pageUrl({ ...state, from: r, to: '' })}" data-range="${r}">${r}</a>`,
  );
  return html`<div class="time-range"><div class="btn-group" role="group" aria-label="Quick ranges">${quick}</div>
<label class="small">from <input name="from" class="mono range-input" value="${state.from}" placeholder="24h" form="query-form"></label>
<label class="small">to <input name="to" class="mono range-input" value="${state.to}" placeholder="now" form="query-form"></label></div>`;
}

function renderError(error: LogsPageData['error'], query: string): SafeHtml | '' {
  if (!error) return '';
  const caret =
    error.position !== undefined
      ? html`<pre class="code mono query-caret">${query}\n${' '.repeat(error.position)}^</pre>`
      : '';
  return html`<div class="alert alert-error" role="alert" data-query-error>${error.message}${caret}</div>`;
}

function renderFields(data: LogsPageData): SafeHtml {
  const items = data.fields.slice(0, 30).map(
    (
      f,
    ) => html`<details class="field"><summary class="mono">${f.name} <span class="muted small" data-number="${f.count}">${f.count}</span></summary>
<ul class="field-values">${f.topValues.map((v) => html`<li><span class="mono field-value" title="${v.value}">${v.value}</span> <span class="muted small" data-number="${v.count}">${v.count}</span> ${filterLinks(data.state, f.name, v.value)}</li>`)}</ul></details>`,
  );
  return html`<section class="card fields-card"><div class="card-header"><h2>Fields</h2></div><p class="small muted">Top values in the lines shown.</p>${items.length ? items : html`<p class="muted small">No fields in this range.</p>`}</section>`;
}

function renderSaved(data: LogsPageData): SafeHtml {
  const items = data.saved.map(
    (s) =>
      html`<li><a href="${pageUrl({ query: s.query, from: s.from, to: s.to })}" title="${s.query}">${s.name}</a> <button type="button" class="btn-link small" data-delete-saved="${s.id}" title="Delete">×</button></li>`,
  );
  return html`<section class="card saved-card"><div class="card-header"><h2>Saved searches</h2></div>
<ul class="saved-list">${items.length ? items : html`<li class="muted small">None yet.</li>`}</ul>
<form class="form-inline" data-save-search><input name="name" placeholder="Name this search" required maxlength="200"><button type="submit" class="btn btn-small">Save</button></form></section>`;
}

export function renderLogsBody(data: LogsPageData): SafeHtml {
  const { state } = data;
  const rows = data.records.map((r) => renderRecord(r, state, data.urls));
  const empty = html`<div class="empty" data-empty><p class="empty-title">No log lines match</p><div class="empty-hint">Widen the time range or try <a href="${pageUrl({ ...state, query: 'level>=warn', from: '24h' })}"><code>level&gt;=warn</code> over 24 h</a>. Send lines with <code>curl -H 'Authorization: Bearer $API_KEY' --data-binary '{"message":"hello","service":"demo"}' $LOGS_URL/api/logs</code>.</div></div>`;
  return html`<section class="card query-card">
<form id="query-form" method="get" action="/" class="query-form" data-query-form>
<input type="search" name="query" class="mono grow query-input" value="${state.query}" placeholder="service:checkout level>=warn timeout" data-search autocomplete="off" spellcheck="false" list="query-history" aria-label="Query">
<datalist id="query-history"></datalist>
<button type="submit" class="btn btn-primary">Search</button>
<button type="button" class="btn" data-live-toggle aria-pressed="${state.live ? 'true' : 'false'}">Live tail</button>
<a class="btn" href="/api/logs/export?${new URLSearchParams({ query: state.query, from: state.from, to: state.to, format: 'ndjson' }).toString()}" data-export>Export NDJSON</a>
<a class="btn" href="/api/logs/export?${new URLSearchParams({ query: state.query, from: state.from, to: state.to, format: 'csv' }).toString()}">CSV</a>
</form>
${renderTimeRange(state)}
${renderError(data.error, state.query)}
${renderQueryHelp()}
</section>
<section class="card histogram-card"><div class="histogram" data-histogram data-query="${state.query}" data-from="${state.from}" data-to="${state.to}"><p class="muted small">Loading volume…</p></div></section>
<div class="logs-layout">
<aside class="logs-side">${renderSaved(data)}${renderFields(data)}</aside>
<section class="card results-card">
<div class="card-header"><h2>Log lines</h2><span class="live-status small" data-live-status hidden></span><span class="muted small" data-total hidden></span><span class="muted small" data-result-count>${data.records.length}${data.nextCursor ? '+' : ''} shown</span>
<button type="button" class="btn btn-small btn-danger delete-matching" data-delete-matching title="Count, then delete every line this query matches in this time range">Delete matching…</button></div>
<div class="delete-panel" data-delete-panel hidden></div>
<ol class="log-list" data-log-list data-query="${state.query}" data-from="${state.from}" data-to="${state.to}" data-errors-url="${data.urls.errors}" data-metrics-url="${data.urls.metrics}">${rows}</ol>
${data.records.length === 0 && !data.error ? empty : ''}
${data.nextCursor ? html`<button type="button" class="btn load-more" data-load-more data-cursor="${data.nextCursor}">Load older lines</button>` : ''}
</section>
</div>`;
}

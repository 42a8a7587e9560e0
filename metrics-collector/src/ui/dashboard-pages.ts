// Dashboards: the list (with create and import), a dashboard's panel grid, and its edit form.
import { emptyState, formatNumber, html, type SafeHtml, timeAgo } from '@flowrent/shared/ui';
import { type Dashboard, GRID_COLUMNS, PANEL_KINDS, type Panel } from '../dashboards/dashboard-model.js';
import type { DashboardSummary } from '../store/dashboards-store.js';
import { QUICK_RANGES, REFRESH_CHOICES, type ResolvedRange } from './time-range.js';

const IMPORT_PLACEHOLDER =
  '{"flowrent_dashboard": 1, "title": "API", "panels": [{"title": "Up", "expr": "up"}]}';

export function renderDashboardList(list: DashboardSummary[], csrf: string, error?: string): SafeHtml {
  const rows = list.map(
    (d) => html`<tr data-row><td><a href="/dashboards/${d.id}" data-row-link>${d.title}</a></td>
      <td class="num">${formatNumber(d.panelCount)}</td><td>${timeAgo(d.updatedMs)}</td>
      <td class="nowrap num"><a class="btn btn-small" href="/dashboards/${d.id}/edit">Edit</a>
      <a class="btn btn-small" href="/dashboards/${d.id}/export">Export JSON</a></td></tr>`,
  );
  const table =
    list.length === 0
      ? html`<section class="card">${emptyState('No dashboards yet', 'Create one below, or import a JSON export.')}</section>`
      : html`<div class="table-wrap"><table class="data"><thead><tr><th>Title</th><th class="num">Panels</th><th>Updated</th><th></th></tr></thead><tbody>${rows}</tbody></table></div>`;
  return html`<div class="page-header"><h1>Dashboards</h1></div>
${error ? html`<p class="alert alert-error" role="alert">${error}</p>` : ''}
${table}
<div class="grid" id="dashboard-forms">
  <section class="card"><div class="card-header"><h2>New dashboard</h2></div>
    <form method="post" action="/dashboards" class="form-stack"><input type="hidden" name="_csrf" value="${csrf}">
      <label>Title <input name="title" required maxlength="200" placeholder="Checkout service"></label>
      <button type="submit" class="btn btn-primary">Create</button></form></section>
  <section class="card"><div class="card-header"><h2>Import JSON</h2></div>
    <form method="post" action="/dashboards/import" class="form-stack"><input type="hidden" name="_csrf" value="${csrf}">
      <label>Dashboard JSON <textarea name="json" rows="6" class="mono" required placeholder="${IMPORT_PLACEHOLDER}"></textarea></label>
      <button type="submit" class="btn">Import</button></form></section>
</div>`;
}

function panelCard(panel: Panel, index: number, params: { range: string; end: string }): SafeHtml {
  const qs = new URLSearchParams({ query: panel.expr, range: params.range });
  if (params.end) qs.set('end', params.end);
  if (panel.kind === 'table') qs.set('tab', 'table');
  if (panel.stacked) qs.set('stacked', '1');
  const exploreHref = `/?${qs}`;
  return html`<section class="card panel span-${panel.width}" data-panel="${index}" data-expr="${panel.expr}" data-kind="${panel.kind}" data-stacked="${panel.stacked ? '1' : '0'}">
  <div class="card-header"><h3 class="panel-title" title="${panel.title}">${panel.title || panel.expr}</h3>
  <a class="panel-expr" href="${exploreHref}" title="Open in Explore">${panel.expr}</a></div>
  <div class="panel-body"><div class="empty"><span class="spinner"></span></div></div>
</section>`;
}

export function renderDashboardView(
  id: number,
  d: Dashboard,
  params: { range: string; end: string; refresh: string },
  range: ResolvedRange,
): SafeHtml {
  const qs = (change: Record<string, string>) => {
    const next = new URLSearchParams({ range: params.range, refresh: params.refresh, ...change });
    if (params.end && !('end' in change)) next.set('end', params.end);
    for (const [k, v] of [...next]) if (v === '') next.delete(k);
    return `/dashboards/${id}?${next}`;
  };
  const quick = QUICK_RANGES.map(
    (r) =>
      html`<a class="btn btn-small${r === params.range && !params.end ? ' is-active' : ''}" href="${qs({ range: r, end: '' })}">${r}</a>`,
  );
  const refresh = REFRESH_CHOICES.map(
    (r) => html`<option value="${r}"${r === params.refresh ? html` selected` : ''}>${r || 'off'}</option>`,
  );
  const panels =
    d.panels.length === 0
      ? html`<section class="card span-12">${emptyState('This dashboard has no panels', html`<a class="btn btn-primary" href="/dashboards/${id}/edit">Add a panel</a>`)}</section>`
      : d.panels.map((panel, i) => panelCard(panel, i, params));
  return html`<div class="page-header"><h1>${d.title}</h1>${d.description ? html`<span class="muted">${d.description}</span>` : ''}
  <div class="actions"><a class="btn" href="/dashboards/${id}/edit">Edit</a><a class="btn" href="/dashboards/${id}/export">Export JSON</a></div></div>
<form class="toolbar" method="get" action="/dashboards/${id}" id="dashboard-toolbar"
  data-start="${range.startMs}" data-end="${range.endMs}" data-step="${range.stepMs}" data-refresh="${params.refresh}">
  <div class="btn-group" role="group" aria-label="Quick ranges">${quick}</div>
  <label>Range <input name="range" value="${params.range}" size="6" class="mono"></label>
  <label>End <input name="end" value="${params.end}" placeholder="now" size="22" class="mono"></label>
  <label>Refresh <select name="refresh">${refresh}</select></label>
  <button class="btn" type="submit">Apply</button>
  <span id="dashboard-status" class="hint" aria-live="polite"></span>
</form>
<div class="panel-grid" id="panel-grid">${panels}</div>`;
}

function panelFields(panel: Panel, i: number): SafeHtml {
  const kinds = PANEL_KINDS.map(
    (k) => html`<option value="${k}"${k === panel.kind ? html` selected` : ''}>${k}</option>`,
  );
  const widths = Array.from({ length: GRID_COLUMNS }, (_, w) => w + 1).map(
    (w) => html`<option value="${w}"${w === panel.width ? html` selected` : ''}>${w}/12</option>`,
  );
  return html`<fieldset class="card panel-fields"><legend class="small muted">Panel ${i + 1}</legend>
  <div class="form-inline">
    <label>Title <input name="panels.${i}.title" value="${panel.title}" maxlength="200"></label>
    <label>Type <select name="panels.${i}.kind">${kinds}</select></label>
    <label>Width <select name="panels.${i}.width">${widths}</select></label>
    <label class="inline"><input type="checkbox" name="panels.${i}.stacked" value="1"${panel.stacked ? html` checked` : ''}> Stacked</label>
    <label class="inline"><input type="checkbox" name="panels.${i}.remove" value="1"> Remove</label>
    <span class="btn-group"><button type="submit" class="btn btn-small" name="action" value="up:${i}" title="Move up" aria-label="Move panel ${i + 1} up">↑</button><button type="submit" class="btn btn-small" name="action" value="down:${i}" title="Move down" aria-label="Move panel ${i + 1} down">↓</button></span>
  </div>
  <label>PromQL <textarea name="panels.${i}.expr" rows="2" class="mono" spellcheck="false">${panel.expr}</textarea></label>
</fieldset>`;
}

export function renderDashboardEdit(
  id: number,
  d: Dashboard,
  csrf: string,
  json: string,
  error?: string,
): SafeHtml {
  const ranges = QUICK_RANGES.map(
    (r) => html`<option value="${r}"${r === d.range ? html` selected` : ''}>${r}</option>`,
  );
  const refresh = REFRESH_CHOICES.map(
    (r) => html`<option value="${r}"${r === d.refresh ? html` selected` : ''}>${r || 'off'}</option>`,
  );
  return html`<div class="page-header"><h1>Edit ${d.title}</h1><div class="actions"><a class="btn" href="/dashboards/${id}">View</a></div></div>
${error ? html`<p class="alert alert-error" role="alert">${error}</p>` : ''}
<form method="post" action="/dashboards/${id}" class="form-stack" id="dashboard-edit">
  <input type="hidden" name="_csrf" value="${csrf}">
  <section class="card form-stack">
    <label>Title <input name="title" value="${d.title}" required maxlength="200"></label>
    <label>Description <input name="description" value="${d.description}" maxlength="2000"></label>
    <div class="form-inline"><label>Default range <select name="range">${ranges}</select></label>
    <label>Refresh <select name="refresh">${refresh}</select></label>
    <button type="submit" class="btn btn-primary" name="action" value="save">Save</button></div>
  </section>
  ${d.panels.map(panelFields)}
  <div class="row form-actions"><button type="submit" class="btn btn-primary" name="action" value="save">Save</button>
  <button type="submit" class="btn" name="action" value="add">Save and add a panel</button></div>
</form>
<div class="grid">
<section class="card"><div class="card-header"><h2>Edit as JSON</h2></div>
  <form method="post" action="/dashboards/${id}/json" class="form-stack"><input type="hidden" name="_csrf" value="${csrf}">
  <textarea name="json" rows="12" class="mono input-wide" spellcheck="false" aria-label="Dashboard JSON">${json}</textarea>
  <button type="submit" class="btn">Replace with this JSON</button></form></section>
<section class="card"><div class="card-header"><h2>Delete</h2></div>
  <form method="post" action="/dashboards/${id}/delete" class="form-stack"><input type="hidden" name="_csrf" value="${csrf}">
  <p class="muted">Deleting cannot be undone; export the JSON first to keep a copy.</p>
  <button type="submit" class="btn btn-danger">Delete dashboard</button></form></section>
</div>`;
}

/**
 * Reads the edit form (panels.N.field names) back into a dashboard object for parseDashboard. The pressed
 * button is `action`: save, add (append a panel), up:N / down:N (move panel N); all but save stay on the form.
 * The first submit button of the form is a Save, so Enter in a field never moves a panel.
 */
export function dashboardFromForm(form: Record<string, string>): {
  dashboard: Record<string, unknown>;
  stayOnEdit: boolean;
} {
  const panels: { index: number; panel: Record<string, unknown> }[] = [];
  for (let i = 0; i < 200; i++) {
    const expr = form[`panels.${i}.expr`];
    if (expr === undefined) break;
    if (form[`panels.${i}.remove`] === '1') continue;
    panels.push({
      index: i,
      panel: {
        title: form[`panels.${i}.title`] ?? '',
        expr,
        kind: form[`panels.${i}.kind`] ?? 'graph',
        width: Number(form[`panels.${i}.width`] ?? 6),
        stacked: form[`panels.${i}.stacked`] === '1',
      },
    });
  }
  const action = form.action ?? 'save';
  const move = /^(up|down):(\d+)$/.exec(action);
  if (move) {
    const at = panels.findIndex((p) => p.index === Number(move[2]));
    const to = move[1] === 'up' ? at - 1 : at + 1;
    if (at >= 0 && to >= 0 && to < panels.length) [panels[at], panels[to]] = [panels[to]!, panels[at]!];
  }
  const list = panels.map((p) => p.panel);
  if (action === 'add') list.push({ title: '', expr: 'up', kind: 'graph', width: 6, stacked: false });
  return {
    dashboard: {
      title: form.title ?? '',
      description: form.description ?? '',
      range: form.range ?? '1h',
      refresh: form.refresh ?? '',
      panels: list,
    },
    stayOnEdit: action !== 'save',
  };
}

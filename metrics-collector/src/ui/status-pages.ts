// Targets (scrape health), rules and alerts: server-rendered from the Prometheus API's JSON.
import { emptyState, formatDuration, formatNumber, html, type SafeHtml, timeAgo } from '@flowrent/shared/ui';
import type { Alert, Labels, Rule, RuleGroup, Target } from './prom-shapes.js';

export function labelChips(labels: Labels | undefined, skip: string[] = []): SafeHtml {
  const keys = Object.keys(labels ?? {})
    .filter((k) => !skip.includes(k))
    .sort();
  return html`${keys.map((k) => html`<span class="label"><span class="label-key">${k}=</span>${labels![k]}</span>`)}`;
}

function exploreLink(expr: string): string {
  return `/?query=${encodeURIComponent(expr)}`;
}

const HEALTH_BADGE: Record<string, string> = {
  up: 'badge-ok',
  down: 'level-error',
  unknown: 'level-unknown',
};

export function renderTargets(targets: Target[], source: 'targets-api' | 'up-series'): SafeHtml {
  if (targets.length === 0)
    return html`<div class="page-header"><h1>Targets</h1></div><section class="card">${emptyState(
      'No scrape targets yet',
      html`Targets come from the scrape config (<code>SCRAPE_CONFIG</code>, a <code>prometheus.yml</code>-style file); by default the collector scrapes itself and its two sibling services.`,
    )}</section>`;
  const pools = new Map<string, Target[]>();
  for (const t of targets) pools.set(t.scrapePool, [...(pools.get(t.scrapePool) ?? []), t]);
  const sections = [...pools].map(([pool, list]) => {
    const up = list.filter((t) => t.health === 'up').length;
    const rows = list.map(
      (t) => html`<tr data-row>
        <td><span class="badge ${HEALTH_BADGE[t.health] ?? 'level-unknown'}">${t.health}</span></td>
        <td class="mono"><a href="${exploreLink(`up{instance=${JSON.stringify(t.labels.instance ?? '')}}`)}" data-row-link>${t.scrapeUrl || t.labels.instance}</a></td>
        <td>${labelChips(t.labels, ['job'])}</td>
        <td>${t.lastScrape && !t.lastScrape.startsWith('0001') ? timeAgo(t.lastScrape) : html`<span class="muted">never</span>`}</td>
        <td class="num">${Number.isFinite(t.lastScrapeDuration) ? formatDuration(t.lastScrapeDuration) : '—'}</td>
        ${source === 'up-series' ? html`<td class="num">${t.samplesScraped === undefined ? '—' : formatNumber(t.samplesScraped)}</td>` : ''}
        <td class="mono small level-error">${t.lastError}</td>
      </tr>`,
    );
    return html`<section class="card"><div class="card-header"><h2>${pool}</h2>
      <span class="badge ${up === list.length ? 'badge-ok' : 'level-error'}">${up}/${list.length} up</span></div>
      <div class="table-wrap"><table class="data"><thead><tr><th>State</th><th>Endpoint</th><th>Labels</th><th>Last scrape</th>
      <th class="num">Duration</th>${source === 'up-series' ? html`<th class="num">Samples</th>` : ''}<th>Error</th></tr></thead>
      <tbody>${rows}</tbody></table></div></section>`;
  });
  return html`<div class="page-header"><h1>Targets</h1></div>${sections}`;
}

const STATE_CLASS: Record<string, string> = {
  firing: 'level-error',
  pending: 'level-warn',
  inactive: 'badge-ok',
};

function alertRows(alerts: Alert[]): SafeHtml {
  return html`${alerts.map(
    (a) => html`<tr data-row><td><span class="badge ${STATE_CLASS[a.state] ?? ''}">${a.state}</span></td>
      <td>${labelChips(a.labels)}</td><td>${a.activeAt ? timeAgo(a.activeAt) : '—'}</td>
      <td class="num mono">${formatNumber(a.value)}</td><td class="small">${a.annotations?.summary ?? a.annotations?.description ?? ''}</td></tr>`,
  )}`;
}

function ruleBlock(rule: Rule): SafeHtml {
  const head = html`<div class="row"><strong class="mono">${rule.name}</strong>
    ${rule.type === 'alerting' ? html`<span class="badge ${STATE_CLASS[rule.state ?? 'inactive'] ?? ''}">${rule.state ?? 'inactive'}</span>` : html`<span class="badge">recording</span>`}
    <span class="badge ${rule.health === 'ok' ? 'badge-ok' : rule.health === 'err' ? 'level-error' : ''}">${rule.health}</span>
    ${rule.duration ? html`<span class="muted small">for ${formatDuration(rule.duration)}</span>` : ''}
    ${rule.lastEvaluation && !rule.lastEvaluation.startsWith('0001') ? html`<span class="muted small">evaluated ${timeAgo(rule.lastEvaluation)}</span>` : ''}</div>`;
  return html`<div class="rule" data-row>${head}
    <pre class="wrap"><a href="${exploreLink(rule.query)}" data-row-link>${rule.query}</a></pre>
    ${rule.labels && Object.keys(rule.labels).length > 0 ? html`<div>${labelChips(rule.labels)}</div>` : ''}
    ${rule.lastError ? html`<p class="alert alert-error">${rule.lastError}</p>` : ''}
    ${rule.alerts && rule.alerts.length > 0 ? html`<div class="table-wrap"><table class="data"><thead><tr><th>State</th><th>Labels</th><th>Active since</th><th class="num">Value</th><th>Summary</th></tr></thead><tbody>${alertRows(rule.alerts)}</tbody></table></div>` : ''}
  </div>`;
}

export function renderRules(groups: RuleGroup[]): SafeHtml {
  if (groups.length === 0)
    return html`<div class="page-header"><h1>Rules</h1></div><section class="card">${emptyState(
      'No rules loaded',
      html`Recording and alerting rules come from Prometheus rule files (YAML with <code>groups:</code>) named in the collector's configuration.`,
    )}</section>`;
  return html`<div class="page-header"><h1>Rules</h1></div>${groups.map(
    (
      g,
    ) => html`<section class="card"><div class="card-header"><h2>${g.name}</h2><span class="muted small mono">${g.file}</span>
      <span class="muted small">every ${formatDuration(g.interval)}</span></div>
      <div class="vstack">${g.rules.map(ruleBlock)}</div></section>`,
  )}`;
}

export function renderAlerts(alerts: Alert[]): SafeHtml {
  const order = { firing: 0, pending: 1, inactive: 2 };
  const sorted = [...alerts].sort((a, b) => (order[a.state] ?? 3) - (order[b.state] ?? 3));
  const firing = alerts.filter((a) => a.state === 'firing').length;
  const pending = alerts.filter((a) => a.state === 'pending').length;
  const body =
    alerts.length === 0
      ? html`<section class="card">${emptyState('No active alerts', html`All alerting rules are quiet. See <a href="/rules">Rules</a> for what is evaluated.`)}</section>`
      : html`<div class="table-wrap"><table class="data"><thead><tr><th>State</th><th>Labels</th><th>Active since</th><th class="num">Value</th><th>Summary</th></tr></thead><tbody>${alertRows(sorted)}</tbody></table></div>`;
  return html`<div class="page-header"><h1>Alerts</h1><span class="badge level-error">${firing} firing</span><span class="badge level-warn">${pending} pending</span></div>${body}`;
}

// Project settings: each project's DSN keys and a copy-paste SDK setup for the first active one.
import type { AlertDelivery, AlertRule, ProjectWithKeys, ReleaseHealth } from '../model.js';
import { html, type SafeHtml } from './html.js';
import { renderAlerts, renderReleaseHealth } from './project-health.js';
import { renderSdkSetup } from './sdk-snippets.js';

export interface SettingsPageData {
  projects: ProjectWithKeys[];
  /** The project shown; defaults to the first. */
  projectId: number | null;
  /** Facts of the shown project. */
  releases: ReleaseHealth[];
  alertRules: AlertRule[];
  deliveries: AlertDelivery[];
  nowMs: number;
}

function renderKeys(project: ProjectWithKeys): SafeHtml {
  if (project.keys.length === 0)
    return html`<p class="muted">No keys. Add one through the API (<code>POST /api/projects/${project.id}/keys</code>).</p>`;
  return html`<div class="table-wrap"><table class="data keys"><thead><tr><th>Label</th><th>DSN</th><th>Status</th></tr></thead><tbody>${project.keys.map(
    (k) =>
      html`<tr><td>${k.label || 'Default'}</td><td class="mono">${k.dsn}</td><td>${
        k.revokedAt
          ? html`<span class="badge status-ignored">revoked</span>`
          : html`<span class="badge badge-ok">active</span>`
      }</td></tr>`,
  )}</tbody></table></div>`;
}

export function renderSettingsPage(data: SettingsPageData): { title: string; body: SafeHtml } {
  const project = data.projects.find((p) => p.id === data.projectId) ?? data.projects[0];
  if (!project) {
    return {
      title: 'Settings',
      body: html`<div class="settings"><h1>Settings</h1><p class="muted">No projects yet.</p></div>`,
    };
  }
  const picker =
    data.projects.length > 1
      ? html`<nav class="tabs" aria-label="Projects">${data.projects.map(
          (p) =>
            html`<a href="/settings?project=${p.id}"${p.id === project.id ? html` aria-current="page"` : ''}>${p.name}</a>`,
        )}</nav>`
      : '';
  return {
    title: `Settings · ${project.name}`,
    body: html`<div class="settings"><header class="page-header"><h1>Project settings</h1></header>${picker}
<section class="card"><h2>${project.name} <span class="muted small mono">${project.slug} · id ${project.id}</span></h2>
<h3>Set up an SDK</h3><p>Errors arrive from the official Sentry SDKs: only the DSN changes.</p>
${project.dsn ? renderSdkSetup(project.dsn, `p${project.id}`) : html`<p class="muted">Every key of this project is revoked.</p>`}
<h3>Client keys (DSN)</h3>${renderKeys(project)}
<p class="muted small">Quotas: ${project.quotaPerMinute || 'unlimited'} events per minute, ${project.quotaPerHour || 'unlimited'} per hour.</p>
</section>
<section class="card"><h2>Release health</h2>${renderReleaseHealth(data.releases)}</section>
<section class="card"><h2>Alerts</h2>${renderAlerts(data.alertRules, data.deliveries, data.nowMs)}</section></div>`,
  };
}

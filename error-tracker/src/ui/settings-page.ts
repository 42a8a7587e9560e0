// Project settings: each project's DSN keys (add, revoke), a copy-paste SDK setup for the first
// active one, release health, and alert rules (add, delete) with their latest deliveries.
import type { AlertDelivery, AlertRule, ProjectWithKeys, ReleaseHealth } from '../model.js';
import type { QuarantinedEntry } from '../store/store.js';
import { MAX_ACTOR_CHARS } from './actor.js';
import { html, type SafeHtml } from './html.js';
import { renderDeliveries, renderQuarantine, renderReleaseHealth } from './project-health.js';
import { renderSdkSetup } from './sdk-snippets.js';
import { renderAlertRules, renderKeys } from './settings-forms.js';

export interface SettingsPageData {
  projects: ProjectWithKeys[];
  /** The project shown; defaults to the first. */
  projectId: number | null;
  /** Facts of the shown project. */
  releases: ReleaseHealth[];
  alertRules: AlertRule[];
  deliveries: AlertDelivery[];
  /** Inbox entries of the shown project the digest set aside: how many, and the newest. */
  quarantine?: { total: number; latest: QuarantinedEntry[] };
  /** Hidden CSRF field for the key and alert forms, from the UI kit. */
  csrfField: SafeHtml;
  /** The name this browser's UI actions are recorded under (ui/actor.ts); null: "ui". */
  actorName: string | null;
  nowMs: number;
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
<h3 id="keys">Client keys (DSN)</h3>${renderKeys(project, data.csrfField)}
<p class="muted small">Quotas: ${project.quotaPerMinute || 'unlimited'} events per minute, ${project.quotaPerHour || 'unlimited'} per hour.</p>
</section>
${renderQuarantine(project.id, data.quarantine?.total ?? 0, data.quarantine?.latest ?? [], data.nowMs)}
<section class="card"><h2>Release health</h2>${renderReleaseHealth(data.releases)}</section>
<section class="card" id="alerts"><h2>Alerts</h2>${renderAlertRules(project.id, data.alertRules, data.csrfField)}${renderDeliveries(data.deliveries, data.nowMs)}</section>
${renderActorForm(data.actorName, data.csrfField)}</div>`,
  };
}

/** Everyone signs in with the admin key: this name, kept by this browser, is who the history shows. */
function renderActorForm(name: string | null, csrf: SafeHtml): SafeHtml {
  return html`<section class="card" id="actor"><h2>Your name in issue history</h2>
<p class="muted small">Status changes and merges made in this browser are recorded as ${name ? html`<strong>${name}</strong>` : html`<strong>ui</strong> (no name set)`}. The name is what you type here, not checked, like the API's X-Actor header.</p>
<form method="post" action="/settings/actor" class="form-inline actor-form">${csrf}<label>Name <input name="name" maxlength="${MAX_ACTOR_CHARS}" value="${name ?? ''}" placeholder="e.g. Jane Doe"></label><button type="submit" class="btn" data-action="save-actor">Save</button></form></section>`;
}

// The editable parts of project settings: DSN keys (add, revoke) and alert rules (add, delete).
// Plain POST forms with the CSRF field; the destructive ones sit behind a <details> "…" step so a
// single stray click changes nothing. Routes are in http/ui-routes.ts under /settings/:projectId/.
import { redactWebhookUrl } from '../alerts/webhook-url.js';
import type { AlertRule, ProjectWithKeys } from '../model.js';
import { html, type SafeHtml } from './html.js';
import { ALERT_TRIGGERS } from './manage-forms.js';

function confirmStep(
  summary: string,
  action: string,
  csrf: SafeHtml,
  button: SafeHtml,
  note: string,
): SafeHtml {
  return html`<details class="confirm-step"><summary class="btn btn-small">${summary}</summary><form method="post" action="${action}" class="inline-form">${csrf}<span class="small muted">${note}</span>${button}</form></details>`;
}

export function renderKeys(project: ProjectWithKeys, csrf: SafeHtml): SafeHtml {
  const base = `/settings/${project.id}/keys`;
  const rows =
    project.keys.length === 0
      ? html`<p class="muted">No keys yet: add one below.</p>`
      : html`<div class="table-wrap"><table class="data keys"><thead><tr><th>Label</th><th>DSN</th><th>Status</th><th></th></tr></thead><tbody>${project.keys.map(
          (k) =>
            html`<tr data-key-id="${k.id}"><td>${k.label || 'Default'}</td><td class="mono">${k.dsn}</td><td>${
              k.revokedAt
                ? html`<span class="badge status-ignored">revoked</span>`
                : html`<span class="badge badge-ok">active</span>`
            }</td><td class="row-actions">${
              k.revokedAt
                ? ''
                : confirmStep(
                    'Revoke…',
                    `${base}/${k.id}/revoke`,
                    csrf,
                    html`<button type="submit" class="btn btn-small btn-danger" data-action="revoke-key">Revoke now</button>`,
                    'SDKs using this DSN get 403 from now on.',
                  )
            }</td></tr>`,
        )}</tbody></table></div>`;
  return html`${rows}<form method="post" action="${base}" class="form-inline add-key">${csrf}<label>New key label <input name="label" maxlength="100" placeholder="e.g. mobile app"></label><button type="submit" class="btn" data-action="add-key">Add key</button></form>`;
}

function describeRule(rule: AlertRule): string {
  if (rule.trigger === 'frequency')
    return `an issue gets more than ${rule.threshold} events in ${rule.windowMinutes} min`;
  return rule.trigger === 'new_issue' ? 'a new issue is created' : 'a resolved issue regresses';
}

function renderRuleForm(projectId: number, csrf: SafeHtml): SafeHtml {
  return html`<form method="post" action="/settings/${projectId}/alerts" class="form-stack alert-form">${csrf}<h4>Add an alert</h4>
<label>When <select name="trigger">${ALERT_TRIGGERS.map((t) => html`<option value="${t.value}">${t.label}</option>`)}</select></label>
<div class="frequency-fields form-inline"><label>more than <input name="threshold" type="number" min="1" value="100" class="num-input"> events</label><label>in <input name="window_minutes" type="number" min="1" value="60" class="num-input"> minutes</label></div>
<label>Webhook URL <input name="url" type="url" required maxlength="2000" placeholder="https://hooks.example.com/…"></label>
<fieldset class="form-inline"><legend>Body</legend><label><input type="radio" name="format" value="json" checked> JSON (issue and event facts)</label><label><input type="radio" name="format" value="slack"> Slack-compatible (<code>{"text": …}</code>)</label></fieldset>
<div><button type="submit" class="btn btn-primary" data-action="add-alert">Add alert</button></div></form>`;
}

export function renderAlertRules(projectId: number, rules: AlertRule[], csrf: SafeHtml): SafeHtml {
  const table =
    rules.length === 0
      ? html`<p class="muted">No alert rules yet. Webhooks are sent in the background with retries; ingestion never waits for them.</p>`
      : html`<div class="table-wrap"><table class="data rules"><thead><tr><th>When</th><th>Webhook</th><th>Body</th><th>Enabled</th><th></th></tr></thead><tbody>${rules.map(
          (r) =>
            html`<tr data-rule-id="${r.id}"><td>${describeRule(r)}</td><td class="mono">${redactWebhookUrl(r.url)}</td><td>${r.format === 'slack' ? 'Slack' : 'JSON'}</td><td>${r.enabled ? 'yes' : 'no'}</td><td class="row-actions">${confirmStep(
              'Delete…',
              `/settings/${projectId}/alerts/${r.id}/delete`,
              csrf,
              html`<button type="submit" class="btn btn-small btn-danger" data-action="delete-alert">Delete rule</button>`,
              'Pending deliveries of this rule are dropped.',
            )}</td></tr>`,
        )}</tbody></table></div>`;
  return html`${table}${renderRuleForm(projectId, csrf)}`;
}

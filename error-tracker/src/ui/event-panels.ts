// The panels below the stack trace: breadcrumbs, request, user, contexts, tags, extra.
// Every value is client data, rendered as text; URLs are shown, never made into links.
import { asObject, asText, type BreadcrumbView, type Json, type JsonObject } from './event-view.js';
import { levelClass, timeAbsolute } from './format.js';
import { html, type SafeHtml } from './html.js';
import { renderKeyValues } from './stack-trace.js';

export function renderBreadcrumbs(crumbs: BreadcrumbView[]): SafeHtml {
  if (crumbs.length === 0) return html`<p class="muted">No breadcrumbs.</p>`;
  return html`<div class="table-wrap"><table class="data breadcrumbs"><thead><tr><th>Time</th><th>Type</th><th>Category</th><th>Level</th><th>Message</th></tr></thead><tbody>${crumbs.map(
    (b) =>
      html`<tr class="crumb"><td class="mono nowrap">${timeAbsolute(b.timestampMs)}</td><td>${b.type}</td><td class="mono">${
        b.category
      }</td><td><span class="badge ${levelClass(b.level)}">${b.level}</span></td><td class="crumb-message">${b.message}${
        b.data === null ? '' : html`<pre class="json wrap">${JSON.stringify(b.data, null, 2)}</pre>`
      }</td></tr>`,
  )}</tbody></table></div>`;
}

function entries(value: Json | undefined): [string, Json][] {
  const obj = asObject(value);
  if (obj) return Object.entries(obj);
  if (Array.isArray(value)) {
    return value
      .filter((p) => Array.isArray(p) && p.length >= 2)
      .map((p) => [asText((p as Json[])[0]), (p as Json[])[1]]);
  }
  return [];
}

export function renderRequest(event: JsonObject): SafeHtml | null {
  const req = asObject(event.request);
  if (!req) return null;
  const method = asText(req.method);
  const url = asText(req.url);
  const sections: SafeHtml[] = [
    html`<p class="request-line mono"><b>${method}</b> <span class="request-url">${url}</span></p>`,
  ];
  const query = req.query_string;
  if (query !== undefined && query !== null && query !== '') {
    sections.push(
      html`<h4>Query</h4>${typeof query === 'string' ? html`<code>${query}</code>` : renderKeyValues(entries(query))}`,
    );
  }
  for (const [key, title] of [
    ['headers', 'Headers'],
    ['cookies', 'Cookies'],
    ['env', 'Environment'],
  ] as const) {
    const rows = entries(req[key]);
    if (rows.length > 0) sections.push(html`<h4>${title}</h4>${renderKeyValues(rows)}`);
  }
  if (req.data !== undefined && req.data !== null) {
    sections.push(
      html`<h4>Body</h4><pre class="json wrap">${typeof req.data === 'string' ? req.data : JSON.stringify(req.data, null, 2)}</pre>`,
    );
  }
  return html`${sections}`;
}

export function renderUser(event: JsonObject): SafeHtml | null {
  const rows = entries(event.user);
  return rows.length === 0 ? null : renderKeyValues(rows);
}

export function renderContexts(event: JsonObject): SafeHtml | null {
  const contexts = entries(event.contexts).filter(
    ([, v]) => asObject(v) && Object.keys(v as object).length > 0,
  );
  if (contexts.length === 0) return null;
  return html`<div class="grid contexts">${contexts.map(
    ([name, value]) =>
      html`<div class="context-card"><h4>${name}</h4>${renderKeyValues(entries(value))}</div>`,
  )}</div>`;
}

export function renderExtra(event: JsonObject): SafeHtml | null {
  const rows = entries(event.extra);
  return rows.length === 0 ? null : renderKeyValues(rows);
}

/** Release, environment, server and SDK facts for the event header. */
export function readEventFacts(event: JsonObject): [string, string][] {
  const sdk = asObject(event.sdk);
  const facts: [string, string][] = [
    ['release', asText(event.release)],
    ['environment', asText(event.environment)],
    ['server', asText(event.server_name)],
    ['platform', asText(event.platform)],
    ['logger', asText(event.logger)],
    ['transaction', asText(event.transaction)],
    ['sdk', sdk ? `${asText(sdk.name)} ${asText(sdk.version)}`.trim() : ''],
  ];
  return facts.filter(([, v]) => v !== '');
}

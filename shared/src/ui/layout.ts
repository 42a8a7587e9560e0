// The page shell every service renders: one stylesheet, the shared script, a top bar joining the three services.
import { type HtmlValue, html, raw, type SafeHtml, safeUrl } from './html.js';
import type { Theme } from './prefs.js';

export type ServiceName = 'errors' | 'logs' | 'metrics';

export interface ServiceUrls {
  errors: string;
  logs: string;
  metrics: string;
}

export const PRODUCT_NAME = 'FlowRent Monitoring';

export const SERVICE_LABELS: Record<ServiceName, string> = {
  errors: 'Errors',
  logs: 'Logs',
  metrics: 'Metrics',
};

export interface PageOptions {
  service: ServiceName;
  title: string;
  urls: ServiceUrls;
  body: HtmlValue;
  /** Service bundles by file name under /assets/ (e.g. "explorer.js"; a matching .css is not implied). */
  scripts?: string[];
  /** Extra stylesheets under /assets/ (e.g. "explorer.css" emitted by esbuild for CSS a bundle imports). */
  styles?: string[];
  /** Present when signed in: enables the sign-out form and the <meta name="csrf-token"> for scripts. */
  csrfToken?: string;
  /** Optional secondary navigation for the current service (rendered under the top bar). */
  nav?: { href: string; label: string; current?: boolean }[];
  /** Set to false on pages shown to signed-out visitors (hides service links and sign-out). */
  signedIn?: boolean;
}

function assetName(name: string): string {
  // Our own file names only; anything odd is dropped rather than escaped into a URL.
  return /^[A-Za-z0-9_.-]+$/.test(name) ? name : 'invalid';
}

/** Joins a service base URL from config and a path ("/" + query) without doubling slashes. */
export function serviceLink(base: string, path = '/'): string {
  return safeUrl(base.replace(/\/+$/, '') + (path.startsWith('/') ? path : `/${path}`));
}

function topBar(options: PageOptions): SafeHtml {
  const signedIn = options.signedIn ?? options.csrfToken !== undefined;
  const services = (Object.keys(SERVICE_LABELS) as ServiceName[]).map(
    (name) =>
      html`<a class="topbar-service" href="${serviceLink(options.urls[name])}"${name === options.service ? html` aria-current="page"` : ''}>${SERVICE_LABELS[name]}</a>`,
  );
  return html`<header class="topbar">
  <a class="brand" href="/"><span class="brand-mark" aria-hidden="true"></span>${PRODUCT_NAME}</a>
  ${signedIn ? html`<nav class="topbar-services" aria-label="Services">${services}</nav>` : ''}
  <span class="topbar-spacer"></span>
  <button type="button" class="topbar-button" data-tz-toggle title="Show times in UTC or local time">Local</button>
  <button type="button" class="topbar-button" data-theme-toggle title="Toggle light and dark theme" aria-label="Toggle theme"><span class="theme-icon" aria-hidden="true"></span></button>
  ${
    signedIn && options.csrfToken
      ? html`<form method="post" action="/logout" class="topbar-signout"><input type="hidden" name="_csrf" value="${options.csrfToken}"><button type="submit" class="topbar-button">Sign out</button></form>`
      : ''
  }
</header>`;
}

function subNav(options: PageOptions): SafeHtml | '' {
  if (!options.nav || options.nav.length === 0) return '';
  const items = options.nav.map(
    (item) =>
      html`<a href="${safeUrl(item.href)}"${item.current ? html` aria-current="page"` : ''}>${item.label}</a>`,
  );
  return html`<nav class="subnav" aria-label="${SERVICE_LABELS[options.service]}">${items}</nav>`;
}

/** How every page starts; withTheme() finds the <html> tag by it. */
export const DOCUMENT_START = '<!doctype html>\n<html lang="en">';

/** The page with the person's theme on <html>, so the first paint already has it (no flash). */
export function withTheme(page: string, theme: Theme): string {
  if (!page.startsWith(DOCUMENT_START)) return page;
  return `${DOCUMENT_START.slice(0, -1)} data-theme="${theme}">${page.slice(DOCUMENT_START.length)}`;
}

/** A complete HTML document. Scripts are external files only (the CSP forbids inline script and style). */
export function renderPage(options: PageOptions): SafeHtml {
  const scripts = (options.scripts ?? []).map(
    (s) => html`<script src="/assets/${assetName(s)}" defer></script>`,
  );
  const styles = (options.styles ?? []).map(
    (s) => html`<link rel="stylesheet" href="/assets/${assetName(s)}">`,
  );
  return html`${raw(DOCUMENT_START)}
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · ${SERVICE_LABELS[options.service]} · ${PRODUCT_NAME}</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/ui.css">
${styles}
${options.csrfToken ? html`<meta name="csrf-token" content="${options.csrfToken}">` : ''}
<script src="/assets/ui.js"></script>
${scripts}
</head>
<body data-service="${options.service}">
${topBar(options)}
${subNav(options)}
<main class="page">
${options.body}
</main>
</body>
</html>
`;
}

export interface LoginPageOptions {
  service: ServiceName;
  urls: ServiceUrls;
  next: string;
  error?: string;
}

export function renderLoginPage(options: LoginPageOptions): SafeHtml {
  const body = html`<section class="card signin">
  <h1>Sign in to ${SERVICE_LABELS[options.service]}</h1>
  <p class="muted">Use this service's admin API key (printed by <code>npm start</code>, or <code>API_KEY</code> in its environment).</p>
  ${options.error ? html`<p class="alert alert-error" role="alert">${options.error}</p>` : ''}
  <form method="post" action="/login" class="form-stack">
    <input type="hidden" name="next" value="${options.next}">
    <label>Admin API key <input type="password" name="key" autocomplete="current-password" required autofocus></label>
    <button type="submit" class="btn btn-primary">Sign in</button>
  </form>
</section>`;
  return renderPage({
    service: options.service,
    title: 'Sign in',
    urls: options.urls,
    body,
    signedIn: false,
  });
}

/** Empty state with a next step: `emptyState('No events yet', html\`Send one with …\`)`. */
export function emptyState(title: HtmlValue, hint?: HtmlValue): SafeHtml {
  return html`<div class="empty"><p class="empty-title">${title}</p>${hint ? html`<div class="empty-hint">${hint}</div>` : ''}</div>`;
}

/** `<time>` the shared script turns into "3 min ago" with the absolute time on hover. */
export function timeAgo(date: Date | number | string): SafeHtml {
  const d = date instanceof Date ? date : new Date(date);
  if (Number.isNaN(d.getTime())) return html`<span class="muted">—</span>`;
  const iso = d.toISOString();
  return html`<time datetime="${iso}" title="${iso}">${iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</time>`;
}

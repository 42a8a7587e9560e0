// Formatting for the error tracker's pages, on top of the kit's helpers. `now` is a parameter so
// pages stay pure; the kit's page script re-renders <time> elements live in the browser.
import { formatNumber, formatRelativeTime, levelClass as kitLevelClass } from '@flowrent/shared/ui/format';
import { html, type SafeHtml } from './html.js';

export function formatCount(n: number): string {
  return formatNumber(n);
}

/** Relative time ("3 min ago") with the absolute time on hover. */
export function timeAgo(ms: number | null, nowMs: number): SafeHtml {
  if (ms === null || Number.isNaN(ms)) return html`<span class="muted">unknown</span>`;
  const iso = new Date(ms).toISOString();
  return html`<time datetime="${iso}" title="${iso.replace('T', ' ').replace('Z', ' UTC')}">${formatRelativeTime(ms, nowMs)}</time>`;
}

/** Absolute time with milliseconds (UTC until the page script applies the viewer's choice). */
export function timeAbsolute(ms: number | null): SafeHtml {
  if (ms === null || Number.isNaN(ms)) return html`<span class="muted">unknown</span>`;
  const iso = new Date(ms).toISOString();
  return html`<time datetime="${iso}" data-format="absolute">${iso.replace('T', ' ').replace('Z', ' UTC')}</time>`;
}

/** CSS class for a level name from a client: only known names, anything else is level-unknown. */
export function levelClass(level: string): string {
  return kitLevelClass(level);
}

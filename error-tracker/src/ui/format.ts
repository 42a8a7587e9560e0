// Small formatting helpers shared by the pages. `now` is always a parameter so pages are pure.
import { html, type SafeHtml } from './html.js';

const numberFormat = new Intl.NumberFormat('en-US');

export function formatCount(n: number): string {
  return numberFormat.format(n);
}

const UNITS: [number, string][] = [
  [365 * 86400_000, 'y'],
  [30 * 86400_000, 'mo'],
  [86400_000, 'd'],
  [3600_000, 'h'],
  [60_000, 'min'],
  [1000, 's'],
];

export function formatAgo(ms: number, nowMs: number): string {
  const diff = nowMs - ms;
  if (Math.abs(diff) < 5000) return 'just now';
  const abs = Math.abs(diff);
  const [unit, label] = UNITS.find(([u]) => abs >= u) ?? UNITS[UNITS.length - 1];
  const n = Math.floor(abs / unit);
  return diff >= 0 ? `${n} ${label} ago` : `in ${n} ${label}`;
}

export function isoUtc(ms: number): string {
  return new Date(ms).toISOString();
}

/** Relative time with the absolute UTC time on hover; the browser script swaps in local time. */
export function timeAgo(ms: number | null, nowMs: number): SafeHtml {
  if (ms === null) return html`<span class="muted">unknown</span>`;
  const iso = isoUtc(ms);
  return html`<time datetime="${iso}" title="${iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}">${formatAgo(ms, nowMs)}</time>`;
}

/** Absolute UTC time with milliseconds, for breadcrumbs and event headers. */
export function timeAbsolute(ms: number | null): SafeHtml {
  if (ms === null) return html`<span class="muted">unknown</span>`;
  const iso = isoUtc(ms);
  return html`<time datetime="${iso}" class="abs">${iso.replace('T', ' ').replace('Z', '')}</time>`;
}

const LEVELS = new Set(['trace', 'debug', 'info', 'warning', 'warn', 'error', 'fatal']);

/** A level name safe to put into a class attribute (client data, so only known names). */
export function levelClass(level: string): string {
  const l = level.toLowerCase();
  if (!LEVELS.has(l)) return 'level-unknown';
  return `level-${l === 'warning' ? 'warn' : l}`;
}

// <time datetime> → "3 min ago", absolute time (local or UTC, toggled and remembered) on hover. The
// choice is a cookie the three services share, localStorage the fallback (see ./prefs.ts).
import { formatRelativeTime } from '../../format.js';
import { cookieValue, parseTimeZone, TIME_ZONE_COOKIE } from '../../prefs.js';
import { readChoice, writeChoice } from './prefs.js';

const TZ_KEY = 'flowrent.tz';

export function useUtc(): boolean {
  return parseTimeZone(readChoice(TIME_ZONE_COOKIE, TZ_KEY)) === 'utc';
}

/**
 * A choice only this origin's localStorage remembers (kept before the cookie existed) is copied to the
 * cookie, so the other services follow it from now on, as applyStoredTheme() does for the theme.
 */
export function adoptStoredTimeZone(): void {
  if (cookieValue(document.cookie, TIME_ZONE_COOKIE) !== null) return;
  const stored = parseTimeZone(readChoice(TIME_ZONE_COOKIE, TZ_KEY));
  if (stored) writeChoice(TIME_ZONE_COOKIE, TZ_KEY, stored);
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** "2026-11-25 14:03:07.123 UTC" or local "2026-11-25 15:03:07.123 (+01:00)". */
export function formatAbsolute(date: Date, utc = useUtc()): string {
  if (utc) return `${date.toISOString().replace('T', ' ').replace('Z', '')} UTC`;
  const off = -date.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const zone = `${sign}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)} (${zone})`;
}

/** Updates every <time datetime> under root. Elements with data-format="absolute" show the absolute time. */
export function renderTimes(root: ParentNode, nowMs = Date.now()): void {
  const utc = useUtc();
  for (const el of root.querySelectorAll<HTMLTimeElement>('time[datetime]')) {
    const date = new Date(el.dateTime);
    if (Number.isNaN(date.getTime())) continue;
    const absolute = formatAbsolute(date, utc);
    if (el.dataset.format === 'absolute') {
      el.textContent = absolute;
      el.title = formatRelativeTime(date.getTime(), nowMs);
    } else {
      el.textContent = formatRelativeTime(date.getTime(), nowMs);
      el.title = absolute;
    }
  }
  for (const button of document.querySelectorAll<HTMLElement>('[data-tz-toggle]')) {
    button.textContent = utc ? 'UTC' : 'Local';
  }
}

export function bindTimeZoneToggle(root: ParentNode): void {
  for (const button of root.querySelectorAll<HTMLElement>('[data-tz-toggle]')) {
    button.addEventListener('click', () => {
      writeChoice(TIME_ZONE_COOKIE, TZ_KEY, useUtc() ? 'local' : 'utc');
      renderTimes(document);
      document.dispatchEvent(new CustomEvent('flowrent:timezone', { detail: useUtc() ? 'utc' : 'local' }));
    });
  }
}

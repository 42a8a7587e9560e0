// Display choices the three UIs share: the theme and the Local/UTC toggle. Each service is its own
// origin (port), so localStorage is per service; cookies ignore ports, so a cookie written by the
// toggle on one service is sent to the other two on the same host. The page shell reads it on the
// server and renders <html data-theme> before the first paint. Pure: the browser script uses it too.

export const THEME_COOKIE = 'flowrent_theme';
export const TIME_ZONE_COOKIE = 'flowrent_tz';
/** A year: the choice outlives sessions; rewriting it on each toggle extends it. */
export const PREFS_COOKIE_MAX_AGE_SECONDS = 365 * 24 * 3600;

export type Theme = 'light' | 'dark';
export type TimeZoneChoice = 'local' | 'utc';

export function parseTheme(value: string | null | undefined): Theme | null {
  return value === 'light' || value === 'dark' ? value : null;
}

export function parseTimeZone(value: string | null | undefined): TimeZoneChoice | null {
  return value === 'local' || value === 'utc' ? value : null;
}

/** Set-Cookie / document.cookie value: readable by script (no secret in it), Lax, whole host. */
export function prefsCookie(name: string, value: string, secure: boolean): string {
  return `${name}=${value}; Path=/; Max-Age=${PREFS_COOKIE_MAX_AGE_SECONDS}; SameSite=Lax${secure ? '; Secure' : ''}`;
}

/** The first cookie called `name` in a Cookie header (or document.cookie), undecoded: our values are plain words. */
export function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

// Cookies and urlencoded forms without extra dependencies (fastify ships neither).

/** Parses a Cookie header into name → value (first occurrence wins, values percent-decoded when valid). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (!name || out.has(name)) continue;
    try {
      out.set(name, decodeURIComponent(value));
    } catch {
      out.set(name, value);
    }
  }
  return out;
}

export interface CookieOptions {
  maxAgeSeconds?: number;
  secure?: boolean;
  path?: string;
}

/** Set-Cookie value: always HttpOnly and SameSite=Lax. `maxAgeSeconds: 0` deletes the cookie. */
export function serializeCookie(name: string, value: string, options: CookieOptions = {}): string {
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`invalid cookie name ${name}`);
  let out = `${name}=${encodeURIComponent(value)}; Path=${options.path ?? '/'}; HttpOnly; SameSite=Lax`;
  if (options.maxAgeSeconds !== undefined)
    out += `; Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`;
  if (options.secure) out += '; Secure';
  return out;
}

export const MAX_FORM_BYTES = 1024 * 1024;

/** application/x-www-form-urlencoded → record of strings (repeated keys: the last value wins). */
export function parseForm(body: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const [key, value] of new URLSearchParams(body)) out[key] = value;
  return out;
}

// Stateless signed sessions and session-bound CSRF tokens. Pure apart from node:crypto; time is a parameter.
// A session token is "<issuedAtSeconds>.<nonce>.<mac>"; the MAC binds the service name so a cookie from one
// service never validates on another. The secret defaults to one derived from the admin key, so changing
// the key signs everyone out. Chosen over a sessions table: nothing to store, nothing to clean up.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_TTL_SECONDS = 7 * 24 * 3600;

export interface SessionKeys {
  service: string;
  secret: Buffer;
}

export interface Session {
  issuedAt: number;
  nonce: string;
  csrfToken: string;
}

export function deriveSessionSecret(apiKey: string, sessionSecret?: string): Buffer {
  return createHmac('sha256', sessionSecret ?? apiKey)
    .update('flowrent-ui-session-v1')
    .digest();
}

function mac(keys: SessionKeys, purpose: string, data: string): string {
  return createHmac('sha256', keys.secret)
    .update(`${purpose}.v1.${keys.service}.${data}`)
    .digest('base64url');
}

/** Constant-time string equality (hashing first so lengths do not leak either). */
export function constantTimeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

export function csrfTokenFor(keys: SessionKeys, nonce: string): string {
  return mac(keys, 'csrf', nonce);
}

export function issueSession(
  keys: SessionKeys,
  nowMs: number,
  nonce = randomBytes(18).toString('base64url'),
) {
  const issuedAt = Math.floor(nowMs / 1000);
  const token = `${issuedAt}.${nonce}.${mac(keys, 'session', `${issuedAt}.${nonce}`)}`;
  return { token, session: { issuedAt, nonce, csrfToken: csrfTokenFor(keys, nonce) } satisfies Session };
}

/** The session a cookie value proves, or undefined when it is forged, malformed or expired. */
export function verifySession(
  keys: SessionKeys,
  token: string | undefined,
  nowMs: number,
  ttlSeconds = SESSION_TTL_SECONDS,
): Session | undefined {
  if (!token || token.length > 200) return undefined;
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [issued, nonce, signature] = parts as [string, string, string];
  if (!/^\d{1,12}$/.test(issued) || !/^[A-Za-z0-9_-]{8,64}$/.test(nonce)) return undefined;
  if (!constantTimeEqual(signature, mac(keys, 'session', `${issued}.${nonce}`))) return undefined;
  const issuedAt = Number(issued);
  const age = nowMs / 1000 - issuedAt;
  if (age > ttlSeconds || age < -300) return undefined;
  return { issuedAt, nonce, csrfToken: csrfTokenFor(keys, nonce) };
}

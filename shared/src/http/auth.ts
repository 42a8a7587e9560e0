// API keys: where a client may put one, and a comparison whose time does not depend on how much of
// the key matched (both sides are hashed to fixed-length digests before timingSafeEqual).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** The key a request presents: `Authorization: Bearer k`, `X-API-Key: k`, or Basic with k as password. */
export function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey) return apiKey.trim();
  const auth = headers.authorization;
  if (!auth) return undefined;
  const space = auth.indexOf(' ');
  if (space < 0) return undefined;
  const scheme = auth.slice(0, space).toLowerCase();
  const value = auth.slice(space + 1).trim();
  if (scheme === 'bearer') return value || undefined;
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    // Loki and OTLP shippers put the key in the password; some tools put it in the user name.
    const password = colon < 0 ? decoded : decoded.slice(colon + 1);
    return password || (colon > 0 ? decoded.slice(0, colon) : undefined);
  }
  return undefined;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

// The expected keys are a handful of configured values checked on every request: hash each once.
const expectedDigests = new Map<string, Buffer>();
const MAX_EXPECTED_DIGESTS = 64;

function expectedDigest(expected: string): Buffer {
  let d = expectedDigests.get(expected);
  if (d === undefined) {
    if (expectedDigests.size >= MAX_EXPECTED_DIGESTS) expectedDigests.clear();
    d = digest(expected);
    expectedDigests.set(expected, d);
  }
  return d;
}

/** Constant-time equality of a presented key and an expected one. */
export function keysMatch(presented: string | undefined, expected: string): boolean {
  if (!expected) return false;
  const ok = timingSafeEqual(digest(presented ?? ''), expectedDigest(expected));
  return ok && presented !== undefined;
}

// Where a Sentry client puts its DSN public key: X-Sentry-Auth (Python, Java), the sentry_key query
// parameter (JS), or the envelope header's `dsn` (tunnels, used only when no other source has one).
import { BadRequest } from '@flowrent/shared/errors';

export interface PresentedDsn {
  publicKey: string;
  /** Project id from the envelope `dsn`, checked against the URL's. */
  projectId?: number;
}

/** A header or query parameter as the HTTP layer hands it over: absent, once, or repeated. */
export type Repeatable = string | readonly string[] | undefined;

/**
 * The key presented outside the body: every sentry_key of the query, X-Sentry-Auth and a Sentry
 * Authorization header (each possibly repeated, or two credentials joined by ", "). One distinct
 * key, however often it is repeated, is that key; two different keys are a 400, as Relay answers
 * "multiple authorization payloads" rather than picking one (picking the first would let a
 * proxy's appended parameter decide the project's key silently).
 */
export function keyOutsideBody(sources: {
  queryKey?: Repeatable;
  sentryAuth?: Repeatable;
  authorization?: Repeatable;
}): string | undefined {
  const keys = new Set<string>();
  for (const key of valuesOf(sources.queryKey)) if (key !== '') keys.add(key);
  for (const header of [...valuesOf(sources.sentryAuth), ...valuesOf(sources.authorization)]) {
    for (const key of keysFromAuthHeader(header)) keys.add(key);
  }
  if (keys.size > 1) {
    throw new BadRequest(
      `${keys.size} different sentry_key values were presented (query, X-Sentry-Auth, Authorization); send one`,
    );
  }
  return keys.values().next().value;
}

function valuesOf(value: Repeatable): readonly string[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : value;
}

/** Every sentry_key in a `Sentry k=v, ...` header (a repeated header arrives joined by ", "). */
function keysFromAuthHeader(header: string): string[] {
  if (!/^\s*sentry\s/i.test(header)) return [];
  const keys: string[] = [];
  for (const part of header.split(',')) {
    const [k, v] = part.split('=').map((s) => s.trim());
    const name = k?.replace(/^sentry\s+/i, '');
    if (name === 'sentry_key' && v) keys.push(v);
  }
  return keys;
}

export function keyFromDsn(dsn: unknown): PresentedDsn | undefined {
  if (typeof dsn !== 'string' || dsn === '') return undefined;
  try {
    const url = new URL(dsn);
    const last = url.pathname.split('/').filter(Boolean).pop() ?? '';
    const projectId = /^\d+$/.test(last) ? Number(last) : undefined;
    return url.username ? { publicKey: decodeURIComponent(url.username), projectId } : undefined;
  } catch {
    return undefined;
  }
}

/** The envelope header line's `dsn`, read without parsing the whole envelope. */
export function dsnFromEnvelopeHead(body: Buffer): unknown {
  const end = body.indexOf(0x0a);
  try {
    const head = JSON.parse(body.toString('utf8', 0, end === -1 ? body.length : end)) as { dsn?: unknown };
    return head?.dsn;
  } catch {
    return undefined;
  }
}

/**
 * A DSN public key every SDK can use: @sentry/javascript's DSN pattern takes the key as `\w+` (with a
 * `-`, `/` or space in it the SDK reports nothing), and 8 characters at least, so a one-letter key
 * anyone could guess is refused. Sentry's keys (and newPublicKey's) are 32 hex characters; Relay
 * takes only those, we keep shorter ones for keys chosen before (the test fixtures' "publickey").
 */
export const PUBLIC_KEY_RULE =
  'letters, digits and _ only, 8 to 64 of them (random keys are 32 hex characters)';

export function isUsablePublicKey(key: string): boolean {
  return /^\w{8,64}$/.test(key);
}

export function dsnFor(baseUrl: string, publicKey: string, projectId: number): string {
  const url = new URL(baseUrl);
  return `${url.protocol}//${publicKey}@${url.host}${url.pathname.replace(/\/+$/, '')}/${projectId}`;
}

// Where a Sentry client puts its DSN public key: X-Sentry-Auth (Python, Java), the sentry_key query
// parameter (JS), or the envelope header's `dsn` (tunnels). First found wins, as in Bugsink.
export interface PresentedDsn {
  publicKey: string;
  /** Project id from the envelope `dsn`, checked against the URL's. */
  projectId?: number;
}

export function keyFromAuthHeader(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (!/^sentry\s/i.test(trimmed)) return undefined;
  for (const part of trimmed.slice(6).split(',')) {
    const [k, v] = part.split('=').map((s) => s.trim());
    if (k === 'sentry_key' && v) return v;
  }
  return undefined;
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

export function dsnFor(baseUrl: string, publicKey: string, projectId: number): string {
  const url = new URL(baseUrl);
  return `${url.protocol}//${publicKey}@${url.host}${url.pathname.replace(/\/+$/, '')}/${projectId}`;
}

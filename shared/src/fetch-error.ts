// undici's fetch rejects with "fetch failed" and keeps the reason in `cause` (ECONNREFUSED,
// ENOTFOUND, a TLS error, a reset). The error tracker's delivery log and the collector's targets
// page and webhook log are where a wrong address is debugged, so the cause is kept next to it.

/** The message of a failed fetch with its cause: `fetch failed: connect ECONNREFUSED 127.0.0.1:5999`. */
export function fetchErrorMessage(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause;
  if (!(cause instanceof Error) || !cause.message) return err.message;
  const code = (cause as { code?: unknown }).code;
  const detail =
    typeof code === 'string' && !cause.message.includes(code) ? `${code} ${cause.message}` : cause.message;
  return `${err.message}: ${detail}`;
}

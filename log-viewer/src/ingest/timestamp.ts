// Timestamps as clients send them → ns since the epoch (bigint). RFC 3339 with up to 9 fractional
// digits (zone optional: UTC), or an epoch number whose unit is guessed by magnitude: s, ms, µs, ns.

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9})\d*)?\s*(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;

/** Parses an RFC 3339 date-time; undefined when it is not one. */
export function parseRfc3339(text: string): bigint | undefined {
  // Fast path: what Date.toISOString() writes (24 chars, ms precision, Z), read digit by digit.
  if (text.length === 24) {
    const ms = isoMillis(text);
    if (ms !== undefined) return BigInt(ms) * 1_000_000n;
  }
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [mo, d, h, mi, s] = [m[2], m[3], m[4], m[5], m[6]].map(Number);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  if (Number.isNaN(ms) || !dayExists(Number(m[1]), mo, d)) return undefined;
  let ns = BigInt(ms) * 1_000_000n + BigInt((m[7] ?? '').padEnd(9, '0') || '0');
  if (m[9]) {
    const offsetMin = Number(m[10]) * 60 + Number(m[11]);
    ns -= BigInt(m[9] === '-' ? -offsetMin : offsetMin) * 60_000_000_000n;
  }
  return ns;
}

/**
 * Whether day d of month mo (1-12) of year y exists: Date.UTC rolls 2026-02-31 over to 03-03, and
 * reads the years 0-99 as 1900-1999 (all before 1970 anyway).
 */
function dayExists(y: number, mo: number, d: number): boolean {
  if (y < 100) return false;
  if (mo === 2) return d <= (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28);
  return d <= (mo === 4 || mo === 6 || mo === 9 || mo === 11 ? 30 : 31);
}

/** The decimal number in t[at, at + len), NaN when a char is not a digit. */
function digits(t: string, at: number, len: number): number {
  let v = 0;
  for (let i = at; i < at + len; i++) {
    const d = t.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return Number.NaN;
    v = v * 10 + d;
  }
  return v;
}

/** The hour last computed by isoMillis() (lines of a request share it): key and epoch ms. */
let lastHourKey = Number.NaN;
let lastHourMs = 0;

/**
 * `YYYY-MM-DDTHH:MM:SS.mmmZ` at t[at, at + 24) → epoch ms; undefined for anything else (the regex
 * path decides). Date.UTC() is called once per distinct hour: minutes, seconds and ms are added to it.
 */
export function isoMillis(t: string, at = 0): number | undefined {
  if (
    t.charCodeAt(at + 4) !== 45 ||
    t.charCodeAt(at + 7) !== 45 ||
    t.charCodeAt(at + 10) !== 84 ||
    t.charCodeAt(at + 13) !== 58 ||
    t.charCodeAt(at + 16) !== 58 ||
    t.charCodeAt(at + 19) !== 46 ||
    t.charCodeAt(at + 23) !== 90
  )
    return undefined;
  return isoParts(
    digits(t, at, 4),
    digits(t, at + 5, 2),
    digits(t, at + 8, 2),
    digits(t, at + 11, 2),
    digits(t, at + 14, 2),
    digits(t, at + 17, 2),
    digits(t, at + 20, 3),
  );
}

/** isoMillis() of the UTF-8 bytes b[at, at + 24) (NDJSON scanned as bytes, store/ndjson-rows.ts). */
export function isoMillisBytes(b: Uint8Array, at: number): number | undefined {
  if (
    b[at + 4] !== 45 ||
    b[at + 7] !== 45 ||
    b[at + 10] !== 84 ||
    b[at + 13] !== 58 ||
    b[at + 16] !== 58 ||
    b[at + 19] !== 46 ||
    b[at + 23] !== 90
  )
    return undefined;
  return isoParts(
    digitBytes(b, at, 4),
    digitBytes(b, at + 5, 2),
    digitBytes(b, at + 8, 2),
    digitBytes(b, at + 11, 2),
    digitBytes(b, at + 14, 2),
    digitBytes(b, at + 17, 2),
    digitBytes(b, at + 20, 3),
  );
}

/** The decimal number in b[at, at + len), NaN when a byte is not a digit. */
function digitBytes(b: Uint8Array, at: number, len: number): number {
  let v = 0;
  for (let i = at; i < at + len; i++) {
    const d = b[i] - 48;
    if (!(d >= 0 && d <= 9)) return Number.NaN;
    v = v * 10 + d;
  }
  return v;
}

function isoParts(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  ms: number,
): number | undefined {
  if (!(mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59 && s <= 59 && ms >= 0))
    return undefined;
  const key = ((y * 100 + mo) * 100 + d) * 100 + h;
  if (key !== lastHourKey) {
    const hourMs = Date.UTC(y, mo - 1, d, h);
    if (Number.isNaN(hourMs) || !dayExists(y, mo, d)) return undefined;
    lastHourKey = key;
    lastHourMs = hourMs;
  }
  return lastHourMs + mi * 60_000 + s * 1000 + ms;
}

/**
 * The event times the store accepts: 0 .. 2^63-1 ns since the epoch (1970-01-01T00:00:00Z ..
 * 2262-04-11T23:47:16.854775807Z), the range of a non-negative int64 of ns, which is how Loki, OTLP
 * and Go's time.UnixNano carry it. A time outside it is rejected per record by every protocol (a
 * far-future epoch such as 1e300 once reached SQLite as a REAL and failed every seal). Loki also
 * rejects times too far from now (reject_old_samples, creation_grace_period); we do not: a host with
 * a skewed clock keeps its lines, found with an explicit time range, and a backfill keeps those
 * inside LOG_RETENTION (older ones are accepted, then dropped by the next retention pass).
 */
export const MAX_TIME_NS = 2n ** 63n - 1n;
/** floor(MAX_TIME_NS / 1e6): the latest time in ms (parsers that work in ms). */
export const MAX_TIME_MS = 9_223_372_036_854;
/** The accepted range, for error messages. */
export const TIME_RANGE_TEXT = '1970-01-01T00:00:00Z .. 2262-04-11T23:47:16Z (0 .. 2^63-1 ns)';

/** True when an event time in ns is in the accepted range. */
export function timeInRange(ns: bigint): boolean {
  return ns >= 0n && ns <= MAX_TIME_NS;
}

/** Epoch number → ns: below 1e11 seconds (fractions kept), below 1e14 ms, below 1e17 µs, else ns. */
export function epochToNs(value: number): bigint | undefined {
  if (!Number.isFinite(value) || value < 0) return undefined;
  const ns =
    value < 1e11
      ? BigInt(Math.round(value * 1e6)) * 1000n
      : value < 1e14
        ? BigInt(Math.round(value * 1e3)) * 1000n
        : value < 1e17
          ? BigInt(Math.round(value)) * 1000n
          : BigInt(Math.round(value));
  return ns <= MAX_TIME_NS ? ns : undefined;
}

/** Digits-only string epoch, exact for ns. */
function epochStringToNs(text: string): bigint | undefined {
  if (text.length < 17) return epochToNs(Number(text));
  const ns = BigInt(text);
  return ns <= MAX_TIME_NS ? ns : undefined;
}

/**
 * Any accepted timestamp value → ns; undefined when absent, unparseable or outside the accepted
 * range (timeInRange). "0" and 0 mean "now"
 * (Elasticsearch shippers) and also give undefined so the caller substitutes the observed time.
 */
export function parseTimestamp(value: unknown): bigint | undefined {
  if (typeof value === 'number') return value === 0 ? undefined : epochToNs(value);
  if (typeof value !== 'string' || value === '' || value === '0') return undefined;
  if (value.length === 24) {
    const ms = isoMillis(value);
    if (ms !== undefined) return ms >= 0 && ms <= MAX_TIME_MS ? BigInt(ms) * 1_000_000n : undefined;
  }
  if (/^\d+$/.test(value)) return epochStringToNs(value);
  if (/^\d+\.\d+$/.test(value)) return epochToNs(Number(value));
  const ns = parseRfc3339(value.trim());
  return ns !== undefined && timeInRange(ns) ? ns : undefined;
}

// The `from`/`to` parameters of every read endpoint: a relative duration before now (`15m`, `24h`,
// `7d`, also `now` and `now-15m`), RFC 3339 with up to 9 fractional digits, or an epoch number
// (milliseconds as documented; by magnitude also seconds, µs and ns so `time_ns` round-trips).
import { ParseError, ValidationError } from '@flowrent/shared/errors';

export interface TimeRange {
  fromNs: bigint;
  /** Exclusive upper bound. */
  toNs: bigint;
}

export const DEFAULT_RANGE = '24h';
const NS_PER_MS = 1_000_000n;
const UNIT_NS: Record<string, bigint> = {
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
  w: 604_800_000_000_000n,
};
const DURATION = /^(\d+)(ms|s|m|h|d|w)$/;
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|z|[+-]\d{2}:?\d{2})?)?$/;

/** A duration such as `15m` in ns, or null when the text is not one. */
export function parseDuration(text: string): bigint | null {
  const m = DURATION.exec(text.trim());
  return m ? BigInt(m[1]) * UNIT_NS[m[2]] : null;
}

/**
 * Times the store can hold: 0 to 2^63 ns (records are refused outside it at ingest). A parameter
 * beyond is clamped into it, so `from=99999999999h` means "from the start", not a time so far
 * before 1970 that the histogram's bucket arithmetic overflowed to NaN (a 500).
 */
export const MAX_TIME_NS = 1n << 63n;

/** Parses one time parameter; `param` names it in the error. */
export function parseTimeParam(text: string, nowNs: bigint, param: string): bigint {
  const ns = parseUnclamped(text, nowNs, param);
  return ns < 0n ? 0n : ns > MAX_TIME_NS ? MAX_TIME_NS : ns;
}

function parseUnclamped(text: string, nowNs: bigint, param: string): bigint {
  const t = text.trim();
  if (t === 'now') return nowNs;
  const rel = parseDuration(t.startsWith('now-') ? t.slice(4) : t);
  if (rel !== null) return nowNs - rel;
  if (/^\d+(\.\d+)?$/.test(t)) return epochToNs(t);
  const m = RFC3339.exec(t);
  if (m) {
    const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = m;
    const ms = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s);
    if (
      Number.isFinite(ms) &&
      +mo >= 1 &&
      +mo <= 12 &&
      +d >= 1 &&
      +d <= 31 &&
      +h < 24 &&
      +mi < 60 &&
      +s < 61
    ) {
      const offsetMin = zone.toUpperCase() === 'Z' ? 0 : zoneMinutes(zone);
      const fracNs = BigInt(frac.padEnd(9, '0') || '0');
      return (BigInt(ms) - BigInt(offsetMin) * 60_000n) * NS_PER_MS + fracNs;
    }
  }
  throw new ParseError(
    `${param}: expected a duration like 15m, 24h or 7d, an RFC 3339 time, or epoch milliseconds; got '${text}'`,
    { param, position: 0 },
  );
}

function zoneMinutes(zone: string): number {
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
}

function epochToNs(t: string): bigint {
  const [int, frac = ''] = t.split('.');
  const n = BigInt(int);
  if (int.length <= 11) return n * 1_000_000_000n + BigInt(frac.slice(0, 9).padEnd(9, '0')); // seconds
  if (int.length <= 14) return n * NS_PER_MS + BigInt(frac.slice(0, 6).padEnd(6, '0')); // ms
  if (int.length <= 17) return n * 1000n; // µs
  return n; // ns
}

export function parseTimeRange(
  params: { from?: string; to?: string },
  nowNs: bigint,
  defaultFrom = DEFAULT_RANGE,
): TimeRange {
  const fromNs = parseTimeParam(params.from || defaultFrom, nowNs, 'from');
  const toNs = params.to ? parseTimeParam(params.to, nowNs, 'to') : nowNs + 1n;
  if (fromNs >= toNs)
    throw new ValidationError("'from' must be before 'to'", { from: params.from, to: params.to });
  return { fromNs, toNs };
}

// Time ranges as the UI's URLs carry them: `range=1h`, `end=` (RFC 3339 or epoch seconds, empty = now),
// `step=` (duration or seconds, empty = automatic). Pure; shared with the browser bundles.

export const QUICK_RANGES = ['5m', '15m', '1h', '6h', '24h', '7d'] as const;
export const REFRESH_CHOICES = ['', '10s', '30s', '1m', '5m', '15m'] as const;
export const DEFAULT_RANGE = '1h';
/** Points per series a graph asks for when no step is given (Prometheus' UI uses about 250 too). */
export const TARGET_POINTS = 250;
/** Prometheus refuses more than 11,000 points per series; stay under it. */
export const MAX_POINTS = 11_000;

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

/** "1h30m" → 5400000; a bare number is seconds; undefined when malformed or not positive. */
export function parseDurationMs(text: string | undefined | null): number | undefined {
  if (!text) return undefined;
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) {
    const seconds = Number(t);
    return seconds > 0 ? Math.round(seconds * 1000) : undefined;
  }
  const re = /(\d+)(ms|[smhdwy])/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(t); m; m = re.exec(t)) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    matched = re.lastIndex;
  }
  return matched === t.length && total > 0 ? total : undefined;
}

/** 5400000 → "1h30m" (the largest units first, as Prometheus prints durations). */
export function formatDurationMs(ms: number): string {
  if (ms <= 0) return '0s';
  let rest = ms;
  let out = '';
  for (const unit of ['w', 'd', 'h', 'm', 's', 'ms']) {
    const size = UNIT_MS[unit]!;
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}

/** RFC 3339 or epoch seconds → epoch ms; undefined for empty or malformed input. */
export function parseTimeMs(text: string | undefined | null): number | undefined {
  if (!text?.trim()) return undefined;
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

export interface ResolvedRange {
  startMs: number;
  endMs: number;
  stepMs: number;
  rangeMs: number;
}

/** Automatic step: about TARGET_POINTS points, rounded to a whole second, never over MAX_POINTS. */
export function autoStepMs(rangeMs: number): number {
  const raw = Math.max(1000, Math.ceil(rangeMs / TARGET_POINTS / 1000) * 1000);
  return Math.max(raw, Math.ceil(rangeMs / MAX_POINTS));
}

/** `from` (absolute start) wins over `range` when both it and a later end are given. */
export function resolveRange(
  params: { range?: string; from?: string; end?: string; step?: string },
  nowMs: number,
): ResolvedRange {
  const endMs = parseTimeMs(params.end) ?? nowMs;
  const fromMs = parseTimeMs(params.from);
  const rangeMs =
    fromMs !== undefined && fromMs < endMs
      ? endMs - fromMs
      : (parseDurationMs(params.range) ?? parseDurationMs(DEFAULT_RANGE)!);
  const wanted = parseDurationMs(params.step);
  const stepMs = Math.max(wanted ?? autoStepMs(rangeMs), Math.ceil(rangeMs / MAX_POINTS));
  return { startMs: endMs - rangeMs, endMs, stepMs, rangeMs };
}

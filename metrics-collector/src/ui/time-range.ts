// Time ranges as the UI's URLs carry them: `range=1h`, `end=` (RFC 3339 or epoch seconds, empty = now),
// `step=` (duration or seconds, empty = automatic). Pure; shared with the browser bundles.

export const QUICK_RANGES = ['5m', '15m', '1h', '6h', '24h', '7d'] as const;
export const REFRESH_CHOICES = ['', '10s', '30s', '1m', '5m', '15m'] as const;
export const DEFAULT_RANGE = '1h';
/** Points per series a graph asks for when no step is given (Prometheus' UI uses about 250 too). */
export const TARGET_POINTS = 250;
/** Prometheus refuses more than 11,000 points per series; stay under it. */
export const MAX_POINTS = 11_000;

export { formatDurationMs, parseDurationMs } from '@flowrent/shared/duration';
import { parseDurationMs } from '@flowrent/shared/duration';

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

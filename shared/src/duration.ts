// Durations as Prometheus writes them ("90s", "1h30m", "2w"), shared by config, retention
// settings, the UIs' time ranges and browser code. Pure: no imports.

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

/** "1h30m" → 5400000 ms; a bare number is seconds; undefined when malformed or not positive. */
export function parseDurationMs(text: string | undefined | null): number | undefined {
  if (!text) return undefined;
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) {
    const seconds = Number(t);
    return seconds > 0 ? Math.round(seconds * 1000) : undefined;
  }
  const re = /(\d+(?:\.\d+)?)(ms|[smhdwy])/y;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(t); m; m = re.exec(t)) {
    total += Number(m[1]) * UNIT_MS[m[2]];
    matched = re.lastIndex;
  }
  return matched === t.length && total > 0 ? Math.round(total) : undefined;
}

/** 5400000 → "1h30m" (largest units first, as Prometheus prints durations). */
export function formatDurationMs(ms: number): string {
  if (ms <= 0) return '0s';
  let rest = ms;
  let out = '';
  for (const unit of ['w', 'd', 'h', 'm', 's', 'ms']) {
    const size = UNIT_MS[unit];
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}

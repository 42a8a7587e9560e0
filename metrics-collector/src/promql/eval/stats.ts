// Shared numeric helpers with Prometheus' definitions.

/** Prometheus' quantile(): linear interpolation between the closest ranks; q outside [0,1] → ±Inf. */
export function quantile(q: number, values: number[]): number {
  if (values.length === 0 || Number.isNaN(q)) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return sorted[lower] * (1 - weight) + sorted[upper] * weight;
}

/** Go's math.Pow special cases where they differ from JavaScript's `**`. */
export function goPow(x: number, y: number): number {
  if (y === 0 || x === 1) return 1;
  if (x === -1 && !Number.isFinite(y) && !Number.isNaN(y)) return 1;
  return x ** y;
}

/** Go strconv.ParseFloat subset: decimals, exponents, Inf/Infinity/NaN with sign; undefined on error. */
export function parseGoFloat(s: string): number | undefined {
  const t = s.toLowerCase();
  if (/^[+]?(inf|infinity)$/.test(t)) return Number.POSITIVE_INFINITY;
  if (/^-(inf|infinity)$/.test(t)) return Number.NEGATIVE_INFINITY;
  if (/^[+-]?nan$/.test(t)) return Number.NaN;
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) return Number(t);
  if (/^[+-]?0x[0-9a-f]+$/.test(t)) return Number(t.replace(/^([+-]?)0x/, '$10x'));
  return undefined;
}

// Shared numeric helpers with Prometheus' definitions.

/**
 * Prometheus' quantile(): linear interpolation between the closest ranks; q outside [0,1] → ±Inf.
 * NaN sorts before every number, as 2.42's vectorByValueHeap.Less has it (`a - b` is NaN for a
 * NaN, which left it where the input had it: the answer depended on the series order).
 */
export function quantile(q: number, values: number[]): number {
  if (values.length === 0 || Number.isNaN(q)) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  const sorted = [...values].sort(nanFirst);
  const n = sorted.length;
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return sorted[lower] * (1 - weight) + sorted[upper] * weight;
}

function nanFirst(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : -1;
  if (Number.isNaN(b)) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
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

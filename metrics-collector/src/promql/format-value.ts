// Float rendering as Prometheus does it in Go: API values use strconv.FormatFloat(v, 'f' or 'e'
// by magnitude, -1), labels from count_values use 'f'. Special values: NaN, +Inf, -Inf.

export function formatGoFloat(v: number, mode: 'api' | 'f' = 'api'): string {
  // Integers below 1e21 (counters, most gauges): the shortest digits, never an exponent; -0 is not one.
  if (Number.isInteger(v) && v < 1e21 && v > -1e21 && (v !== 0 || !Object.is(v, -0)))
    return JSON.stringify(v);
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  if (Object.is(v, -0)) return '-0';
  // JSON.stringify writes a finite number exactly as String() does, but String() goes through
  // V8's number-to-string cache, which lives in the old generation: every value of a large
  // result was then kept there until a full GC (~1 MB per 18 k-point response); it is also faster.
  const s = JSON.stringify(v);
  const abs = Math.abs(v);
  const useExp = mode === 'api' && abs !== 0 && (abs < 1e-6 || abs >= 1e21);
  if (useExp) {
    const e = v.toExponential();
    return e.replace(/e([+-])(\d)$/, 'e$10$2');
  }
  if (!s.includes('e')) return s;
  return expandExponent(v);
}

/** Shortest round-trip digits written without an exponent (Go's 'f' with precision -1). */
function expandExponent(v: number): string {
  const [mant, expStr] = v.toExponential().split('e');
  const exp = Number(expStr);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  let out: string;
  if (exp >= 0) {
    out =
      digits.length > exp + 1
        ? `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`
        : digits + '0'.repeat(exp + 1 - digits.length);
  } else {
    out = `0.${'0'.repeat(-exp - 1)}${digits}`;
  }
  return neg ? `-${out}` : out;
}

/** Go's %f: six decimals, NaN, +Inf, -Inf (for error messages that print a float so). */
export function goPercentF(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  return Math.abs(v) < 1e21 ? v.toFixed(6) : `${formatGoFloat(v, 'f')}.000000`;
}

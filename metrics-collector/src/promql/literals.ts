// Literal syntax of PromQL 2.42: Go string quoting (strconv.Unquote), Prometheus durations
// (model.ParseDuration), and numbers (strconv.ParseInt with base 0, then ParseFloat).

const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const UNIT_MS = [365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000, 1];

/** The longest duration Go's int64 nanoseconds hold, in ms. */
export const MAX_DURATION_MS = 9_223_372_036_854;

/** Parses "1h30m", "5m", "250ms"; undefined when not a duration. */
export function parseDurationMs(text: string): number | undefined {
  if (text === '' || text === '0') return text === '0' ? 0 : undefined;
  const m = DURATION_RE.exec(text);
  if (!m) return undefined;
  let ms = 0;
  for (let i = 0; i < UNIT_MS.length; i++) if (m[i + 1] !== undefined) ms += Number(m[i + 1]) * UNIT_MS[i];
  return ms;
}

const INT64_MAX = 2n ** 63n - 1n;

/**
 * A number token as 2.42's parseNumber reads it: strconv.ParseInt(s, 0, 64), and when that fails
 * (syntax, or past int64) strconv.ParseFloat(s, 64). Undefined where both fail. Signs are tokens of
 * their own in 2.42 (a leading one is allowed here for callers that hold a signed literal).
 */
export function parseNumber(text: string): number | undefined {
  if (text.startsWith('-') || text.startsWith('+')) {
    const v = parseNumber(text.slice(1));
    return v === undefined ? undefined : text[0] === '-' ? -v : v;
  }
  const t = text.toLowerCase();
  const int = /^0x[0-9a-f]+$/.test(t)
    ? BigInt(t)
    : /^0[0-7]+$/.test(t)
      ? BigInt(`0o${t.slice(1)}`)
      : undefined;
  if (int !== undefined && int <= INT64_MAX) return Number(int);
  // ParseFloat: decimal (a leading 0 is not octal there), inf/infinity/nan; hexadecimal only with
  // a p exponent, which 2.42's lexer never lets through.
  if (t === 'inf' || t === 'infinity') return Number.POSITIVE_INFINITY;
  if (t === 'nan') return Number.NaN;
  if (/^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) return Number(t);
  return undefined;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
};

/** Go strconv.Unquote for "…", '…' and `…`; throws Error with a message on bad escapes. */
export function unquoteString(raw: string): string {
  const q = raw[0];
  // The closing quote must not be escaped ('a\' runs to the end of input in 2.42's lexer).
  const slashes = raw.length - 1 - raw.slice(0, -1).replace(/\\+$/, '').length;
  if (raw.length < 2 || raw[raw.length - 1] !== q || (q !== '`' && slashes % 2 === 1))
    throw new Error('unterminated quoted string');
  const body = raw.slice(1, -1);
  if (q === '`') return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i] ?? q;
    if (e in SIMPLE_ESCAPES && e !== (q === '"' ? "'" : '"')) {
      out += SIMPLE_ESCAPES[e];
      continue;
    }
    // 2.42's lexEscape: digits read one by one (the closing quote is the next character), its messages.
    const n = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : e >= '0' && e <= '7' ? 3 : 0;
    if (n === 0) throw new Error(`unknown escape sequence ${goRuneU(e)}`);
    const octal = n === 3;
    const digits = octal ? body.slice(i, i + 3) : body.slice(i + 1, i + 1 + n);
    for (let k = 0; k < n; k++) {
      const ch = digits[k] ?? q;
      if (!(octal ? /[0-7]/ : /[0-9a-fA-F]/).test(ch))
        throw new Error(`illegal character ${goRuneU(ch)} in escape sequence`);
    }
    const cp = Number.parseInt(digits, octal ? 8 : 16);
    checkCodePoint(cp, octal || e === 'x' ? 255 : 0x10ffff);
    out += e === 'x' || octal ? String.fromCharCode(cp) : String.fromCodePoint(cp);
    i += octal ? 2 : n;
  }
  return out;
}

/** Go's %#U: U+0051 'Q' (the character only when printable). */
function goRuneU(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  const hex = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(ch) ? `${hex} '${ch}'` : hex;
}

/** Go's lexer refuses an escape past `max` (255 for octal) or a UTF-16 surrogate (JavaScript took
 * `\400` and `\uD800` as characters). */
function checkCodePoint(cp: number, max: number): void {
  if (cp > max || (cp >= 0xd800 && cp < 0xe000))
    throw new Error('escape sequence is an invalid Unicode code point');
}

/** Prometheus' duration rendering (model.Duration.String): 90000 → "1m30s"; years and weeks only
 * when exact (15d stays "15d", 14d is "2w"). */
export function formatDurationMs(ms: number): string {
  let rest = Math.trunc(ms);
  if (rest === 0) return '0s';
  let s = '';
  const units: Array<[unit: string, size: number, exact: boolean]> = [
    ['y', UNIT_MS[0], true],
    ['w', UNIT_MS[1], true],
    ['d', UNIT_MS[2], false],
    ['h', UNIT_MS[3], false],
    ['m', UNIT_MS[4], false],
    ['s', UNIT_MS[5], false],
    ['ms', 1, false],
  ];
  for (const [unit, size, exact] of units) {
    if (exact && rest % size !== 0) continue;
    const n = Math.trunc(rest / size);
    if (n > 0) {
      s += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return s;
}

// Go's fmt for alert templates: fmt.Sprint and fmt.Sprintf of the values a template handles, as
// Prometheus 2.42 (built with Go 1.19) prints them. Go's int (integer constants such as `5` or
// `'a'`, len, range indexes) is a bigint here, so `printf "%d" 5` and `printf "%s" 5` tell it from
// float64 (`5.0`, $value) as Go does.
import { goFloatV, goQuote } from '../promql/print.js';
import type { TemplateSample } from './template.js';

export type TemplateValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | TemplateValue[]
  | TemplateSample
  | { [key: string]: TemplateValue };

// Rounding to a precision (%.2f, %.1e, %.4g) is done on the double's exact decimal digits, half to
// even, as Go's strconv: JavaScript's toFixed and toExponential round an exact tie away from zero
// (2.25 → "2.3", 10.125 → "10.13"; Go: "2.2", "10.12").

/** The exact decimal digits of |v| (finite): |v| = digits × 10^-scale; "0" for zero. */
function exactDecimal(v: number): { digits: string; scale: number } {
  const { exp, frac } = floatBits(v);
  const mant = exp === 0 ? frac : frac | (1n << 52n);
  const e = (exp === 0 ? 1 : exp) - 1075;
  if (e >= 0) return { digits: (mant << BigInt(e)).toString(), scale: 0 };
  return { digits: (mant * 5n ** BigInt(-e)).toString(), scale: -e };
}

/** The first n digits of `d` (a digit string) rounded half to even; one digit longer on a carry
 * (999 → 1000); n may be 0 (rounds to "" or "1"). */
function roundDigits(d: string, n: number): string {
  if (n >= d.length) return d.padEnd(n, '0');
  const head = d.slice(0, n);
  const next = d[n];
  const odd = n > 0 && Number(head[n - 1]) % 2 === 1;
  const up = next > '5' || (next === '5' && (/[1-9]/.test(d.slice(n + 1)) || odd));
  if (!up) return head;
  return (BigInt(head || '0') + 1n).toString().padStart(n, '0');
}

/** Decimal digits of |v| rounded to n significant ones, trailing zeros kept, and the decimal
 * exponent of the first (v = 0.d1d2… × 10^point). */
function significant(v: number, n: number): { digits: string; point: number } {
  if (v === 0) return { digits: '0'.repeat(n), point: 1 };
  const { digits, scale } = exactDecimal(v);
  let point = digits.length - scale;
  let r = roundDigits(digits, n);
  if (r.length > n) {
    r = r.slice(0, n);
    point++;
  }
  return { digits: r, point };
}

const sign = (v: number) => (v < 0 || Object.is(v, -0) ? '-' : '');
const exponent = (e: number) => `e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;

/** %.<p>f */
function fixed(v: number, p: number): string {
  const { digits, scale } = exactDecimal(v);
  const n = roundDigits(digits, Math.max(0, digits.length - scale + p)).padStart(p + 1, '0');
  const int = n.slice(0, n.length - p);
  return `${sign(v)}${int}${p > 0 ? `.${n.slice(n.length - p)}` : ''}`;
}

/** %.<p>e */
function exponential(v: number, p: number): string {
  const { digits, point } = significant(v, p + 1);
  return `${sign(v)}${digits[0]}${p > 0 ? `.${digits.slice(1)}` : ''}${exponent(v === 0 ? 0 : point - 1)}`;
}

/** Go's strconv 'g' of a float64: shortest digits as fmt's %v (`precision` undefined; goFloatV) or
 * `precision` significant digits (%.4g), trailing zeros dropped. */
function goFloat(v: number, precision?: number): string {
  if (precision === undefined) return goFloatV(v);
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  if (v === 0) return `${sign(v)}0`;
  const { digits: all, point } = significant(v, precision);
  const digits = all.replace(/0+$/, '');
  const nd = digits.length;
  const eprec = precision > nd && nd >= point ? nd : precision;
  if (point - 1 < -4 || point - 1 >= eprec)
    return `${sign(v)}${digits[0]}${nd > 1 ? `.${digits.slice(1)}` : ''}${exponent(point - 1)}`;
  if (point <= 0) return `${sign(v)}0.${'0'.repeat(-point)}${digits}`;
  const int = digits.slice(0, point).padEnd(point, '0');
  return `${sign(v)}${int}${nd > point ? `.${digits.slice(point)}` : ''}`;
}

export function printOne(v: TemplateValue): string {
  if (typeof v === 'number') return goFloat(v);
  if (typeof v === 'bigint') return v.toString();
  if (v === null) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(printOne).join(' ')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, TemplateValue>;
    return `map[${Object.keys(o)
      .sort()
      .map((k) => `${k}:${printOne(o[k])}`)
      .join(' ')}]`;
  }
  return String(v);
}

/** fmt.Sprint: a space between operands when neither is a string. */
export function goPrint(args: TemplateValue[]): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += printOne(a);
  });
  return out;
}

/** The Go type fmt names in %T and %!verb(type=value). */
export function goTypeOf(v: TemplateValue): string {
  if (typeof v === 'number') return 'float64';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'string') return 'string';
  if (v === null) return '<nil>';
  return Array.isArray(v) ? 'template.queryResult' : 'map[string]string';
}

/** Sign, biased exponent and 52-bit fraction of a float64. */
function floatBits(v: number): { neg: boolean; exp: number; frac: bigint } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, v);
  const bits = view.getBigUint64(0);
  return { neg: bits >> 63n === 1n, exp: Number((bits >> 52n) & 0x7ffn), frac: bits & ((1n << 52n) - 1n) };
}

/** strconv's 'b' format (%b of a float64): integer mantissa, binary exponent. */
function binaryFloat(v: number): string {
  const { neg, exp, frac } = floatBits(v);
  const mant = exp === 0 ? frac : frac | (1n << 52n);
  const e = exp === 0 ? -1074 : exp - 1075;
  return `${neg ? '-' : ''}${mant}p${e >= 0 ? '+' : ''}${e}`;
}

const u64 = (x: bigint) => BigInt.asUintN(64, x);

/** strconv's 'x' format (%x of a float64; strconv.fmtX): 0x1.fep+07, `prec` hex digits or the
 * shortest. */
function hexFloat(v: number, prec: number | undefined, upper: boolean): string {
  const { neg, exp: biased, frac } = floatBits(v);
  let mant = biased === 0 ? frac : frac | (1n << 52n);
  let exp = (biased === 0 ? 1 : biased) - 1023;
  if (mant === 0n) exp = 0;
  mant <<= 8n; // the leading 1 at bit 60
  while (mant !== 0n && (mant & (1n << 60n)) === 0n) {
    mant <<= 1n;
    exp--;
  }
  if (prec !== undefined && prec < 15) {
    const shift = BigInt(prec * 4);
    const extra = u64(mant << shift) & ((1n << 60n) - 1n);
    mant >>= 60n - shift;
    if ((extra | (mant & 1n)) > 1n << 59n) mant++;
    mant <<= 60n - shift;
    if ((mant & (1n << 61n)) !== 0n) {
      mant >>= 1n;
      exp++;
    }
  }
  let out = `${neg ? '-' : ''}0x${(mant >> 60n) & 1n}`;
  mant = u64(mant << 4n);
  const digits = prec ?? (mant === 0n ? 0 : 16);
  if (digits > 0) out += '.';
  for (let i = 0; i < digits && (prec !== undefined || mant !== 0n); i++) {
    out += ((mant >> 60n) & 15n).toString(16);
    mant = u64(mant << 4n);
  }
  out += `p${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return upper ? out.toUpperCase() : out;
}

/** strconv.QuoteRune (%q of an int). */
function quoteRune(cp: number): string {
  const c = String.fromCodePoint(cp);
  if (c === "'") return "'\\''";
  return `'${goQuote(c).slice(1, -1).replace('\\"', '"')}'`;
}

/** Float verbs print infinities and NaN as Go does (no zero padding, + for +Inf). */
function special(v: number): string | undefined {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  return undefined;
}

/** fmt.Sprintf for %s %v %d %f %e %g %q %x %o %b %c %U %t %T with flags, width, precision; a wrong
 * operand as %!verb(type=value), missing ones as %!verb(MISSING), extra ones as %!(EXTRA …). */
export function goSprintf(format: string, args: TemplateValue[]): string {
  let n = 0;
  const bad = (verb: string, a: TemplateValue) => `%!${verb}(${goTypeOf(a)}=${printOne(a)})`;
  const out = format.replace(
    /%([-+# 0]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])/g,
    (_all, flags: string, width, prec, verb: string) => {
      if (verb === '%') return '%';
      if (n >= args.length) return `%!${verb}(MISSING)`;
      const a = args[n++];
      const p = prec === undefined ? undefined : Number(prec);
      const num = typeof a === 'number' ? a : Number.NaN;
      const isNum = typeof a === 'number';
      const isInt = typeof a === 'bigint';
      let s: string;
      switch (verb) {
        case 'd':
          s = isInt ? a.toString() : bad(verb, a);
          break;
        case 'o':
          s = isInt ? a.toString(8) : bad(verb, a);
          break;
        case 'b':
          s = isInt ? a.toString(2) : isNum ? (special(num) ?? binaryFloat(num)) : bad(verb, a);
          break;
        case 'c':
          s = isInt ? String.fromCodePoint(Number(a)) : bad(verb, a);
          break;
        case 'U':
          s = isInt ? `U+${a.toString(16).toUpperCase().padStart(4, '0')}` : bad(verb, a);
          break;
        case 'f':
        case 'F':
          s = isNum ? (special(num) ?? fixed(num, p ?? 6)) : bad(verb, a);
          break;
        case 'e':
        case 'E':
          s = isNum ? (special(num) ?? exponential(num, p ?? 6)) : bad(verb, a);
          if (verb === 'E') s = s.toUpperCase();
          break;
        case 'g':
        case 'G':
          s = isNum ? goFloat(num, p === undefined ? undefined : Math.max(p, 1)) : bad(verb, a);
          break;
        case 'q':
          s = typeof a === 'string' ? goQuote(a) : isInt ? quoteRune(Number(a)) : bad(verb, a);
          break;
        case 'x':
        case 'X':
          s = isInt
            ? a.toString(16)
            : isNum
              ? (special(num) ?? hexFloat(num, p, verb === 'X'))
              : typeof a === 'string'
                ? Buffer.from(a).toString('hex')
                : bad(verb, a);
          if (verb === 'X') s = s.toUpperCase();
          break;
        case 't':
          s = typeof a === 'boolean' ? String(a) : bad(verb, a);
          break;
        case 's':
          s =
            typeof a === 'string'
              ? p !== undefined
                ? a.slice(0, p)
                : a
              : isNum || isInt
                ? bad(verb, a)
                : printOne(a);
          break;
        case 'v':
          s = printOne(a);
          break;
        case 'T':
          s = goTypeOf(a);
          break;
        default:
          s = bad(verb, a);
      }
      const numeric = (isNum && special(num) === undefined) || (isInt && 'dobxX'.includes(verb));
      if (flags.includes('+') && numeric && !s.startsWith('-')) s = `+${s}`;
      const w = width === undefined ? 0 : Number(width);
      if (s.length >= w) return s;
      if (flags.includes('-')) return s.padEnd(w);
      if (!flags.includes('0')) return s.padStart(w);
      // Zeros go after the sign.
      const sign = numeric && (s[0] === '-' || s[0] === '+') ? s[0] : '';
      return sign + s.slice(sign.length).padStart(w - sign.length, '0');
    },
  );
  if (n >= args.length) return out;
  return `${out}%!(EXTRA ${args
    .slice(n)
    .map((a) => `${goTypeOf(a)}=${printOne(a)}`)
    .join(', ')})`;
}

// Functions of alert templates: Go text/template's builtins (and, or, not, eq…ge, len, index,
// print, printf, println) and Prometheus 2.42's (template/template.go: query, first, label, value,
// strvalue, sortByLabel, the humanize family, toUpper, toLower, title, match, reReplaceAll,
// safeHtml, stripPort, args, externalURL, pathPrefix, graphLink, tableLink, parseDuration); Go's
// formatting of values is template-format.ts.
import { re2Problem, translateRe2 } from '@flowrent/shared/re2';
import { parseDurationMs } from '../promql/literals.js';
import { goPrint, goSprintf, goTypeOf, printOne, type TemplateValue } from './template-format.js';
import type { TemplateData, TemplateSample } from './template.js';

export type Fn = (args: TemplateValue[], data: TemplateData) => TemplateValue;

export function isTrue(v: TemplateValue): boolean {
  if (v === null || v === false || v === 0 || v === 0n || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/** 2.42's convertToFloat: float64, int and strings. */
function toFloat(v: TemplateValue): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string') {
    const n = Number(v);
    if (v.trim() === '' || Number.isNaN(n)) {
      if (/^[-+]?(inf|infinity)$/i.test(v)) return v.startsWith('-') ? -Infinity : Infinity;
      if (/^nan$/i.test(v)) return Number.NaN;
      throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(v)}: invalid syntax`);
    }
    return n;
  }
  throw new Error(`can't convert ${printOne(v)} to float`);
}

const trim4 = (v: number) => goSprintf('%.4g', [v]);

export function humanize(v: number): string {
  if (v === 0 || Number.isNaN(v) || !Number.isFinite(v)) return goSprintf('%.4g', [v]);
  if (Math.abs(v) >= 1) {
    const prefixes = ['', 'k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];
    let i = 0;
    for (; i < prefixes.length - 1 && Math.abs(v) >= 1000; i++) v /= 1000;
    return `${trim4(v)}${prefixes[i]}`;
  }
  const prefixes = ['', 'm', 'u', 'n', 'p', 'f', 'a', 'z', 'y'];
  let i = 0;
  for (; i < prefixes.length - 1 && Math.abs(v) < 1; i++) v *= 1000;
  return `${trim4(v)}${prefixes[i]}`;
}

function humanize1024(v: number): string {
  if (Math.abs(v) <= 1 || Number.isNaN(v) || !Number.isFinite(v)) return goSprintf('%.4g', [v]);
  const prefixes = ['', 'ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi', 'Yi'];
  let i = 0;
  for (; i < prefixes.length - 1 && Math.abs(v) >= 1024; i++) v /= 1024;
  return `${trim4(v)}${prefixes[i]}`;
}

function humanizeDuration(v: number): string {
  if (Number.isNaN(v) || !Number.isFinite(v)) return goSprintf('%.4g', [v]);
  if (v === 0) return '0s';
  if (Math.abs(v) >= 1) {
    const sign = v < 0 ? '-' : '';
    v = Math.abs(v);
    const days = Math.trunc(v / 86400);
    const hours = Math.trunc(v / 3600) % 24;
    const minutes = Math.trunc(v / 60) % 60;
    const seconds = Math.trunc(v) % 60;
    if (days !== 0) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
    if (hours !== 0) return `${sign}${hours}h ${minutes}m ${seconds}s`;
    if (minutes !== 0) return `${sign}${minutes}m ${seconds}s`;
    return `${sign}${goSprintf('%.4g', [v])}s`;
  }
  const prefixes = ['', 'm', 'u', 'n', 'p', 'f', 'a', 'z', 'y'];
  let i = 0;
  for (; i < prefixes.length - 1 && Math.abs(v) < 1; i++) v *= 1000;
  return `${goSprintf('%.4g', [v])}${prefixes[i]}s`;
}

/** time.Unix(…).UTC().String(): "2023-11-14 22:13:20 +0000 UTC" (fraction only when present). */
function humanizeTimestamp(v: number): string {
  if (Number.isNaN(v) || !Number.isFinite(v)) return goSprintf('%.4g', [v]);
  const ms = Math.round(v * 1000);
  const iso = new Date(ms).toISOString();
  const frac = ms % 1000 === 0 ? '' : `.${iso.slice(20, 23)}`.replace(/0+$/, '');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${frac} +0000 UTC`;
}

/** regexp.Compile (RE2, unanchored); `must`: MustCompile's wording of the error. */
function goRegexp(pattern: string, must = false): RegExp {
  const fail = (message: string): never => {
    const syntax = `error parsing regexp: ${message}`;
    throw new Error(must ? `regexp: Compile(\`${pattern}\`): ${syntax}` : syntax);
  };
  let body = pattern;
  let flags = '';
  const inline = /^\(\?([imsU]+)\)/.exec(body);
  if (inline) {
    body = body.slice(inline[0].length);
    for (const f of 'ism') if (inline[1].includes(f)) flags += f;
  }
  const problem = re2Problem(body);
  if (problem) fail(problem);
  try {
    return new RegExp(translateRe2(body, flags.includes('s')), flags);
  } catch (e) {
    const m = (e as Error).message;
    if (m.includes('Unterminated group')) return fail(`missing closing ): \`${pattern}\``);
    if (m.includes("Unmatched ')'")) return fail(`unexpected ): \`${pattern}\``);
    if (m.includes('Unterminated character class'))
      return fail(`missing closing ]: \`${pattern.slice(pattern.lastIndexOf('['))}\``);
    return fail(m);
  }
}

/** Go's strings.ToUpper/ToLower map rune by rune (ß stays ß). */
function perRune(s: string, map: (c: string) => string): string {
  return [...s]
    .map((c) => {
      const m = map(c);
      return [...m].length === 1 ? m : c;
    })
    .join('');
}

const samples = (v: TemplateValue): TemplateSample[] => {
  if (!Array.isArray(v)) throw new Error('expected a query result');
  return v as unknown as TemplateSample[];
};
const sample = (v: TemplateValue): TemplateSample => {
  if (!v || typeof v !== 'object' || !('Labels' in v)) throw new Error('expected a sample');
  return v as TemplateSample;
};

function compare(name: string, args: TemplateValue[], test: (c: number) => boolean): boolean {
  const [a, b] = args;
  if (typeof a !== typeof b) throw new Error('incompatible types for comparison');
  if (typeof a === 'number' || typeof a === 'bigint' || typeof a === 'string')
    return test(a! < b! ? -1 : a! > b! ? 1 : 0);
  if (name === 'eq' || name === 'ne') return test(a === b ? 0 : 1);
  throw new Error('invalid type for comparison');
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  "'": '&#39;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&#34;',
};
const JS_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '<': '\\u003C',
  '>': '\\u003E',
  '&': '\\u0026',
  '=': '\\u003D',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/** Functions whose first n parameters are Go strings (2.42's signatures): text/template refuses
 * any other value there ("expected string; found 5", "wrong type for value; expected string; got
 * float64") before calling them. */
export const STRING_PARAMS: Record<string, number> = {
  query: 1,
  label: 1,
  sortByLabel: 1,
  reReplaceAll: 3,
  match: 2,
  safeHtml: 1,
  title: 1,
  toUpper: 1,
  toLower: 1,
  graphLink: 1,
  tableLink: 1,
  parseDuration: 1,
  stripPort: 1,
};

export const TEMPLATE_FUNCTIONS: Record<string, Fn> = {
  and: (a) => a.find((x) => !isTrue(x)) ?? a[a.length - 1],
  or: (a) => a.find((x) => isTrue(x)) ?? a[a.length - 1],
  not: (a) => !isTrue(a[0]),
  eq: (a) => a.slice(1).some((b) => compare('eq', [a[0], b], (c) => c === 0)),
  ne: (a) => compare('ne', a, (c) => c !== 0),
  lt: (a) => compare('lt', a, (c) => c < 0),
  le: (a) => compare('le', a, (c) => c <= 0),
  gt: (a) => compare('gt', a, (c) => c > 0),
  ge: (a) => compare('ge', a, (c) => c >= 0),
  // Go's len is an int; of a string it counts bytes.
  len: ([v]) =>
    BigInt(
      Array.isArray(v)
        ? v.length
        : typeof v === 'string'
          ? Buffer.byteLength(v)
          : Object.keys(v ?? {}).length,
    ),
  index: ([v, ...keys]) => {
    let x = v;
    for (const k of keys) {
      if (Array.isArray(x)) {
        if (typeof k !== 'bigint') throw new Error(`cannot index slice/array with type ${goTypeOf(k)}`);
        if (k < 0n || k >= BigInt(x.length)) throw new Error(`index out of range: ${k}`);
        x = x[Number(k)];
      } else {
        if (typeof k !== 'string') throw new Error(`value has type ${goTypeOf(k)}; should be string`);
        x = (x as Record<string, TemplateValue>)?.[k] ?? '';
      }
    }
    return x;
  },
  print: (a) => goPrint(a),
  println: (a) => `${a.map(printOne).join(' ')}\n`,
  printf: ([f, ...a]) => goSprintf(String(f), a),
  query: ([q], data) => {
    if (!data.query) throw new Error('no query engine');
    return data.query(String(q)) as unknown as TemplateValue;
  },
  first: ([v]) => {
    const s = samples(v);
    if (s.length === 0) throw new Error('first() called on vector with no elements');
    return s[0];
  },
  label: ([name, v]) => sample(v).Labels[String(name)] ?? '',
  value: ([v]) => sample(v).Value,
  strvalue: ([v]) => sample(v).Labels.__value__ ?? '',
  sortByLabel: ([name, v]) =>
    [...samples(v)].sort((a, b) =>
      (a.Labels[String(name)] ?? '') < (b.Labels[String(name)] ?? '') ? -1 : 1,
    ) as unknown as TemplateValue,
  humanize: ([v]) => humanize(toFloat(v)),
  humanize1024: ([v]) => humanize1024(toFloat(v)),
  humanizeDuration: ([v]) => humanizeDuration(toFloat(v)),
  humanizePercentage: ([v]) => `${goSprintf('%.4g', [toFloat(v) * 100])}%`,
  humanizeTimestamp: ([v]) => humanizeTimestamp(toFloat(v)),
  toUpper: ([v]) => perRune(String(v), (c) => c.toUpperCase()),
  toLower: ([v]) => perRune(String(v), (c) => c.toLowerCase()),
  // strings.Title: a letter after a separator (ASCII other than letters, digits and '_', or a
  // space) is upper-cased.
  title: ([v]) =>
    String(v).replace(
      /(^|[\x00-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f\s])(\p{L})/gu,
      (_m, a: string, b: string) => a + perRune(b, (c) => c.toUpperCase()),
    ),
  html: (a) => goPrint(a).replace(/[&'<>"]/g, (c) => HTML_ESCAPES[c] ?? c),
  js: (a) =>
    goPrint(a).replace(
      /[\\'"<>&=]|[\x00-\x1f]/g,
      (c) => JS_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`,
    ),
  urlquery: (a) =>
    encodeURIComponent(goPrint(a))
      .replace(/%20/g, '+')
      .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
  slice: ([v, ...idx]) => {
    const [from, to] = idx.map(Number);
    if (typeof v === 'string')
      return Buffer.from(v)
        .subarray(from ?? 0, to)
        .toString();
    if (Array.isArray(v)) return v.slice(from ?? 0, to);
    throw new Error(`can't slice item of type ${goTypeOf(v)}`);
  },
  toTime: ([v]) => humanizeTimestamp(toFloat(v)),
  match: ([pattern, text]) => goRegexp(String(pattern)).test(String(text)),
  reReplaceAll: ([pattern, repl, text]) =>
    String(text).replace(
      new RegExp(goRegexp(String(pattern), true).source, `g${goRegexp(String(pattern)).flags}`),
      (...m) => {
        const groups = m.slice(1, -2) as string[];
        const named = (typeof m.at(-1) === 'object' ? m.at(-1) : {}) as Record<string, string>;
        return String(repl).replace(/\$(?:\{(\w+)\}|(\w+))/g, (_x, a?: string, b?: string) => {
          const ref = a ?? b ?? '';
          return /^\d+$/.test(ref)
            ? ref === '0'
              ? m[0]
              : (groups[Number(ref) - 1] ?? '')
            : (named[ref] ?? '');
        });
      },
    ),
  safeHtml: ([v]) => String(v),
  stripPort: ([v]) => {
    const s = String(v);
    const m = /^\[(.*)\]:\d*$/.exec(s) ?? /^([^:]*):\d*$/.exec(s);
    return m ? m[1] : s;
  },
  args: (a) => Object.fromEntries(a.map((v, i) => [`arg${i}`, v])),
  externalURL: (_a, data) => data.externalURL ?? '',
  pathPrefix: (_a, data) => {
    try {
      return new URL(data.externalURL ?? '').pathname.replace(/\/$/, '');
    } catch {
      return '';
    }
  },
  graphLink: ([expr], data) =>
    `${data.externalURL ?? ''}/graph?g0.expr=${encodeURIComponent(String(expr))}&g0.tab=0`,
  tableLink: ([expr], data) =>
    `${data.externalURL ?? ''}/graph?g0.expr=${encodeURIComponent(String(expr))}&g0.tab=1`,
  parseDuration: ([v]) => {
    const ms = parseDurationMs(String(v));
    if (ms === undefined) throw new Error(`not a valid duration string: ${JSON.stringify(String(v))}`);
    return ms / 1000;
  },
};

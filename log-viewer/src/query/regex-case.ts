// `(?i)` without the `i` flag: V8's linear-time engine (regex-linear.ts) takes no flags but `g` `y`
// `s` `m`, so a case-insensitive pattern is rewritten into a case-sensitive one that matches exactly
// the same strings as the pattern with JavaScript's /i flag (ECMAScript 2023 §22.2.2.7.3
// Canonicalize, non-Unicode mode: two code units match when their single-unit upper cases are equal,
// and a non-ASCII unit never matches an ASCII one: `ſ` is not `s`, the Kelvin sign is not `k`).
// Every character becomes the class of the characters it matches (`a` → `[Aa]`), and every class
// gets the characters its members match (`[0-Z]` → 0-Z plus a-z, not 0-z: lowering the pattern and
// the text, the road taken before, widened `[0-Z]` by `[\]^_\``, refused `[Z-a]` and changed `\W`
// and `.` on text whose lower case has another length or word-ness, e.g. `İ` and the Kelvin sign).
// Class escapes (`\d` `\w` `\s` and their negations) and the rest of the syntax are kept: they
// match the same with and without /i. A backreference stays as it is: /i compares it
// case-insensitively, which no rewrite can express, but the linear engine refuses backreferences.

/** Code units whose case-insensitive class has more than one member, sorted, and their classes. */
interface Folds {
  units: Uint16Array;
  classOf: Map<number, number[]>;
}

let folds: Folds | undefined;

/** Canonicalize(ch) of ECMAScript for a non-Unicode /i pattern. */
export function canonicalize(unit: number): number {
  const upper = String.fromCharCode(unit).toUpperCase();
  if (upper.length !== 1) return unit;
  const u = upper.charCodeAt(0);
  return unit >= 128 && u < 128 ? unit : u;
}

/**
 * Built on first use (~2 ms): only a unit whose upper case differs can canonicalize to another one
 * (Unicode's Changes_When_Uppercased is exactly that), so only those are looked at.
 */
function caseFolds(): Folds {
  if (folds) return folds;
  const byCanon = new Map<number, number[]>();
  for (const m of allUnits().matchAll(/\p{Changes_When_Uppercased}/gu)) {
    const c = m[0].charCodeAt(0);
    const k = canonicalize(c);
    if (k === c) continue;
    const list = byCanon.get(k);
    if (list) list.push(c);
    else byCanon.set(k, canonicalize(k) === k ? [k, c] : [c]);
  }
  const classOf = new Map<number, number[]>();
  for (const list of byCanon.values()) {
    if (list.length < 2) continue;
    list.sort((a, b) => a - b);
    for (const c of list) classOf.set(c, list);
  }
  folds = { units: Uint16Array.from([...classOf.keys()].sort((a, b) => a - b)), classOf };
  return folds;
}

/** Every BMP code unit but the surrogates (which have no case) as one string. */
function allUnits(): string {
  const units = new Uint16Array(0x10000 - 0x800);
  for (let c = 0, j = 0; c <= 0xffff; c++) if (c < 0xd800 || c > 0xdfff) units[j++] = c;
  return new TextDecoder('utf-16le').decode(units);
}

const hex4 = (c: number) => `\\u${c.toString(16).padStart(4, '0')}`;
const HEX = /^[0-9A-Fa-f]+$/;
const CLASS_ESCAPES = 'dDwWsS';

/** The case-sensitive pattern matching what `pattern` matches with the /i flag. */
export function foldCase(pattern: string): string {
  const p = pattern;
  const named = /\(\?<(?![=!])/.test(p); // `\k<x>` is a backreference only then
  let out = '';
  let i = 0;
  while (i < p.length) {
    const c = p[i];
    if (c === '\\') {
      const e = readEscape(p, i, false, named);
      const written = e.end === i + 1 ? '\\\\' : p.slice(i, e.end); // `\c` alone: a backslash
      out += e.unit === undefined ? written : literal(e.unit, written);
      i = e.end;
    } else if (c === '[') {
      const cls = readClass(p, i);
      out += cls.text;
      i = cls.end;
    } else if (c === '(' && p[i + 1] === '?') {
      // (?: (?= (?! (?<= (?<! and (?<name>: the name is not text to match.
      const group = /^\(\?<(?![=!])[^>]*>/.exec(p.slice(i));
      const end = group ? i + group[0].length : i + (p[i + 2] === '<' ? 4 : 3);
      out += p.slice(i, end);
      i = end;
    } else if (c === '{') {
      const q = /^\{\d+(,\d*)?\}/.exec(p.slice(i));
      const end = q ? i + q[0].length : i + 1; // a brace that is no quantifier is a literal (Annex B)
      out += p.slice(i, end);
      i = end;
    } else {
      out += '()|^$.*+?)'.includes(c) ? c : literal(c.charCodeAt(0), c);
      i++;
    }
  }
  return out;
}

/** A literal code unit as the class of what it matches, or as written when that is itself only. */
function literal(unit: number, written: string): string {
  const members = caseFolds().classOf.get(unit);
  return members ? `[${members.map(hex4).join('')}]` : written;
}

/**
 * The escape at i: its end and the code unit it stands for (undefined: an assertion, a class escape
 * or a backreference, kept as written). Non-Unicode (Annex B) rules: `\u` without four hex digits
 * is `u`, `\c` without a letter is a backslash (outside a class), `\0`-`\7` in a class are octal.
 */
function readEscape(p: string, i: number, inClass: boolean, named = false): { end: number; unit?: number } {
  const next = p[i + 1] ?? '';
  if (next === 'x' && HEX.test(p.slice(i + 2, i + 4)) && i + 4 <= p.length)
    return { end: i + 4, unit: Number.parseInt(p.slice(i + 2, i + 4), 16) };
  if (next === 'u' && HEX.test(p.slice(i + 2, i + 6)) && i + 6 <= p.length)
    return { end: i + 6, unit: Number.parseInt(p.slice(i + 2, i + 6), 16) };
  if (next === 'c') {
    const letter = p[i + 2] ?? '';
    if (/[A-Za-z]/.test(letter) || (inClass && /[0-9_]/.test(letter)))
      return { end: i + 3, unit: letter.charCodeAt(0) % 32 };
    return { end: i + 1, unit: 0x5c }; // `\c` alone: a backslash, then `c` as itself
  }
  if (CLASS_ESCAPES.includes(next)) return { end: i + 2 };
  if (inClass && next === 'b') return { end: i + 2, unit: 8 };
  if (!inClass && (next === 'b' || next === 'B')) return { end: i + 2 };
  if (/[0-9]/.test(next)) {
    if (!inClass) return { end: i + 1 + /^[0-9]+/.exec(p.slice(i + 1))![0].length }; // backreference or octal
    const oct = /^[0-3]?[0-7]{1,2}|^[0-7]/.exec(p.slice(i + 1));
    if (!oct) return { end: i + 2, unit: next.charCodeAt(0) }; // `\8` `\9`: the digit
    return { end: i + 1 + oct[0].length, unit: Number.parseInt(oct[0], 8) };
  }
  if (!inClass && named && next === 'k' && p[i + 2] === '<') {
    const close = p.indexOf('>', i);
    return { end: close < 0 ? p.length : close + 1 };
  }
  const controls: Record<string, number> = { f: 12, n: 10, r: 13, t: 9, v: 11 };
  if (next in controls) return { end: i + 2, unit: controls[next] };
  return { end: i + 2, unit: next.charCodeAt(0) }; // an identity escape: `\.` `\A`
}

/** A class `[...]` at i, with every member's case variants added. */
function readClass(p: string, start: number): { text: string; end: number } {
  let i = start + 1;
  const negated = p[i] === '^';
  if (negated) i++;
  const kept: string[] = []; // class escapes, as written
  const ranges: [number, number][] = [];
  /** The next class atom: a code unit, or a class escape (undefined unit). */
  const atom = (): { end: number; unit?: number; text: string } => {
    if (p[i] === '\\') {
      const e = readEscape(p, i, true);
      return { ...e, text: p.slice(i, e.end) };
    }
    return { end: i + 1, unit: p.charCodeAt(i), text: p[i] };
  };
  while (i < p.length && p[i] !== ']') {
    const from = atom();
    i = from.end;
    if (p[i] === '-' && i + 1 < p.length && p[i + 1] !== ']') {
      const save = i;
      i++;
      const to = atom();
      if (from.unit !== undefined && to.unit !== undefined) {
        ranges.push([from.unit, to.unit]); // out of order: `new RegExp` refuses it as before
        i = to.end;
        continue;
      }
      i = save; // `[\d-z]`: a class escape next to `-` makes `-` a literal (Annex B)
    }
    if (from.unit === undefined) kept.push(from.text);
    else ranges.push([from.unit, from.unit]);
  }
  const end = Math.min(i + 1, p.length);
  if (ranges.some(([a, b]) => a > b)) return { text: p.slice(start, end), end };
  const all = closeRanges(ranges);
  const body = kept.join('') + all.map(([a, b]) => (a === b ? hex4(a) : `${hex4(a)}-${hex4(b)}`)).join('');
  return { text: `[${negated ? '^' : ''}${body}]`, end };
}

/** The ranges plus every unit that a member matches case-insensitively, sorted and merged. */
function closeRanges(ranges: [number, number][]): [number, number][] {
  const { units, classOf } = caseFolds();
  const added: [number, number][] = [...ranges];
  for (const [a, b] of ranges) {
    // Units with case variants inside [a, b]: binary search for the first, then walk.
    let lo = 0;
    let hi = units.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (units[mid] < a) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo; k < units.length && units[k] <= b; k++)
      for (const m of classOf.get(units[k])!) if (m < a || m > b) added.push([m, m]);
  }
  added.sort((x, y) => x[0] - y[0]);
  const merged: [number, number][] = [];
  for (const r of added) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

// foldCase() against JavaScript's own /i flag: seeded random classes checked on every BMP code
// unit, seeded random patterns on random texts, and a table of the cases that lowering got wrong.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { foldCase } from './regex-case.js';

/** mulberry32: the same sequence on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Letters, non-letters next to them, and the units whose case is special. */
const POOL = [
  ...'09:@AZ[\\]^_`az{~ ',
  ...'µßàÀÿŸıİſǄǅǆΣσςΩωКк',
  '\u1e9e', // ẞ
  '\u212a', // Kelvin sign
  '\u212b', // Angstrom sign
  '\u2126', // Ohm sign
  '\u1f80', // ᾀ (upper case is two units)
  '\u0130',
  '\uff21', // Ａ
  '\uff41', // ａ
];

const hex = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

function randomClass(next: () => number): string {
  const pick = () => POOL[Math.floor(next() * POOL.length)];
  const items: string[] = [];
  const n = 1 + Math.floor(next() * 3);
  for (let i = 0; i < n; i++) {
    const r = next();
    if (r < 0.55) {
      let [a, b] = [pick(), pick()];
      if (a > b) [a, b] = [b, a];
      items.push(`${hex(a)}-${hex(b)}`);
    } else if (r < 0.7) items.push(['\\d', '\\w', '\\s', '\\W', '\\D'][Math.floor(next() * 5)]);
    else if (r < 0.85) items.push(hex(pick()));
    else
      items.push(
        `\\x${Math.floor(next() * 256)
          .toString(16)
          .padStart(2, '0')}`,
      );
  }
  return `[${next() < 0.3 ? '^' : ''}${items.join('')}]`;
}

/** Every code unit 0-FFFF once. */
const EVERY_UNIT = String.fromCharCode(...Array.from({ length: 0x10000 }, (_, i) => i));

/** The units a one-unit pattern does not match, in order: equal strings, equal sets of matches. */
function unmatched(re: RegExp): string {
  return EVERY_UNIT.replace(re, '');
}

/** The first few units where two one-unit patterns disagree (for the failure message). */
function differences(a: RegExp, b: RegExp): string {
  const out: string[] = [];
  for (let c = 0; c < 0x10000 && out.length < 5; c++) {
    const u = String.fromCharCode(c);
    if (
      new RegExp(a.source, a.flags.replace('g', '')).test(u) !==
      new RegExp(b.source, b.flags.replace('g', '')).test(u)
    )
      out.push(hex(u));
  }
  return out.join(' ');
}

function assertSameUnits(pattern: string): void {
  const expected = new RegExp(pattern, 'gi');
  const got = new RegExp(foldCase(pattern), 'g');
  if (unmatched(got) !== unmatched(expected))
    assert.fail(`${pattern} -> ${got.source} differs from /i at ${differences(got, expected)}`);
}

test('foldCase() of 200 seeded random classes matches the units /i matches, over every BMP unit', () => {
  const next = random(20261126);
  for (let k = 0; k < 200; k++) assertSameUnits(randomClass(next));
});

/**
 * The units whose case matters: those that change under either case mapping, their single-unit
 * images and the pool. Two units /i matches together are both in it (a unit that no mapping
 * changes only matches itself and the units whose upper case it is).
 */
const CASED_UNITS = (() => {
  const set = new Set<string>(POOL);
  for (let c = 0; c < 0x10000; c++) {
    const u = String.fromCharCode(c);
    for (const v of [u.toUpperCase(), u.toLowerCase()])
      if (v !== u) {
        set.add(u);
        if (v.length === 1) set.add(v);
      }
  }
  return [...set].sort().join('');
})();

test('foldCase() of each cased unit (and every 97th), as a literal and in a class, matches what /i matches', () => {
  const units = new Set([...CASED_UNITS]);
  for (let i = 0; i < 0x10000; i += 97) units.add(String.fromCharCode(i));
  for (const u of units)
    for (const p of [hex(u), `[${hex(u)}]`]) {
      const expected = CASED_UNITS.replace(new RegExp(p, 'gi'), '');
      const got = CASED_UNITS.replace(new RegExp(foldCase(p), 'g'), '');
      assert.equal(got, expected, `${p} -> ${foldCase(p)}`);
    }
});

test('foldCase() of seeded random patterns answers as /i on seeded random texts', () => {
  const next = random(4);
  const pick = () => POOL[Math.floor(next() * POOL.length)];
  const atoms = () => {
    const r = next();
    if (r < 0.35) return pick().replace(/[\\^$.*+?()[\]{}|]/, (c) => `\\${c}`);
    if (r < 0.55) return randomClass(next);
    if (r < 0.65) return ['.', '\\w', '\\W', '\\s', '\\S'][Math.floor(next() * 5)];
    if (r < 0.75) return `\\x${(0x41 + Math.floor(next() * 58)).toString(16)}`;
    if (r < 0.85) return `(?:${pick() === 'a' ? 'A' : 'k'}|${hex(pick())})`;
    return `\\${'AQkyu.-'[Math.floor(next() * 7)]}`; // identity escapes (Annex B)
  };
  for (let k = 0; k < 400; k++) {
    let p = '';
    const n = 1 + Math.floor(next() * 4);
    for (let i = 0; i < n; i++) p += atoms() + ['', '', '*', '+', '?', '{1,2}'][Math.floor(next() * 6)];
    if (next() < 0.3) p = `${p}\\b`;
    if (next() < 0.3) p = `^${p}`;
    const expected = new RegExp(p, 'i');
    const got = new RegExp(foldCase(p));
    for (let t = 0; t < 40; t++) {
      let text = '';
      const len = Math.floor(next() * 6);
      for (let i = 0; i < len; i++) text += pick();
      assert.equal(got.test(text), expected.test(text), `${JSON.stringify(p)} on ${JSON.stringify(text)}`);
    }
  }
});

test('foldCase() where lowering the pattern and the text answered differently from /i', () => {
  const check = (p: string, text: string, expected: boolean) => {
    assert.equal(new RegExp(p, 'i').test(text), expected, `/i oracle ${p} ${text}`);
    assert.equal(new RegExp(foldCase(p)).test(text), expected, `${p} on ${JSON.stringify(text)}`);
  };
  check('^[0-Z]$', '[', false); // lowered to [0-z], which holds [\]^_`
  check('^[0-Z]$', 'q', true);
  check('^[Z-a]$', 'z', true); // lowered to [z-a]: refused as out of order
  check('^[Z-a]$', 'A', true);
  check('^.$', '\u0130', true); // İ lowered is two units
  check('k', '\u212a', false); // the Kelvin sign lowered is k
  check('\\W', '\u212a', true);
  check('s', '\u017f', false); // ſ is not s without the u flag
  check('^\\u00df$', '\u1e9e', false); // ß and ẞ are not the same unit class
  check('\\cJ', '\n', true);
  check('a\\c', 'A\\C', true); // `\c` without a letter: a backslash, then c
  check('^\\u{2}$', 'uU', true); // non-Unicode `\u{2}` is u twice
  check('\\u{2}', 'u{2}', false);
  check('(?<Name>a)\\k<Name>', 'aa', true);
  check('\\k<a>', 'K<A>', true); // no named group: `\k` is k
});

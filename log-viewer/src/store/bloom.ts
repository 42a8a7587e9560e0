// Block-granular token index: bloom filters over the distinct token hashes of one block.
// Tokens follow tokenize() in model.ts exactly (word chars, lowercased); hashing is done while
// scanning the text so no token strings are allocated on the write path.
//
// Version 1: one filter over all tokens of the block. Version 2 (block format 5): two filters, the
// tokens of messages, ids, hosts, labels and services, then the tokens of attributes, so a reader
// searches only the sections that may hold a token. A block may hold a token when either does.
// Version 3 (block format 6): one filter of the attribute tokens for the whole block and one filter
// of the other tokens per row group, so a needle in messages or ids decodes only the groups that may
// hold it; attribute tokens stay one filter per block (per group, the numbers that fill attributes
// repeat in every group: +34 % attribute tokens against +13 % for the others, measured on bench
// blocks).
// Version 4 (block format 6, from the seventh session): version 3's filters, each cut in two by the
// token's class: hex tokens (only 0-9 and a-f: numbers, trace and span ids, hex words) and word
// tokens (any other character). A token is asked only of its class's filters. Hex tokens are nearly
// all of a block's distinct tokens (bench blocks: ~15,700 hex against ~120 word tokens: ids, user
// ids, durations) and keep version 3's bits; word tokens, the few that words of a query are, get
// many more bits each for almost no bytes: a rare word's false positives per block drop from ~7.3 %
// (five filters of 8-9 bits a token) to ~0.5 %, each of which cost a decoded block.
// Version 5 (from the eighth session): version 4's filters plus a filter of each row group's trace
// and span ids, laid out by what a query needs (bloom-ids.ts). Every version is still read.
import { isTokenChar } from '../model.js';
import {
  BLOOM_VERSION,
  EMPTY_FILTER_BYTES,
  filterMayContain,
  HASH_MASK,
  IN_ATTRS,
  IN_OTHER,
  readU32,
  WORD_CLASS,
} from './bloom-filter.js';
import { ID_BLOOM_VERSION, idBloomMayMatch, idBloomWhere } from './bloom-ids.js';

export { IN_ATTRS, IN_OTHER } from './bloom-filter.js';
export const SPLIT_BLOOM_VERSION = 2;
export const GROUP_BLOOM_VERSION = 3;
export const CLASS_BLOOM_VERSION = 4;

// A token's key: its hash cut to 30 bits (the filters' bits come from those alone, in every version)
// and, in bit 30, its class (WORD_CLASS: a character other than 0-9 and a-f), which picks the
// filters of versions 4 and 5 that are asked.

/**
 * The key of a token: FNV-1a over lowercase UTF-16 code units of a token (the query side hashes
 * tokenize() output) and its class, both from the units the write side hashes.
 */
export function tokenHash(token: string): number {
  let h = 0x811c9dc5;
  let word = 0;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    h = Math.imul(h ^ c, 0x01000193);
    word |= c < 128 ? ASCII_WORD[c] : WORD_CLASS;
  }
  return (h & HASH_MASK) | word;
}

function lower(c: number): number {
  if (c >= 65 && c <= 90) return c + 32;
  if (c < 128) return c;
  return String.fromCharCode(c).toLowerCase().charCodeAt(0);
}

/**
 * Distinct token keys of a block: an open-addressing set in one Int32Array (keys are 31-bit, so -1
 * marks a free slot). About 5x cheaper than a Set<number> on the write path and no garbage.
 */
export class TokenSet {
  private slots: Int32Array;
  private mask: number;
  size = 0;
  /** How many of them are word tokens (WORD_CLASS set). */
  words = 0;

  constructor(capacity = 4096) {
    let n = 1024;
    while (n < capacity * 2) n *= 2;
    this.slots = new Int32Array(n).fill(-1);
    this.mask = n - 1;
  }

  add(h: number): void {
    const slots = this.slots;
    let i = Math.imul(h, 0x9e3779b1) & this.mask;
    for (;;) {
      const v = slots[i];
      if (v === h) return;
      if (v === -1) break;
      i = (i + 1) & this.mask;
    }
    slots[i] = h;
    if (h & WORD_CLASS) this.words++;
    if (++this.size * 2 > slots.length) this.grow();
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2).fill(-1);
    this.mask = this.slots.length - 1;
    this.size = 0;
    this.words = 0;
    for (const v of old) if (v !== -1) this.add(v);
  }

  /** The slot array: every key once, -1 in free slots (for loops that a callback would slow). */
  get rawSlots(): Int32Array {
    return this.slots;
  }

  forEach(fn: (h: number) => void): void {
    for (const v of this.slots) if (v !== -1) fn(v);
  }
}

/**
 * Adds the hash of every token of `text` to `out`. With `json` set, backslash escapes of JSON text
 * are skipped so that `"a\nb"` yields tokens a and b, as tokenize() of the decoded value does.
 */
export function addTokenHashes(text: string, out: TokenSet, json = false): void {
  let h = 0x811c9dc5;
  let word = 0;
  let inToken = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    // ASCII through a table (lowercased token char, or 0); other code units through isTokenChar.
    const l = c < 128 ? ASCII_TOKEN[c] : isTokenChar(c) ? lower(c) : 0;
    if (l !== 0) {
      if (!inToken) {
        h = 0x811c9dc5;
        word = 0;
        inToken = true;
      }
      h = Math.imul(h ^ l, 0x01000193);
      word |= l < 128 ? ASCII_WORD[l] : WORD_CLASS;
      continue;
    }
    if (inToken) {
      out.add((h & HASH_MASK) | word);
      inToken = false;
    }
    if (json && c === 92) i += text.charCodeAt(i + 1) === 117 ? 5 : 1; // \uXXXX or \n, \", ...
  }
  if (inToken) out.add((h & HASH_MASK) | word);
}

/**
 * addTokenHashes() over UTF-8 bytes [from, to) of `bytes` (the write path keeps open rows as bytes):
 * ASCII through the same table; a range with other bytes is decoded and hashed as text.
 */
export function addTokenHashesBytes(
  bytes: Buffer,
  from: number,
  to: number,
  out: TokenSet,
  json = false,
): void {
  let h = 0x811c9dc5;
  let word = 0;
  let inToken = false;
  for (let i = from; i < to; i++) {
    const c = bytes[i];
    if (c >= 128) {
      // Tokens added so far are tokens of the text too (a set: adding them again changes nothing).
      addTokenHashes(bytes.toString('utf8', from, to), out, json);
      return;
    }
    const l = ASCII_TOKEN[c];
    if (l !== 0) {
      if (!inToken) {
        h = 0x811c9dc5;
        word = 0;
        inToken = true;
      }
      h = Math.imul(h ^ l, 0x01000193);
      word |= ASCII_WORD[l];
      continue;
    }
    if (inToken) {
      out.add((h & HASH_MASK) | word);
      inToken = false;
    }
    if (json && c === 92) i += bytes[i + 1] === 117 ? 5 : 1;
  }
  if (inToken) out.add((h & HASH_MASK) | word);
}

/** For each ASCII code: its lowercase form when it is a token char (letter, digit, '_'), else 0. */
const ASCII_TOKEN = (() => {
  const t = new Uint8Array(128);
  for (let c = 0; c < 128; c++) if (isTokenChar(c)) t[c] = c >= 65 && c <= 90 ? c + 32 : c;
  return t;
})();

/** For each ASCII code: WORD_CLASS unless it is 0-9 or a-f (codes as hashed: lowercase). */
const ASCII_WORD = (() => {
  const t = new Int32Array(128).fill(WORD_CLASS);
  for (let c = 48; c <= 57; c++) t[c] = 0;
  for (let c = 97; c <= 102; c++) t[c] = 0;
  return t;
})();

/** Versions 3 to 5: filters by row group (and the block's attribute filters). */
export function isGroupBloom(bloom: Uint8Array): boolean {
  return (
    bloom[0] === GROUP_BLOOM_VERSION || bloom[0] === CLASS_BLOOM_VERSION || bloom[0] === ID_BLOOM_VERSION
  );
}

/** Versions 3 and 4: filters per part (the attributes, then each row group): 1, or 2 by class. */
function filtersPerPart(bloom: Uint8Array): number {
  return bloom[0] === CLASS_BLOOM_VERSION ? 2 : 1;
}

/** Versions 3 and 4: where each filter starts (the attribute filters, then each row group's). */
function groupFilterOffsets(bloom: Uint8Array): number[] {
  const count = filtersPerPart(bloom) * (1 + bloom[1]);
  const out: number[] = [];
  let at = 2 + 4 * count;
  for (let i = 0; i < count; i++) {
    out.push(at);
    at += readU32(bloom, 2 + 4 * i);
  }
  return out;
}

/** False means the block certainly has no such token. */
export function bloomMayContain(bloom: Uint8Array, key: number): boolean {
  return bloomWhere(bloom, key) !== 0;
}

/**
 * False when no record of the block can hold every token (`keys`: tokenHash() of each): a record
 * lies in one row group, so with a version-3 or 4 filter all tokens must be possible in one group
 * (its own filter or the block's attribute filter, of the token's class in version 4); older
 * filters: each token somewhere in the block. A token whose `idOnly` entry is true (it can only be
 * in a trace or span id) is asked of the filters of ids, messages and stream fields only, not of
 * the attribute filter, whose false positives then do not count; version 5 asks it of the ids'
 * filter alone (bloom-ids.ts).
 */
export function bloomMayMatch(bloom: Uint8Array, keys: number[], idOnly?: readonly boolean[]): boolean {
  if (bloom[0] === ID_BLOOM_VERSION) return idBloomMayMatch(bloom, keys, idOnly);
  if (!isGroupBloom(bloom))
    return keys.every(
      (h, t) => (bloomWhere(bloom, h) & (idOnly?.[t] ? IN_OTHER : IN_OTHER | IN_ATTRS)) !== 0,
    );
  // Runs for every block of every text query: no arrays, and the attribute filter asked only for
  // the tokens a group's filter lacks.
  const perPart = filtersPerPart(bloom);
  const count = perPart * (1 + bloom[1]);
  const attrAt = 2 + 4 * count;
  const attrWordAt = perPart === 2 ? attrAt + readU32(bloom, 2) : attrAt;
  let at = perPart === 2 ? attrWordAt + readU32(bloom, 6) : attrAt + readU32(bloom, 2);
  for (let f = perPart; f < count; f += perPart) {
    // This group's hex filter at `at`; in version 4 its word filter follows.
    const wordAt = perPart === 2 ? at + readU32(bloom, 2 + 4 * f) : at;
    let all = true;
    for (let t = 0; t < keys.length && all; t++) {
      const word = perPart === 2 && (keys[t] & WORD_CLASS) !== 0;
      all =
        filterMayContain(bloom, word ? wordAt : at, keys[t]) ||
        (idOnly?.[t] !== true && filterMayContain(bloom, word ? attrWordAt : attrAt, keys[t]));
    }
    if (all) return true;
    at = perPart === 2 ? wordAt + readU32(bloom, 2 + 4 * (f + 1)) : at + readU32(bloom, 2 + 4 * f);
  }
  return false;
}

/**
 * Versions 3 and 4: for each row group, where each token may be (IN_OTHER from the group's filter,
 * IN_ATTRS from the block's attribute filter, of the token's class in version 4); a group with a 0
 * cannot hold a record with every token.
 */
export function groupBloomWhere(bloom: Uint8Array, keys: number[]): number[][] {
  if (bloom[0] === ID_BLOOM_VERSION) return idBloomWhere(bloom, keys);
  const at = groupFilterOffsets(bloom);
  const perPart = filtersPerPart(bloom);
  // Index of a key's filter within its part: 1 for a word token in version 4.
  const cls = keys.map((h) => (perPart === 2 && (h & WORD_CLASS) !== 0 ? 1 : 0));
  const attrs = keys.map((h, t) => (filterMayContain(bloom, at[cls[t]], h) ? IN_ATTRS : 0));
  const out: number[][] = [];
  for (let f = perPart; f < at.length; f += perPart)
    out.push(keys.map((h, t) => (filterMayContain(bloom, at[f + cls[t]], h) ? IN_OTHER : 0) | attrs[t]));
  return out;
}

/**
 * Where a block may hold a token: IN_OTHER | IN_ATTRS bits (a version-1 filter cannot tell, so
 * both when it may hold it), 0 when certainly nowhere.
 */
export function bloomWhere(bloom: Uint8Array, key: number): number {
  if (isGroupBloom(bloom)) return groupBloomWhere(bloom, [key]).reduce((where, g) => where | g[0], 0);
  if (bloom[0] !== SPLIT_BLOOM_VERSION) return filterMayContain(bloom, 0, key) ? IN_OTHER | IN_ATTRS : 0;
  // Version 2: [2][byte length of the first filter u32 LE][other tokens' filter][attribute filter].
  const second = 5 + (bloom[1] | (bloom[2] << 8) | (bloom[3] << 16) | (bloom[4] * 0x1000000));
  return (
    (filterMayContain(bloom, 5, key) ? IN_OTHER : 0) | (filterMayContain(bloom, second, key) ? IN_ATTRS : 0)
  );
}

/** Whether some of the keys are hex tokens, which wordFilters() cannot rule out. */
export function hasHexKey(keys: number[]): boolean {
  return keys.some((k) => (k & WORD_CLASS) === 0);
}

/**
 * A version-4 filter's word filters alone, its hex filters replaced by 0-bit filters that may hold
 * any token (~0.5 KB of a bench block's ~25 KB): what the store keeps in memory, enough for a query
 * made of word tokens. Undefined for older versions (one filter serves both classes).
 */
export function wordFilters(bloom: Uint8Array): Buffer | undefined {
  if (bloom[0] !== CLASS_BLOOM_VERSION) return undefined;
  const at = groupFilterOffsets(bloom);
  let size = 2 + 4 * at.length;
  for (let f = 1; f < at.length; f += 2) size += EMPTY_FILTER_BYTES + readU32(bloom, 2 + 4 * f);
  // Small: from Node's pool, not one malloc chunk each.
  const out = Buffer.allocUnsafe(size);
  out[0] = CLASS_BLOOM_VERSION;
  out[1] = bloom[1];
  let o = 2 + 4 * at.length;
  for (let f = 0; f < at.length; f += 2) {
    const word = readU32(bloom, 2 + 4 * (f + 1));
    out.writeUInt32LE(EMPTY_FILTER_BYTES, 2 + 4 * f);
    out.writeUInt32LE(word, 2 + 4 * (f + 1));
    out.fill(0, o, o + EMPTY_FILTER_BYTES);
    out[o] = BLOOM_VERSION;
    o += EMPTY_FILTER_BYTES;
    out.set(bloom.subarray(at[f + 1], at[f + 1] + word), o);
    o += word;
  }
  return out;
}

/** Whether a filter is wordFilters()' output: its hex tokens are not in it. */
export function lacksHexFilters(bloom: Uint8Array): boolean {
  return lacksAttrHexFilter(bloom) && readU32(bloom, 10) === EMPTY_FILTER_BYTES;
}

/** Whether a filter lacks its attribute hex filter: wordFilters()' or idHexSplice()'s output. */
export function lacksAttrHexFilter(bloom: Uint8Array): boolean {
  return bloom[0] === CLASS_BLOOM_VERSION && readU32(bloom, 2) === EMPTY_FILTER_BYTES;
}

/** Whether some hex key (tokenHash()) is not `idOnly`, so the attribute hex filter is asked of it. */
export function needsAttrHex(keys: number[], idOnly?: readonly boolean[]): boolean {
  return keys.some((k, t) => (k & WORD_CLASS) === 0 && idOnly?.[t] !== true);
}

/**
 * For a stored version-4 filter (its header is enough), what a filter without its attribute
 * hex filter (a 0-bit one in its place) starts with, and the 0-based offset in the stored filter of
 * the rest (the attribute word filter, then every group's filters), which follows the prefix as is.
 * Enough for word tokens and for hex tokens that only a trace or span id can hold (idOnly in
 * bloomMayMatch()), about half the whole filter's bytes in bench blocks.
 */
export function idHexSplice(head: Uint8Array): { prefix: Buffer; restAt: number } {
  const headBytes = 2 + 4 * 2 * (1 + head[1]);
  // Small: from Node's pool, not one malloc chunk each.
  const prefix = Buffer.allocUnsafe(headBytes + EMPTY_FILTER_BYTES);
  prefix.set(head.subarray(0, headBytes));
  prefix.writeUInt32LE(EMPTY_FILTER_BYTES, 2);
  prefix.fill(0, headBytes, headBytes + EMPTY_FILTER_BYTES);
  prefix[headBytes] = BLOOM_VERSION;
  return { prefix, restAt: headBytes + readU32(head, 2) };
}

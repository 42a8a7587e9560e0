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
import { isTokenChar } from '../model.js';

/** Bits per distinct attribute token and probes: ~2 % false positives. */
const ATTR_BITS_PER_TOKEN = 8;
/**
 * Version 3's filters of a row group's message, id and stream tokens (~1.3 % false positives): the
 * groups hold 13 % more tokens than their block, and a false positive costs one group's read.
 */
const GROUP_BITS_PER_TOKEN = 9;
const PROBES = 6;
export const BLOOM_VERSION = 1;
export const SPLIT_BLOOM_VERSION = 2;
export const GROUP_BLOOM_VERSION = 3;
/** What bloomWhere() answers: the token may be in messages, ids or stream tuples; in attributes. */
export const IN_OTHER = 1;
export const IN_ATTRS = 2;

/** Hashes are cut to 30 bits so they stay small integers (no heap number per token in a Set). */
const HASH_MASK = 0x3fffffff;

/** FNV-1a over lowercase UTF-16 code units of a token (the query side hashes tokenize() output). */
export function tokenHash(token: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < token.length; i++) h = Math.imul(h ^ token.charCodeAt(i), 0x01000193);
  return h & HASH_MASK;
}

function lower(c: number): number {
  if (c >= 65 && c <= 90) return c + 32;
  if (c < 128) return c;
  return String.fromCharCode(c).toLowerCase().charCodeAt(0);
}

/**
 * Distinct token hashes of a block: an open-addressing set in one Int32Array (hashes are 30-bit, so
 * -1 marks a free slot). About 5x cheaper than a Set<number> on the write path and no garbage.
 */
export class TokenSet {
  private slots: Int32Array;
  private mask: number;
  size = 0;

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
    if (++this.size * 2 > slots.length) this.grow();
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2).fill(-1);
    this.mask = this.slots.length - 1;
    this.size = 0;
    for (const v of old) if (v !== -1) this.add(v);
  }

  /** The slot array: every hash once, -1 in free slots (for loops that a callback would slow). */
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
  let inToken = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    // ASCII through a table (lowercased token char, or 0); other code units through isTokenChar.
    const l = c < 128 ? ASCII_TOKEN[c] : isTokenChar(c) ? lower(c) : 0;
    if (l !== 0) {
      if (!inToken) {
        h = 0x811c9dc5;
        inToken = true;
      }
      h = Math.imul(h ^ l, 0x01000193);
      continue;
    }
    if (inToken) {
      out.add(h & HASH_MASK);
      inToken = false;
    }
    if (json && c === 92) i += text.charCodeAt(i + 1) === 117 ? 5 : 1; // \uXXXX or \n, \", ...
  }
  if (inToken) out.add(h & HASH_MASK);
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
        inToken = true;
      }
      h = Math.imul(h ^ l, 0x01000193);
      continue;
    }
    if (inToken) {
      out.add(h & HASH_MASK);
      inToken = false;
    }
    if (json && c === 92) i += bytes[i + 1] === 117 ? 5 : 1;
  }
  if (inToken) out.add(h & HASH_MASK);
}

/** For each ASCII code: its lowercase form when it is a token char (letter, digit, '_'), else 0. */
const ASCII_TOKEN = (() => {
  const t = new Uint8Array(128);
  for (let c = 0; c < 128; c++) if (isTokenChar(c)) t[c] = c >= 65 && c <= 90 ? c + 32 : c;
  return t;
})();

function probe2(h: number): number {
  let x = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) | 1;
}

/**
 * Serialized filter: [version u8][probes u8][bit count u32 LE][bits]. Version 1 was a whole block's
 * filter (10 bits a token); versions 2 and 3 are made of such filters (version 2 wrote message, id
 * and stream tokens at 10 bits, attribute tokens at 8).
 */
function buildBloom(hashes: TokenSet, bitsPerToken: number): Buffer {
  const bits = Math.max(512, Math.ceil((hashes.size * bitsPerToken) / 8) * 8);
  const out = Buffer.alloc(6 + bits / 8);
  out[0] = BLOOM_VERSION;
  out[1] = PROBES;
  out.writeUInt32LE(bits, 2);
  setAllProbeBits(out, hashes.rawSlots, bits);
  return out;
}

/**
 * Sets the bits filterMayContain() tests for each hash. A loop over the set's slots: through
 * TokenSet.forEach, whose callback was a new closure per filter (never inlined, deoptimized as "wrong
 * call target"), building the filters took ~1.8x as long.
 */
function setAllProbeBits(out: Buffer, slots: Int32Array, bits: number): void {
  for (let i = 0; i < slots.length; i++) {
    const h = slots[i];
    if (h === -1) continue;
    const h2 = probe2(h);
    for (let k = 0; k < PROBES; k++) {
      const bit = ((h + Math.imul(k, h2)) >>> 0) % bits;
      out[6 + (bit >>> 3)] |= 1 << (bit & 7);
    }
  }
}

/**
 * Version 3: [3][row groups u8][byte length u32 LE of the attribute filter, then of each group's
 * filter][attribute filter][filter of group 0's other tokens]..., each filter as buildBloom() writes it.
 */
export function buildGroupBloom(groups: TokenSet[], attrs: TokenSet): Buffer {
  const filters = [
    buildBloom(attrs, ATTR_BITS_PER_TOKEN),
    ...groups.map((g) => buildBloom(g, GROUP_BITS_PER_TOKEN)),
  ];
  const head = Buffer.alloc(2 + 4 * filters.length);
  head[0] = GROUP_BLOOM_VERSION;
  head[1] = groups.length;
  for (let i = 0; i < filters.length; i++) head.writeUInt32LE(filters[i].length, 2 + 4 * i);
  return Buffer.concat([head, ...filters]);
}

/** Version 3: where each filter starts (the attribute filter, then one per row group). */
function groupFilterOffsets(bloom: Uint8Array): number[] {
  const count = 1 + bloom[1];
  const out: number[] = [];
  let at = 2 + 4 * count;
  for (let i = 0; i < count; i++) {
    out.push(at);
    at += readU32(bloom, 2 + 4 * i);
  }
  return out;
}

/** False means the block certainly has no such token. */
export function bloomMayContain(bloom: Uint8Array, hash: number): boolean {
  return bloomWhere(bloom, hash) !== 0;
}

/**
 * False when no record of the block can hold every token: a record lies in one row group, so with a
 * version-3 filter all tokens must be possible in one group (its own filter or the block's attribute
 * filter); older filters: each token somewhere in the block. A token whose `idOnly` entry is true
 * (it can only be in a trace or span id) is asked of the filters of ids, messages and stream
 * fields only, not of the attribute filter, whose false positives then do not count.
 */
export function bloomMayMatch(bloom: Uint8Array, hashes: number[], idOnly?: boolean[]): boolean {
  if (bloom[0] !== GROUP_BLOOM_VERSION)
    return hashes.every(
      (h, t) => (bloomWhere(bloom, h) & (idOnly?.[t] ? IN_OTHER : IN_OTHER | IN_ATTRS)) !== 0,
    );
  // Runs for every block of every text query: no arrays, and the attribute filter asked only for
  // the tokens a group's filter lacks.
  const count = 1 + bloom[1];
  const attrAt = 2 + 4 * count;
  let at = attrAt + readU32(bloom, 2);
  for (let g = 1; g < count; g++) {
    let all = true;
    for (let t = 0; t < hashes.length && all; t++)
      all =
        filterMayContain(bloom, at, hashes[t]) ||
        (idOnly?.[t] !== true && filterMayContain(bloom, attrAt, hashes[t]));
    if (all) return true;
    at += readU32(bloom, 2 + 4 * g);
  }
  return false;
}

function readU32(b: Uint8Array, p: number): number {
  return b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] * 0x1000000);
}

/**
 * Version 3: for each row group, where each token may be (IN_OTHER from the group's filter, IN_ATTRS
 * from the block's attribute filter); a group with a 0 cannot hold a record with every token.
 */
export function groupBloomWhere(bloom: Uint8Array, hashes: number[]): number[][] {
  const at = groupFilterOffsets(bloom);
  const attrs = hashes.map((h) => (filterMayContain(bloom, at[0], h) ? IN_ATTRS : 0));
  const out: number[][] = [];
  for (let g = 1; g < at.length; g++)
    out.push(hashes.map((h, t) => (filterMayContain(bloom, at[g], h) ? IN_OTHER : 0) | attrs[t]));
  return out;
}

/**
 * Where a block may hold a token: IN_OTHER | IN_ATTRS bits (a version-1 filter cannot tell, so
 * both when it may hold it), 0 when certainly nowhere.
 */
export function bloomWhere(bloom: Uint8Array, hash: number): number {
  if (bloom[0] === GROUP_BLOOM_VERSION)
    return groupBloomWhere(bloom, [hash]).reduce((where, g) => where | g[0], 0);
  if (bloom[0] !== SPLIT_BLOOM_VERSION) return filterMayContain(bloom, 0, hash) ? IN_OTHER | IN_ATTRS : 0;
  // Version 2: [2][byte length of the first filter u32 LE][other tokens' filter][attribute filter].
  const second = 5 + (bloom[1] | (bloom[2] << 8) | (bloom[3] << 16) | (bloom[4] * 0x1000000));
  return (
    (filterMayContain(bloom, 5, hash) ? IN_OTHER : 0) | (filterMayContain(bloom, second, hash) ? IN_ATTRS : 0)
  );
}

function filterMayContain(bloom: Uint8Array, at: number, hash: number): boolean {
  const probes = bloom[at + 1];
  const bits = bloom[at + 2] | (bloom[at + 3] << 8) | (bloom[at + 4] << 16) | (bloom[at + 5] * 0x1000000);
  const h2 = probe2(hash);
  for (let k = 0; k < probes; k++) {
    const bit = ((hash + Math.imul(k, h2)) >>> 0) % bits;
    if ((bloom[at + 6 + (bit >>> 3)] & (1 << (bit & 7))) === 0) return false;
  }
  return true;
}

// Block-granular token index: a bloom filter over the distinct token hashes of one block.
// Tokens follow tokenize() in model.ts exactly (word chars, lowercased); hashing is done while
// scanning the text so no token strings are allocated on the write path.
import { isTokenChar } from '../model.js';

/** Bits per distinct token and probes: about 1 % false positives. */
const BITS_PER_TOKEN = 10;
const PROBES = 6;
export const BLOOM_VERSION = 1;

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
 * Adds the hash of every token of `text` to `out`. With `json` set, backslash escapes of JSON text
 * are skipped so that `"a\nb"` yields tokens a and b, as tokenize() of the decoded value does.
 */
export function addTokenHashes(text: string, out: Set<number>, json = false): void {
  let h = 0x811c9dc5;
  let inToken = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (json && c === 92) {
      if (inToken) out.add(h & HASH_MASK);
      inToken = false;
      i += text.charCodeAt(i + 1) === 117 ? 5 : 1; // \uXXXX or \n, \", ...
      continue;
    }
    if (isTokenChar(c)) {
      if (!inToken) {
        h = 0x811c9dc5;
        inToken = true;
      }
      h = Math.imul(h ^ lower(c), 0x01000193);
    } else if (inToken) {
      out.add(h & HASH_MASK);
      inToken = false;
    }
  }
  if (inToken) out.add(h & HASH_MASK);
}

function probe2(h: number): number {
  let x = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) | 1;
}

/** Serialized filter: [version u8][probes u8][bit count u32 LE][bits]. */
export function buildBloom(hashes: Set<number>): Buffer {
  const bits = Math.max(512, Math.ceil((hashes.size * BITS_PER_TOKEN) / 8) * 8);
  const out = Buffer.alloc(6 + bits / 8);
  out[0] = BLOOM_VERSION;
  out[1] = PROBES;
  out.writeUInt32LE(bits, 2);
  for (const h of hashes) {
    const h2 = probe2(h);
    for (let k = 0; k < PROBES; k++) {
      const bit = ((h + Math.imul(k, h2)) >>> 0) % bits;
      out[6 + (bit >>> 3)] |= 1 << (bit & 7);
    }
  }
  return out;
}

/** False means the block certainly has no such token. */
export function bloomMayContain(bloom: Uint8Array, hash: number): boolean {
  const probes = bloom[1];
  const bits = bloom[2] | (bloom[3] << 8) | (bloom[4] << 16) | (bloom[5] * 0x1000000);
  const h2 = probe2(hash);
  for (let k = 0; k < probes; k++) {
    const bit = ((hash + Math.imul(k, h2)) >>> 0) % bits;
    if ((bloom[6 + (bit >>> 3)] & (1 << (bit & 7))) === 0) return false;
  }
  return true;
}

// One bloom filter over token keys (tokenHash() in bloom.ts), the unit every filter version is made
// of: [version u8][probes u8][bit count u32 LE][bits]. Version 1 was a whole block's filter (10 bits a
// token); versions 2-5 are sequences of such filters (bloom.ts, bloom-ids.ts).

/** The key's hash: the 30 bits a filter's probes come from, in every version. */
export const HASH_MASK = 0x3fffffff;
/** The key's class, bit 30: set for a word token (a character other than 0-9 and a-f). */
export const WORD_CLASS = 0x40000000;
export const BLOOM_VERSION = 1;
/** What a block's filters answer of a token: it may be in messages, ids or stream tuples; in attributes. */
export const IN_OTHER = 1;
export const IN_ATTRS = 2;
/** A filter header of 0 bits: [1][0 probes][0 bits], a filter that may hold any token. */
export const EMPTY_FILTER_BYTES = 6;

/** Token keys of a filter: an open-addressing slot array (-1: free), as TokenSet keeps them. */
export interface KeySlots {
  readonly rawSlots: Int32Array;
  readonly size: number;
  /** How many of them are word tokens (WORD_CLASS set). */
  readonly words: number;
}

function probe2(h: number): number {
  let x = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) | 1;
}

/**
 * A filter over the keys of one class (`word`: WORD_CLASS or 0; undefined: all keys), at least 512
 * bits (few tokens cost little).
 */
export function buildBloom(keys: KeySlots, bitsPerToken: number, probes: number, word?: number): Buffer {
  const count = word === undefined ? keys.size : word ? keys.words : keys.size - keys.words;
  const bits = Math.max(512, Math.ceil((count * bitsPerToken) / 8) * 8);
  const out = Buffer.alloc(6 + bits / 8);
  out[0] = BLOOM_VERSION;
  out[1] = probes;
  out.writeUInt32LE(bits, 2);
  setAllProbeBits(out, keys.rawSlots, bits, probes, word === undefined ? -1 : word);
  return out;
}

/**
 * Sets the bits filterMayContain() tests for each key of the class (-1: every key). A loop over the
 * set's slots: through TokenSet.forEach, whose callback was a new closure per filter (never inlined,
 * deoptimized as "wrong call target"), building the filters took ~1.8x as long. The bit count is
 * made an unsigned 32-bit value (`>>> 0`) so that the remainder of the probe (also unsigned, often
 * past 2^31) compiles to an integer division: with `% bits` TurboFan took a float64 remainder (fmod),
 * ~2.4x as slow for the same bits.
 */
function setAllProbeBits(out: Buffer, slots: Int32Array, bits: number, probes: number, word: number): void {
  const n = bits >>> 0;
  for (let i = 0; i < slots.length; i++) {
    const key = slots[i];
    if (key === -1 || (word !== -1 && (key & WORD_CLASS) !== word)) continue;
    const h = key & HASH_MASK;
    const h2 = probe2(h);
    for (let k = 0; k < probes; k++) {
      const bit = (((h + Math.imul(k, h2)) >>> 0) % n) >>> 0;
      out[6 + (bit >>> 3)] |= 1 << (bit & 7);
    }
  }
}

/**
 * Whether the filter at `at` may hold the key's token: its bits come from the 30-bit hash alone. A
 * filter of 0 bits (wordFilters()' stand-in for a hex filter) may hold any.
 */
export function filterMayContain(bloom: Uint8Array, at: number, key: number): boolean {
  const hash = key & HASH_MASK;
  const probes = bloom[at + 1];
  const bits = bloom[at + 2] | (bloom[at + 3] << 8) | (bloom[at + 4] << 16) | (bloom[at + 5] * 0x1000000);
  if (bits === 0) return true;
  const h2 = probe2(hash);
  for (let k = 0; k < probes; k++) {
    const bit = ((hash + Math.imul(k, h2)) >>> 0) % bits;
    if ((bloom[at + 6 + (bit >>> 3)] & (1 << (bit & 7))) === 0) return false;
  }
  return true;
}

export function readU32(b: Uint8Array, p: number): number {
  return b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] * 0x1000000);
}

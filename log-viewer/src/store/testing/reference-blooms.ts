// Token filters written independently of the encoder, for tests: any version's filters from token
// keys, and those of versions 3 and 4 (block format 6 before the seventh and the eighth session)
// rebuilt from a block's rows, for tests that check blocks written by older encoders still answer
// queries. Version 3: one filter of the block's attribute tokens (8 bits a token), one per row group
// of its message, id and stream tokens (9 bits), 6 probes, the hash without its class bit. Version 4:
// each of those cut in two by class, hex tokens as in version 3, word tokens at 14 bits, 10 probes.
import { addTokenHashes, CLASS_BLOOM_VERSION, GROUP_BLOOM_VERSION, TokenSet } from '../bloom.js';
import { rowGroupRows } from '../block-codec.js';
import type { Row } from '../row.js';

const HASH = 0x3fffffff;
const WORD = 0x40000000;

/** One filter: [1][probes][bit count u32 LE][bits], bits ((h + k * h2) >>> 0) % bits for k < probes. */
export function referenceFilter(keys: number[], bitsPerToken: number, probes: number): Buffer {
  const bits = Math.max(512, Math.ceil((keys.length * bitsPerToken) / 8) * 8);
  const out = Buffer.alloc(6 + bits / 8);
  out[0] = 1;
  out[1] = probes;
  out.writeUInt32LE(bits, 2);
  for (const key of keys) {
    const h = key & HASH;
    let x = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
    const h2 = (x ^ (x >>> 16)) | 1;
    for (let k = 0; k < probes; k++) {
      const bit = ((h + Math.imul(k, h2)) >>> 0) % bits;
      out[6 + (bit >>> 3)] |= 1 << (bit & 7);
    }
  }
  return out;
}

/** [version][row groups][byte length u32 LE of each filter][filters]: the layout of versions 3-5. */
export function referenceGroupBloom(version: number, groups: number, filters: Buffer[]): Buffer {
  const head = Buffer.alloc(2 + 4 * filters.length);
  head[0] = version;
  head[1] = groups;
  for (let i = 0; i < filters.length; i++) head.writeUInt32LE(filters[i].length, 2 + 4 * i);
  return Buffer.concat([head, ...filters]);
}

/** A version-3 filter over token keys (their class bits ignored, as version 3 had none). */
export function version3Bloom(groups: number[][], attrs: number[]): Buffer {
  const hashes = (keys: number[]) => [...new Set(keys.map((k) => k & HASH))];
  return referenceGroupBloom(GROUP_BLOOM_VERSION, groups.length, [
    referenceFilter(hashes(attrs), 8, 6),
    ...groups.map((g) => referenceFilter(hashes(g), 9, 6)),
  ]);
}

/** A version-4 filter over token keys: per part (attributes, then each group) hex, then word keys. */
export function version4Bloom(groups: number[][], attrs: number[]): Buffer {
  const hex = (keys: number[]) => keys.filter((k) => (k & WORD) === 0);
  const word = (keys: number[]) => keys.filter((k) => (k & WORD) !== 0);
  return referenceGroupBloom(CLASS_BLOOM_VERSION, groups.length, [
    referenceFilter(hex(attrs), 8, 6),
    referenceFilter(word(attrs), 14, 10),
    ...groups.flatMap((g) => [referenceFilter(hex(g), 9, 6), referenceFilter(word(g), 14, 10)]),
  ]);
}

/** The version-3 filter the encoder wrote for a format-6 block of these rows (in block order). */
export function version3BlockBloom(rows: Row[]): Buffer {
  const { groups, attrs } = blockKeys(rows);
  return version3Bloom(groups, attrs);
}

/** The version-4 filter the encoder wrote for a format-6 block of these rows (in block order). */
export function version4BlockBloom(rows: Row[]): Buffer {
  const { groups, attrs } = blockKeys(rows);
  return version4Bloom(groups, attrs);
}

/** Keys of each row group's message, id and stream tokens, and of the block's attribute tokens. */
function blockKeys(rows: Row[]): { groups: number[][]; attrs: number[] } {
  const groupRows = rowGroupRows(rows.length);
  const groups: number[][] = [];
  const attrs = new TokenSet();
  for (let from = 0; from < rows.length; from += groupRows) {
    const set = new TokenSet();
    for (const r of rows.slice(from, from + groupRows)) {
      for (const text of [r.message, r.traceId, r.spanId, r.host, r.service]) addTokenHashes(text, set);
      addTokenHashes(r.labels, set, true);
      addTokenHashes(r.attrs, attrs, true);
    }
    groups.push(keysOf(set));
  }
  return { groups, attrs: keysOf(attrs) };
}

function keysOf(set: TokenSet): number[] {
  const out: number[] = [];
  set.forEach((k) => {
    out.push(k);
  });
  return out;
}

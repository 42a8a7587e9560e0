// Bloom version 5 (block format 6, from the eighth session): version 4's filters by token class, and
// the tokens of each row group's trace and span ids in a filter of their own with more bits. A
// trace-id query (its tokens id-only: bloomMayMatch()) asks only that filter. In version 4 the ids
// sat in the group's hex filter with the numbers of the messages (9 bits a token, ~1.3 % false
// positives a group, ~5 % a block): at 10 M bench lines a trace id decoded ~60-85 blocks for its 5
// hits. Ids are few among a block's hex tokens (bench blocks: ~2 400 trace ids of ~16 000), so the
// word tokens' 14 bits and 10 probes each (~0.12 % a group, ~0.5 % a block) cost ~1.5 KB a block
// (+8 % filter bytes, +0.75 % bytes on disk); 16 bits would cut the false positives to ~0.2 % a
// block for ~0.6 KB more, 12 bits cost ~0.6 KB less for ~1.3 % (bench/bloom-false-positives.ts).
//
// The filters are laid out by what a query needs, so each need is a prefix of the stored filter:
// the word filters (what the store keeps in memory), then the id filters (a trace-id query), then the
// hex filters of attributes and groups (any other hex token). A filter cut off by a prefix may hold
// any token.
import {
  buildBloom,
  filterMayContain,
  IN_ATTRS,
  IN_OTHER,
  type KeySlots,
  readU32,
  WORD_CLASS,
} from './bloom-filter.js';

export const ID_BLOOM_VERSION = 5;

/** Bits per distinct hex attribute token and probes: ~2 % false positives. */
const ATTR_BITS_PER_TOKEN = 8;
/**
 * Filters of a row group's hex message and stream tokens (~1.3 % false positives): the groups
 * hold 13 % more tokens than their block, and a false positive costs one group's read.
 */
const GROUP_BITS_PER_TOKEN = 9;
const PROBES = 6;
/**
 * Word tokens, in the attributes and in each group: ~0.1 % false positives a filter (five filters a
 * block). Few per block, so the bits cost little; filters of 512 bits at least (buildBloom).
 */
const WORD_BITS_PER_TOKEN = 14;
const WORD_PROBES = 10;
/** Trace and span ids of a row group: ~0.12 % false positives, as word tokens. */
const ID_BITS_PER_TOKEN = 14;
const ID_PROBES = 10;

/**
 * [5][row groups u8][byte length u32 LE of each filter][filters]: the attribute word filter, each
 * group's word filter, each group's id filter, the attribute hex filter, each group's hex filter.
 * `groups`: each row group's message and stream tokens; `ids`: each group's id tokens (hex only:
 * ids are stored as lowercase hex); `attrs`: the block's attribute tokens.
 */
export function buildIdBloom(groups: KeySlots[], ids: KeySlots[], attrs: KeySlots): Buffer {
  const filters = [buildBloom(attrs, WORD_BITS_PER_TOKEN, WORD_PROBES, WORD_CLASS)];
  for (const g of groups) filters.push(buildBloom(g, WORD_BITS_PER_TOKEN, WORD_PROBES, WORD_CLASS));
  for (const g of ids) filters.push(buildBloom(g, ID_BITS_PER_TOKEN, ID_PROBES));
  filters.push(buildBloom(attrs, ATTR_BITS_PER_TOKEN, PROBES, 0));
  for (const g of groups) filters.push(buildBloom(g, GROUP_BITS_PER_TOKEN, PROBES, 0));
  const head = Buffer.alloc(2 + 4 * filters.length);
  head[0] = ID_BLOOM_VERSION;
  head[1] = groups.length;
  for (let i = 0; i < filters.length; i++) head.writeUInt32LE(filters[i].length, 2 + 4 * i);
  return Buffer.concat([head, ...filters]);
}

// Where each filter of the filter last laid out starts (the functions below run for every block of
// every text query: no arrays). Filter f of n groups: 0 the attribute word filter, 1 + g group g's
// word filter, 1 + n + g its id filter, 1 + 2n the attribute hex filter, 2 + 2n + g group g's hex
// filter; then the end.
const offsets = new Int32Array(3 + 3 * 255);

/** Fills `offsets` from the header (in every prefix); returns the row groups. */
function layout(bloom: Uint8Array): number {
  const n = bloom[1];
  const count = 2 + 3 * n;
  let at = 2 + 4 * count;
  for (let f = 0; f < count; f++) {
    offsets[f] = at;
    at += readU32(bloom, 2 + 4 * f);
  }
  offsets[count] = at;
  return n;
}

/** Whether filter f may hold the key: a filter cut off by a cached prefix may hold any. */
function may(bloom: Uint8Array, f: number, key: number): boolean {
  return offsets[f] >= bloom.length || filterMayContain(bloom, offsets[f], key);
}

/**
 * bloomMayMatch() of version 5: some row group may hold every key; an id-only key in the group's id
 * filter, a word key in the group's or the attributes' word filter, a hex key in the group's hex or
 * id filter or the attributes' hex filter.
 */
export function idBloomMayMatch(bloom: Uint8Array, keys: number[], idOnly?: readonly boolean[]): boolean {
  const n = layout(bloom);
  for (let g = 0; g < n; g++) {
    let all = true;
    for (let t = 0; t < keys.length && all; t++) {
      const key = keys[t];
      if (idOnly?.[t] === true) all = may(bloom, 1 + n + g, key);
      else if (key & WORD_CLASS) all = may(bloom, 1 + g, key) || may(bloom, 0, key);
      else all = may(bloom, 2 + 2 * n + g, key) || may(bloom, 1 + n + g, key) || may(bloom, 1 + 2 * n, key);
    }
    if (all) return true;
  }
  return false;
}

/** groupBloomWhere() of version 5: IN_OTHER from the group's filters, IN_ATTRS from the attributes'. */
export function idBloomWhere(bloom: Uint8Array, keys: number[]): number[][] {
  const n = layout(bloom);
  const attrs = keys.map((k) => (may(bloom, k & WORD_CLASS ? 0 : 1 + 2 * n, k) ? IN_ATTRS : 0));
  const out: number[][] = [];
  for (let g = 0; g < n; g++)
    out.push(
      keys.map((k, t) => {
        const other =
          k & WORD_CLASS ? may(bloom, 1 + g, k) : may(bloom, 2 + 2 * n + g, k) || may(bloom, 1 + n + g, k);
        return (other ? IN_OTHER : 0) | attrs[t];
      }),
    );
  return out;
}

/** What a prefix of a version-5 filter answers exactly: word tokens; those and id-only tokens; all. */
export const WORD_PREFIX = 0;
export const ID_PREFIX = 1;
export const WHOLE_FILTER = 2;

/** The bytes of a version-5 filter (from its header) that answer `part` (WORD_PREFIX...WHOLE_FILTER). */
export function idBloomPrefixBytes(head: Uint8Array, part: number): number {
  const n = layout(head);
  return offsets[part === WORD_PREFIX ? 1 + n : part === ID_PREFIX ? 1 + 2 * n : 2 + 3 * n];
}

/** What a version-5 filter or prefix of one answers exactly (WORD_PREFIX...WHOLE_FILTER). */
export function idBloomCoverage(bloom: Uint8Array): number {
  if (bloom.length >= idBloomPrefixBytes(bloom, WHOLE_FILTER)) return WHOLE_FILTER;
  return bloom.length >= idBloomPrefixBytes(bloom, ID_PREFIX) ? ID_PREFIX : WORD_PREFIX;
}

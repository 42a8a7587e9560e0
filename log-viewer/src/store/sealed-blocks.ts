// The sealed blocks as the store sees them in memory: every block's meta (summaries for pruning), an
// LRU-ish cache of their bloom filters within a byte budget, and the one reader of a block's data on
// reused section buffers. The rows themselves stay in SQLite (block-db.ts) until a query decodes them.
// Of a version-4 or 5 filter only the word filters are kept at first (~0.5 KB of ~25 KB a bench
// block): at 10 M lines the whole filters held ~25-30 MB, resident for good in the main malloc
// arena, while only queries with a hex token (trace ids, numbers) need the rest; the first such
// query over a block reads what it needs from SQLite (~8-10 CPU-ms per 300 blocks) and keeps it: a
// trace or span id the id filters (version 5: its prefix up to them, ~5 KB a bench block; version 4:
// everything but the attribute hex filter, ~12 KB), another hex token the whole filter.
import type { BlockMeta, BlockDb } from './block-db.js';
import { BlockReader } from './block-reader.js';
import { SectionBuffers } from './block-reader-buffers.js';
import {
  CLASS_BLOOM_VERSION as CLASS_VERSION,
  hasHexKey,
  idHexSplice,
  lacksAttrHexFilter,
  lacksHexFilters,
  needsAttrHex,
  wordFilters,
} from './bloom.js';
import {
  ID_BLOOM_VERSION,
  ID_PREFIX,
  idBloomCoverage,
  idBloomPrefixBytes,
  WHOLE_FILTER,
  WORD_PREFIX,
} from './bloom-ids.js';

/** Default budget of the token filters kept in memory. */
const BLOOM_CACHE_BYTES = 32 * 1024 * 1024;

/**
 * What a cached filter answers exactly: word tokens; those and id-only tokens (version 4: id-only
 * hex tokens); every token. The same values as bloom-ids.ts's prefixes.
 */
const WORDS = WORD_PREFIX;
const IDS = ID_PREFIX;
const WHOLE = WHOLE_FILTER;

function coverage(bloom: Uint8Array): number {
  if (bloom[0] === ID_BLOOM_VERSION) return idBloomCoverage(bloom);
  return lacksHexFilters(bloom) ? WORDS : lacksAttrHexFilter(bloom) ? IDS : WHOLE;
}

/** What of a whole filter the cache keeps when `need` is asked: a copy of the part, or the filter. */
function keptPart(whole: Buffer, need: number): Buffer {
  // Copies of a small part: from Node's pool below 4 KB, not one malloc chunk each.
  if (whole[0] === ID_BLOOM_VERSION && need !== WHOLE)
    return Buffer.from(whole.subarray(0, idBloomPrefixBytes(whole, need)));
  return need === WORDS ? (wordFilters(whole) ?? whole) : whole;
}

export class SealedBlocks {
  /** Every sealed block by id, loaded at start and kept in step with each commit. */
  readonly blocks = new Map<number, BlockMeta>();
  private readonly blooms = new Map<number, Buffer>();
  private bloomBytes = 0;
  /**
   * Of each version-4 block whose word filters are cached, how to read its filter without the
   * attribute hex filter in one statement (idHexSplice(), taken from the whole filter at seal or
   * preload: ~50 bytes a block); dropped once read.
   */
  private readonly splices = new Map<number, { prefix: Buffer; restAt: number }>();
  /** Decompression buffers and column arrays reused by the blocks read one after another. */
  private readonly sectionBuffers = new SectionBuffers();

  constructor(
    private readonly sql: BlockDb,
    /** Budget of bloom filters cached in memory (undefined: 32 MB). */
    private readonly bloomCacheBytes: number | undefined,
  ) {}

  /**
   * A committed block, with a copy of its bloom filter (its word filters) in the cache: the first
   * text query after ingest would otherwise read every block's filter back from SQLite (20-80 ms
   * for 325 blocks).
   */
  add(meta: BlockMeta, bloom: Uint8Array): void {
    this.blocks.set(meta.id, meta);
    const whole = Buffer.from(bloom.buffer, bloom.byteOffset, bloom.length);
    const words = keptPart(whole, WORDS);
    if (bloom[0] === CLASS_VERSION) this.splices.set(meta.id, idHexSplice(bloom));
    this.cacheBloom(meta.id, words === whole ? Buffer.from(bloom) : words);
  }

  /** Forgets a deleted block and its cached filter. */
  drop(id: number): void {
    this.blocks.delete(id);
    this.splices.delete(id);
    const bloom = this.blooms.get(id);
    if (bloom) {
      this.bloomBytes -= bloom.length;
      this.blooms.delete(id);
    }
  }

  /**
   * A sealed block's reader on the store's reused section buffers: valid until the next decode (every
   * caller, scans, fields, merges, delete and retention, takes a block's rows before reading the next).
   * `own`: on buffers of its own instead, valid as long as it is held (a scan keeps an oversized
   * block's reader while it reads the next blocks: its rows are made only when visited).
   */
  decode(b: BlockMeta, bloom?: Buffer, own = false): BlockReader {
    const data = this.sql.selectData(b.id);
    if (!data) throw new Error(`block ${b.id} has no data`);
    if (own) return new BlockReader(data, b.service, undefined, bloom);
    this.sectionBuffers.adopt(data); // freed when the next block is read
    return new BlockReader(data, b.service, this.sectionBuffers, bloom);
  }

  /**
   * A block's filter, enough for tokens of these keys (tokenHash(); `idOnly` as in bloomMayMatch()):
   * the cached word filters when every key is a word token; for tokens that only a trace or span id
   * can hold (a trace-id query), the filter up to its id filters (version 5: a prefix read by
   * SQLite, ~5 KB of a bench block's ~27 KB; version 4: without its attribute hex filter, spliced by
   * SQLite into one Buffer, ~12 KB) and cached in place of the word filters; else the whole filter,
   * read once and then cached. Without keys: the whole filter. Read for each query and dropped, the
   * whole filters stayed as garbage in the main malloc arena until the query ended (~30 MB at 10 M
   * lines: RSS 192 -> 232 MiB over the bench's four trace-id runs), and freeing each at once
   * (releaseOwned) grew RSS more: so what is read is what is kept.
   */
  bloom(id: number, keys?: number[], idOnly?: readonly boolean[]): Buffer | undefined {
    const cached = this.blooms.get(id);
    const need =
      keys === undefined || needsAttrHex(keys, idOnly)
        ? WHOLE
        : hasHexKey(keys) || idOnly?.includes(true)
          ? IDS
          : WORDS;
    if (cached && coverage(cached) >= need) return cached;
    if (cached && need === IDS && cached[0] === ID_BLOOM_VERSION) {
      const bloom = this.sql.selectBloomPrefix(id, idBloomPrefixBytes(cached, IDS));
      if (bloom) this.cacheBloom(id, bloom);
      return bloom;
    }
    const splice = need === IDS ? this.splices.get(id) : undefined;
    if (cached && splice) {
      this.splices.delete(id);
      const bloom = this.sql.selectBloomSpliced(id, splice.prefix, splice.restAt);
      if (bloom) this.cacheBloom(id, bloom);
      return bloom;
    }
    const bloom = this.sql.selectBloom(id);
    if (bloom) this.cacheBloom(id, keptPart(bloom, need));
    return bloom;
  }

  /**
   * The newest blocks' token filters, up to the cache's budget, read at start: a text query's pruning
   * needs every block's filter, and the first query after a start read them one by one (~60 ms of
   * its CPU for 306 blocks in-process, more than its block reads).
   */
  preloadBlooms(): void {
    const budget = this.bloomCacheBytes ?? BLOOM_CACHE_BYTES;
    const kept: [number, Buffer][] = [];
    let bytes = 0;
    for (const b of [...this.blocks.values()].sort((x, y) => y.maxMs - x.maxMs)) {
      const whole = this.sql.selectBloom(b.id);
      if (!whole) continue;
      const bloom = keptPart(whole, WORDS);
      if (bytes + bloom.length > budget) break;
      if (whole[0] === CLASS_VERSION) this.splices.set(b.id, idHexSplice(whole));
      kept.push([b.id, bloom]);
      bytes += bloom.length;
    }
    // Oldest first: the cache gives up its first entries when it is full.
    for (let i = kept.length - 1; i >= 0; i--) this.cacheBloom(kept[i][0], kept[i][1]);
  }

  private cacheBloom(id: number, bloom: Buffer): void {
    const stale = this.blooms.get(id);
    if (stale) this.bloomBytes -= stale.length;
    this.blooms.delete(id);
    const budget = this.bloomCacheBytes ?? BLOOM_CACHE_BYTES;
    while (this.bloomBytes + bloom.length > budget && this.blooms.size > 0) {
      const [oldId, old] = this.blooms.entries().next().value as [number, Buffer];
      this.blooms.delete(oldId);
      this.bloomBytes -= old.length;
    }
    this.blooms.set(id, bloom);
    this.bloomBytes += bloom.length;
  }
}

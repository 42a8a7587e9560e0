// A bounded cache of what token searches found in sealed blocks: per block and set of tokens, the
// rows that may hold them, with those rows materialized. A repeated or paged needle query (the UI
// asks again on refresh, on the next page, for the histogram) then reads no block at all.
//
// Only small results are kept (a needle finds a handful of rows per block; a common word would fill
// the budget with one query), and the least recently used blocks go first. Entries are keyed by the
// store's block summary object, so a block that is merged, rewritten or dropped is never served
// again even if SQLite reuses its id.
import type { ScanFilter } from './log-store.js';
import type { Row } from './row.js';
import { RowsBatch, type RowBatch } from './scan.js';

/** More candidate rows than this in one block: the result is not worth caching. */
const MAX_ROWS_PER_RESULT = 256;

/** A block reader as the cache needs it (BlockReader). */
export interface SearchableBatch extends RowBatch {
  mayContain(tokens: string[], idTokens?: readonly string[]): Uint8Array | undefined;
}

interface Entry {
  /** Token set (sorted, space-joined) → candidate rows, each materialized. */
  results: Map<string, Row[]>;
  rows: number;
}

export class ScanCache {
  private readonly entries = new Map<object, Entry>();
  private rows = 0;

  constructor(
    /** Rows kept over all blocks (about 0.5 KB each), plus one per cached result. */
    private readonly maxRows = 16_384,
  ) {}

  /**
   * The block's rows for a scan that needs `requiredTokens` (`idTokens` of them in ids): the cached
   * candidates when this search was made before in this block, else the decoded block, whose search
   * result is then cached.
   */
  load(
    block: object,
    { requiredTokens: tokens = [], idTokens = [] }: Pick<ScanFilter, 'requiredTokens' | 'idTokens'>,
    decode: () => SearchableBatch,
  ): RowBatch {
    if (tokens.length === 0) return decode();
    // An ids-only search finds fewer candidates than the same tokens searched everywhere.
    const key =
      [...new Set(tokens)].sort().join(' ') +
      (idTokens.length > 0 ? ` ids:${[...idTokens].sort().join(' ')}` : '');
    const entry = this.entries.get(block);
    const cached = entry?.results.get(key);
    if (entry && cached) {
      this.entries.delete(block); // most recently used last
      this.entries.set(block, entry);
      return new RowsBatch(cached);
    }
    return new CachingBatch(decode(), (result) => this.store(block, key, result));
  }

  private store(block: object, key: string, rows: Row[]): void {
    let entry = this.entries.get(block);
    if (!entry) {
      entry = { results: new Map(), rows: 0 };
      this.entries.set(block, entry);
    }
    entry.results.set(key, rows);
    // An empty result (a bloom false positive) costs a slot too, so entries stay bounded.
    const cost = rows.length + 1;
    entry.rows += cost;
    this.rows += cost;
    for (const [oldest, e] of this.entries) {
      if (this.rows <= this.maxRows) break;
      this.entries.delete(oldest);
      this.rows -= e.rows;
    }
  }

  /** Rows held now plus one per result (tests, stats). */
  get size(): number {
    return this.rows;
  }
}

/** A decoded block that hands a small search result to the cache as it is computed. */
class CachingBatch implements RowBatch {
  private readonly made = new Map<number, Row>();
  readonly count: number;

  constructor(
    private readonly block: SearchableBatch,
    private readonly keep: (rows: Row[]) => void,
  ) {
    this.count = block.count;
  }

  // Asked of the block when used: a block reader decodes only the row groups a search needs.
  get ms(): ArrayLike<number> {
    return this.block.ms;
  }

  get subNs(): ArrayLike<number> {
    return this.block.subNs;
  }

  get seq(): ArrayLike<number> {
    return this.block.seq;
  }

  get level(): ArrayLike<number> {
    return this.block.level;
  }

  row(i: number): Row {
    return this.made.get(i) ?? this.block.row(i);
  }

  serviceOf(i: number): string {
    return this.block.serviceOf(i);
  }

  mayContain(tokens: string[], idTokens?: readonly string[]): Uint8Array | undefined {
    const hits = this.block.mayContain(tokens, idTokens);
    if (!hits) return hits;
    const rows: Row[] = [];
    for (let i = hits.indexOf(1); i >= 0 && rows.length <= MAX_ROWS_PER_RESULT; i = hits.indexOf(1, i + 1)) {
      const row = this.block.row(i);
      this.made.set(i, row);
      rows.push({
        ...row,
        message: own(row.message),
        attrs: own(row.attrs),
        traceId: own(row.traceId),
        spanId: own(row.spanId),
      });
    }
    if (rows.length <= MAX_ROWS_PER_RESULT) this.keep(rows);
    return hits;
  }
}

/**
 * A copy that does not keep its source alive: a row's strings are slices of ~32 KB section chunks
 * or of whole attribute columns, and a cached slice would pin all of it. JSON round-trips any string
 * exactly.
 */
function own(s: string): string {
  return s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);
}

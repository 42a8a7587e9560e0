// A bounded cache of what token searches found in sealed blocks: per block and set of tokens, the
// rows that may hold them, with those rows materialized. A repeated or paged needle query (the UI
// asks again on refresh, on the next page, for the histogram) then reads no block at all.
//
// Only small results are kept (a needle finds a handful of rows per block; a common word would fill
// the budget with one query), within a budget of rows and one of bytes (a few rows of 256 KB lines
// would otherwise hold 16,384 x 256 KB), and the least recently used blocks go first. Entries are keyed by the
// store's block summary object, so a block that is merged, rewritten or dropped is never served
// again even if SQLite reuses its id.
import type { ScanFilter } from './log-store.js';
import type { Row } from './row.js';
import { RowsBatch, type RowBatch } from './scan.js';

/** More candidate rows than this in one block: the result is not worth caching. */
const MAX_ROWS_PER_RESULT = 256;
/** Default budget of the rows' text, about what 16,384 rows of bench lines hold. */
const MAX_CACHED_BYTES = 16 * 1024 * 1024;
/** A row's fixed cost beside its text: the object, numbers and shared strings. */
const ROW_OVERHEAD_BYTES = 160;

/** A block reader as the cache needs it (BlockReader). */
export interface SearchableBatch extends RowBatch {
  mayContain(tokens: string[], idTokens?: readonly string[]): Uint8Array | undefined;
}

interface Entry {
  /** Token set (sorted, space-joined) → candidate rows, each materialized. */
  results: Map<string, Row[]>;
  rows: number;
  bytes: number;
}

export class ScanCache {
  private readonly entries = new Map<object, Entry>();
  private rows = 0;
  private bytes = 0;

  constructor(
    /** Rows kept over all blocks, plus one per cached result. */
    private readonly maxRows = 16_384,
    /** Bytes of those rows (rowBytes()). */
    private readonly maxBytes = MAX_CACHED_BYTES,
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
    // A result may take a quarter of the byte budget: one of more would empty the cache for itself.
    return new CachingBatch(decode(), this.maxBytes / 4, (result, bytes) =>
      this.store(block, key, result, bytes),
    );
  }

  private store(block: object, key: string, rows: Row[], bytes: number): void {
    let entry = this.entries.get(block);
    if (!entry) {
      entry = { results: new Map(), rows: 0, bytes: 0 };
      this.entries.set(block, entry);
    }
    entry.results.set(key, rows);
    // An empty result (a bloom false positive) costs a slot too, so entries stay bounded.
    const cost = rows.length + 1;
    entry.rows += cost;
    entry.bytes += bytes;
    this.rows += cost;
    this.bytes += bytes;
    for (const [oldest, e] of this.entries) {
      if (this.rows <= this.maxRows && this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.rows -= e.rows;
      this.bytes -= e.bytes;
    }
  }

  /** Rows held now plus one per result (tests, stats). */
  get size(): number {
    return this.rows;
  }

  /** Bytes held now, as rowBytes() counts them (tests, stats). */
  get sizeBytes(): number {
    return this.bytes;
  }
}

/** What a cached row holds: its own copies of the text (2 bytes a character at most) and the rest. */
function rowBytes(row: Row): number {
  return (
    ROW_OVERHEAD_BYTES + 2 * (row.message.length + row.attrs.length + row.traceId.length + row.spanId.length)
  );
}

/** A decoded block that hands a small search result to the cache as it is computed. */
class CachingBatch implements RowBatch {
  private readonly made = new Map<number, Row>();
  readonly count: number;

  constructor(
    private readonly block: SearchableBatch,
    private readonly maxBytes: number,
    private readonly keep: (rows: Row[], bytes: number) => void,
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
    let bytes = 0;
    for (let i = hits.indexOf(1); i >= 0; i = hits.indexOf(1, i + 1)) {
      const row = this.block.row(i);
      this.made.set(i, row);
      bytes += rowBytes(row);
      // Copies stop at the first row past a bound: the scan makes the other rows as it visits them.
      if (rows.length === MAX_ROWS_PER_RESULT || bytes > this.maxBytes) return hits;
      rows.push({
        ...row,
        message: own(row.message),
        attrs: own(row.attrs),
        traceId: own(row.traceId),
        spanId: own(row.spanId),
      });
    }
    this.keep(rows, bytes);
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

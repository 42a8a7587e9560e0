// The log store interface (issue 4, item 3). Speaks the domain; the SQLite block store in
// sqlite-log-store.ts is the only implementation today. Extend this interface, never rename.
import type { BodyKind } from '../ingest/body-parsers.js';
import type { BulkItem } from '../ingest/elasticsearch-bulk.js';
import type { Level, LogRecord, StoredRecord } from '../model.js';

/** Filters the store itself can apply (by block summaries and the block token index). */
export interface ScanFilter {
  /** Inclusive lower bound, ns since the epoch. */
  fromNs: bigint;
  /** Exclusive upper bound, ns since the epoch. */
  toNs: bigint;
  /** Only these services (exact names); undefined = all. */
  services?: string[];
  /** Only records at this level or above. */
  minLevel?: Level;
  /**
   * Lowercase tokens (as produced by tokenize() in model.ts) that every matching record contains
   * somewhere in its message, attribute values, host, labels, trace_id or span_id. Used only to prune
   * blocks: a record in a candidate block may still lack them, so the caller re-checks each record.
   */
  requiredTokens?: string[];
  /**
   * Those of requiredTokens that every matching record holds in its trace_id or span_id: the store
   * may look for them only there (their blocks' id filters and id sections).
   */
  idTokens?: string[];
  /**
   * Only records appended after this seq (the store's append order): blocks whose rows all came
   * before it are skipped whatever their time (a live tail's reconnect asks what arrived since).
   * Used only to prune: the caller re-checks each record's seq.
   */
  minSeq?: number;
}

export interface ScanQuery extends ScanFilter {
  /** 'desc' = newest first (the default of the read API). */
  order: 'desc' | 'asc';
  /** Stop after visiting this many records (the visitor can also stop earlier). */
  limit?: number;
  /** Continue after the record this cursor was made from (see ScanResult.nextCursor). */
  cursor?: string;
  /** Give up after decoding this many blocks and report `truncated` with a cursor (a scan budget for
   * costly queries). Blocks a cursor's scan already read, re-read to resume after it, are not counted
   * again. */
  maxBlocks?: number;
}

/** Called once per record in order; return false to stop the scan. */
export type RecordVisitor = (record: StoredRecord) => boolean;

export interface ScanResult {
  /** Records handed to the visitor. */
  visited: number;
  /** Pass as `cursor` to continue after the last visited record; undefined when the range is exhausted. */
  nextCursor?: string;
  /** True when maxBlocks stopped the scan early; nextCursor is then set. */
  truncated: boolean;
  /** Blocks decoded, each counted once per search (not again when resumed from a cursor). */
  blocksScanned: number;
  blocksPruned: number;
}

export interface HistogramQuery {
  fromNs: bigint;
  toNs: bigint;
  /** Bucket width in ns (rounded up to a whole minute, the resolution of block summaries). */
  stepNs: bigint;
  services?: string[];
  minLevel?: Level;
}

export interface HistogramResult {
  /** Start of the first bucket (fromNs aligned down to stepNs). */
  startNs: bigint;
  stepNs: bigint;
  /** counts[level][i] = records of that level in bucket i. */
  counts: Record<Level, number[]>;
}

export interface FieldInfo {
  /** 'service', 'level', 'host', 'trace_id', 'labels.app', 'attributes' paths like 'user.id'. */
  name: string;
  /** Records (in the sampled blocks) that have the field. */
  count: number;
  /** Most frequent values with their counts, most frequent first. */
  topValues: { value: string; count: number }[];
}

export interface DeleteQuery extends ScanFilter {
  /** Exact predicate on top of the filter; when absent every record matching the filter goes. */
  predicate?: (record: StoredRecord) => boolean;
  /** Count only, change nothing. */
  dryRun: boolean;
}

/** A delete by query under way (store/delete-runs.ts). */
export interface DeleteRun {
  /** Records matched so far (deleted unless a dry run); all of them once step() returned true. */
  readonly matched: number;
  /**
   * Visits the next blocks, about one block's rows, each rewrite in its own transaction; true once
   * nothing is left. Throws Unavailable when the store cannot write (the delete stays recorded).
   */
  step(): boolean;
  /**
   * Gives the run up before its end (its caller failed): a dry run stops holding its blocks against
   * merges; a recorded delete stays recorded and resumes at the next start.
   */
  abandon(): void;
}

/** A recorded delete that did not finish. */
export interface UnfinishedDelete {
  id: number;
  query: string;
  fromNs: bigint;
  toNs: bigint;
  /** Records deleted before it stopped. */
  matched: number;
}

export interface StoreStats {
  blocks: number;
  /** Records in sealed blocks. */
  sealedRecords: number;
  /** Records acknowledged but still in open (in-memory + WAL) blocks. */
  openRecords: number;
  /** Bytes of the original records (message + attributes JSON + fields) as ingested. */
  rawBytes: number;
  /** Compressed block bytes plus token index bytes. */
  storedBytes: number;
  /** Size of the database and WAL files. */
  diskBytes: number;
  oldestNs?: bigint;
  newestNs?: bigint;
  services: string[];
}

export interface RetentionPolicy {
  /** Drop blocks whose newest record is older than this (ns); undefined = keep forever. */
  maxAgeNs?: bigint;
  /** Drop oldest blocks while the stored bytes exceed this. */
  maxBytes?: number;
  /** Per-service age overrides (maxAgeNs undefined: that service is kept forever). */
  perService?: Record<string, { maxAgeNs?: bigint }>;
}

/** A request body for ingestBody(): the store parses it (possibly in a worker thread). */
export interface BodyIngest {
  kind: BodyKind;
  /**
   * The body as received (Content-Encoding undone); kept as is in the durable inbox. The store owns it
   * from the call on: a large body is moved to an ingest worker, which detaches the caller's buffer.
   */
  body: Uint8Array;
  /** Observed time of the request. */
  nowNs: bigint;
  /** Elasticsearch bulk: the URL's `/<index>/_bulk`. */
  index?: string;
}

export interface BodyIngestResult {
  /** Records appended (durable when the promise resolves). */
  accepted: number;
  /** Records rejected one by one (OTLP partial success, bulk items, records older than the retention). */
  rejected: number;
  errors: string[];
  /** Elasticsearch bulk: one answer per action, in request order. */
  items?: BulkItem[];
}

export interface LogStore {
  /** Assign ids, write to the durable inbox; resolves once the records survive a crash (fdatasync). */
  append(records: LogRecord[]): Promise<void>;
  /**
   * Parse a body with ingest/body-parsers.ts and append its records like append(): resolves once they
   * are durable; rejects with the parser's typed error (nothing is appended then).
   */
  ingestBody(request: BodyIngest): Promise<BodyIngestResult>;
  /** Visit records matching the filter in time order (ties by seq), pruning blocks first. */
  scan(query: ScanQuery, visit: RecordVisitor): ScanResult;
  /** Counts per bucket and level from block summaries, without decoding blocks. */
  histogram(query: HistogramQuery): HistogramResult;
  /** Field names with top values, sampled from the newest blocks overlapping the range. */
  fields(filter: ScanFilter, options?: { maxBlocks?: number; maxValues?: number }): FieldInfo[];
  /**
   * Starts a delete of the records matching `query` (with dryRun, a count of them) that runs a block
   * per step(). The open rows are sealed first. A real delete is recorded, with the blocks it will
   * visit, before it changes anything: a crash or shutdown leaves it to resumeDelete(). Records that
   * arrive after the start are not taken. Throws Unavailable when matching rows could not be sealed.
   */
  startDelete(query: DeleteQuery & { text: string }): DeleteRun;
  /** Deletes recorded and not finished (cut by a crash or a shutdown), oldest first. */
  unfinishedDeletes(): UnfinishedDelete[];
  /** Continues a recorded delete, its query compiled again from the recorded text. */
  resumeDelete(id: number, query: DeleteQuery): DeleteRun;
  /** Apply a retention policy now: drops whole blocks; returns the number of records dropped. */
  applyRetention(policy: RetentionPolicy, nowNs: bigint): number;
  /** Sizes and counts for /metrics, the README and the UI. */
  stats(): StoreStats;
  /** Called with every batch once it is durable (for live tail). Returns an unsubscribe function. */
  subscribe(listener: (records: StoredRecord[]) => void): () => void;
  /** Seal open blocks now (tests, shutdown). */
  flush(): void;
  /** Stop background work; seals open blocks unless `{ seal: false }` (crash-like close in tests). */
  close(options?: { seal?: boolean }): Promise<void>;
}

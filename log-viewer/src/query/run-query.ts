// Query execution over the LogStore interface: parse → compile → one store call. Shared by the
// read API, export, the UI and the bench (`runQuery(store, { query, from: '24h', limit: 100 })`).
// Takes the store as a parameter and imports only its types, so it stays free of I/O of its own.
//
// Wanted from the store (done over scan() meanwhile):
// - Lazy attributes/labels in scanned records (parse the JSON on first access): a query nothing can
//   prune (`path:~^/x`, `-foo`) spends most of its time in JSON.parse for fields it never reads
//   (profiled: toRecord ≈ 2x the predicate on 200k rows).
// - histogram() with requiredTokens + a record predicate, so a text query's histogram can skip
//   blocks by bloom and count in the store (runHistogram scans through scan() for those today).
// - get(timeNs, seq) for "show context" (a one-nanosecond scan() window finds it today).
import type { StoredRecord } from '../model.js';
import type { DeleteRun, LogStore, ScanFilter } from '../store/log-store.js';
import type { QueryNode } from './ast.js';
import { type CompiledQuery, compileQuery } from './compile-query.js';
import { parseQuery } from './parse-query.js';
import { parseTimeRange, type TimeRange } from './time-range.js';

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 10_000;
/** Scan budget of one page of results; a page that hits it comes back with a cursor to continue. */
export const DEFAULT_MAX_BLOCKS = 2_000;
/**
 * Characters of record text (recordChars) one page of results holds at most, then it ends with a
 * cursor. MAX_LIMIT records of up to MAX_LINE_BYTES each would be 2.5 GB, and the image runs the
 * main thread with --max-old-space-size=256: 1,800 records of 100 KB in one answer aborted the
 * process (records, then their JSON, both in the heap). Records of a few KB never reach it.
 */
export const MAX_PAGE_CHARS = 16 * 1024 * 1024;

/** `from`/`to` as the API takes them (`24h`, RFC 3339, epoch ms) or as ns. */
export type TimeParam = string | bigint;

export interface SearchParams {
  query?: string;
  from?: TimeParam;
  to?: TimeParam;
  limit?: number;
  cursor?: string;
  /** ns since the epoch; defaults to the wall clock (the bench); the API passes its clock. */
  nowNs?: bigint;
  maxBlocks?: number;
  /**
   * Wall-time budget of one page in ms: past it the page ends early with `truncated` and a cursor
   * to continue (a query nothing can prune must not hold a request for minutes). None by default.
   */
  budgetMs?: number;
  /** Monotonic ms for the budget; performance.now() unless a test steps it. */
  clock?: () => number;
  /** Record text a page holds at most (MAX_PAGE_CHARS by default); past it, `truncated` and a cursor. */
  maxChars?: number;
}

export interface PreparedSearch {
  ast: QueryNode;
  compiled: CompiledQuery;
  range: TimeRange;
  /** The store-side filter; null when the query can match nothing (e.g. two different services). */
  filter: ScanFilter | null;
}

export function wallClockNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

export function prepareSearch(params: SearchParams): PreparedSearch {
  const ast = parseQuery(params.query ?? '');
  const compiled = compileQuery(ast);
  const nowNs = params.nowNs ?? wallClockNs();
  const range = parseTimeRange(
    {
      from: typeof params.from === 'bigint' ? undefined : params.from,
      to: typeof params.to === 'bigint' ? undefined : params.to,
    },
    nowNs,
  );
  if (typeof params.from === 'bigint') range.fromNs = params.from;
  if (typeof params.to === 'bigint') range.toNs = params.to;
  const { plan } = compiled;
  if (plan.services && plan.services.length === 0) return { ast, compiled, range, filter: null };
  const filter: ScanFilter = { fromNs: range.fromNs, toNs: range.toNs };
  if (plan.services) filter.services = plan.services;
  if (plan.minLevel) filter.minLevel = plan.minLevel;
  if (plan.requiredTokens.length > 0) filter.requiredTokens = plan.requiredTokens;
  if (plan.idTokens) filter.idTokens = plan.idTokens;
  return { ast, compiled, range, filter };
}

export interface SearchResult {
  records: StoredRecord[];
  /** Continue with this cursor; undefined when the range is exhausted. */
  nextCursor?: string;
  /** The scan budget (time, blocks or characters) ran out before `limit` matches: follow nextCursor for more. */
  truncated: boolean;
  blocksScanned: number;
  blocksPruned: number;
  /** recordChars() of the records. */
  chars: number;
}

/** Newest first, at most `limit` records, cursor paging. */
export function runQuery(store: Pick<LogStore, 'scan'>, params: SearchParams): SearchResult {
  const prepared = prepareSearch(params);
  return runPrepared(store, prepared, params);
}

export function runPrepared(
  store: Pick<LogStore, 'scan'>,
  { compiled, filter }: PreparedSearch,
  params: Pick<SearchParams, 'limit' | 'cursor' | 'maxBlocks' | 'budgetMs' | 'clock' | 'maxChars'> & {
    order?: 'asc' | 'desc';
  },
): SearchResult {
  const limit = clampLimit(params.limit);
  const records: StoredRecord[] = [];
  if (!filter) return { records, truncated: false, blocksScanned: 0, blocksPruned: 0, chars: 0 };
  const maxChars = params.maxChars ?? MAX_PAGE_CHARS;
  let chars = 0;
  const { predicate, matchesAll } = compiled;
  const clock = params.clock ?? performance.now.bind(performance);
  const deadline = params.budgetMs === undefined ? Number.POSITIVE_INFINITY : clock() + params.budgetMs;
  const every = budgetCheckMask(compiled);
  let visited = 0;
  let outOfBudget = false;
  const result = store.scan(
    {
      ...filter,
      order: params.order ?? 'desc',
      cursor: params.cursor || undefined,
      maxBlocks: params.maxBlocks ?? DEFAULT_MAX_BLOCKS,
    },
    (record) => {
      if (matchesAll || predicate(record)) {
        records.push(record);
        chars += recordChars(record);
        // A page holds at least one record, so that paging always moves on.
        if (chars >= maxChars) outOfBudget = records.length < limit;
      }
      if ((++visited & every) === 0 && clock() > deadline) outOfBudget = records.length < limit;
      return records.length < limit && !outOfBudget;
    },
  );
  return {
    records,
    nextCursor: result.nextCursor,
    // Out of budget on the range's last record: nothing is left, so the page is whole.
    truncated: result.truncated || (outOfBudget && result.nextCursor !== undefined),
    blocksScanned: result.blocksScanned,
    blocksPruned: result.blocksPruned,
    chars,
  };
}

/** Longest stretch one search holds the event loop for before letting other work run. */
export const SLICE_MS = 50;

/**
 * runPrepared() cut into slices of at most `sliceMs`, with `pause()` awaited between them (the HTTP
 * search passes setImmediate), so a slow query delays the live tail and ingest acknowledgements by
 * one slice, not by its whole budget. The answer is the one unsliced page would give: each slice
 * continues from the previous one's cursor, and the page's block and time budgets span the slices.
 */
export async function runPreparedInSlices(
  store: Pick<LogStore, 'scan'>,
  prepared: PreparedSearch,
  params: Pick<SearchParams, 'limit' | 'cursor' | 'maxBlocks' | 'clock' | 'maxChars'> & {
    budgetMs: number;
    sliceMs?: number;
    pause: () => Promise<void>;
  },
): Promise<SearchResult> {
  const clock = params.clock ?? performance.now.bind(performance);
  const limit = clampLimit(params.limit);
  const maxBlocks = params.maxBlocks ?? DEFAULT_MAX_BLOCKS;
  const deadline = clock() + params.budgetMs;
  const maxChars = params.maxChars ?? MAX_PAGE_CHARS;
  const out: SearchResult = { records: [], truncated: false, blocksScanned: 0, blocksPruned: 0, chars: 0 };
  let cursor = params.cursor;
  for (;;) {
    const page = runPrepared(store, prepared, {
      limit: limit - out.records.length,
      cursor,
      maxBlocks: maxBlocks - out.blocksScanned,
      budgetMs: Math.max(0, Math.min(params.sliceMs ?? SLICE_MS, deadline - clock())),
      clock,
      maxChars: maxChars - out.chars,
    });
    for (const r of page.records) out.records.push(r);
    out.blocksScanned += page.blocksScanned;
    out.blocksPruned += page.blocksPruned;
    out.chars += page.chars;
    out.nextCursor = page.nextCursor;
    out.truncated = page.truncated;
    if (!page.truncated || !page.nextCursor || out.records.length >= limit || out.chars >= maxChars)
      return out;
    // With the block budget spent, the next slice still finishes the blocks this one was cut in
    // (they count once) and stops, truncated, where a new block would start.
    if (clock() >= deadline) return out;
    cursor = page.nextCursor;
    await params.pause();
  }
}

/**
 * How often (a mask of the count of records visited) a scan looks at its clock: every 1,024 records,
 * or every record when a regex may take long on one line (regex-linear.ts bounds it, not to µs).
 */
export function budgetCheckMask(compiled: CompiledQuery): number {
  return compiled.hasRegex ? 0 : 1023;
}

/** About the characters a record takes in an answer: its texts, attribute keys and values. */
export function recordChars(r: StoredRecord): number {
  return 256 + r.message.length + r.host.length + valueChars(r.attributes) + valueChars(r.labels);
}

function valueChars(v: unknown): number {
  if (typeof v === 'string') return v.length + 2;
  if (v === null || typeof v !== 'object') return 8;
  let n = 2;
  if (Array.isArray(v)) for (const x of v) n += valueChars(x) + 1;
  else for (const [k, x] of Object.entries(v)) n += k.length + 4 + valueChars(x);
  return n;
}

export function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_LIMIT;
  return Math.min(Math.max(1, Math.floor(limit)), MAX_LIMIT);
}

/**
 * Counts matching records (or, with dryRun false, deletes them) a block per step, with `pause()`
 * awaited between steps so that ingest, queries and the tail run meanwhile (store/delete-runs.ts).
 */
export async function runDelete(
  store: Pick<LogStore, 'startDelete'>,
  params: SearchParams & { dryRun: boolean; pause: () => Promise<void> },
): Promise<number> {
  const { compiled, filter } = prepareSearch(params);
  if (!filter) return 0;
  const run = store.startDelete({
    ...filter,
    text: params.query ?? '',
    dryRun: params.dryRun,
    predicate: compiled.matchesAll ? undefined : compiled.predicate,
  });
  return finishDelete(run, params.pause);
}

/**
 * Continues the deletes a crash or a shutdown cut, oldest first, with their recorded query and range;
 * resolves with how many records each deleted in all. A recorded query that no longer compiles (a
 * grammar change) cannot happen today: the record is kept and reported by the rejection.
 */
export async function resumeDeletes(
  store: Pick<LogStore, 'unfinishedDeletes' | 'resumeDelete'>,
  pause: () => Promise<void>,
): Promise<{ id: number; matched: number }[]> {
  const done: { id: number; matched: number }[] = [];
  for (const job of store.unfinishedDeletes()) {
    const { compiled, filter } = prepareSearch({ query: job.query, from: job.fromNs, to: job.toNs });
    const run = store.resumeDelete(job.id, {
      ...(filter ?? { fromNs: job.fromNs, toNs: job.toNs }),
      dryRun: false,
      predicate: compiled.matchesAll ? undefined : compiled.predicate,
    });
    done.push({ id: job.id, matched: await finishDelete(run, pause) });
  }
  return done;
}

async function finishDelete(run: DeleteRun, pause: () => Promise<void>): Promise<number> {
  try {
    while (!run.step()) await pause();
  } catch (err) {
    run.abandon();
    throw err;
  }
  return run.matched;
}

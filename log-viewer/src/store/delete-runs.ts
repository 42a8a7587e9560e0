// Deletes by query, one block per step instead of one pass over every block in scope (which held
// the event loop for as long as a large delete took). A delete takes a snapshot of the blocks in
// scope at its start and visits them one by one; each visit swaps the block for one without the
// matching rows (or drops it) in one transaction, so a query between two steps sees every block
// either whole as before or rewritten, never half done. A real delete is recorded (delete_jobs,
// migration 0004) before it changes anything and each visit removes its block from the record in
// the same transaction: after a crash it resumes with exactly the blocks it had not visited.
// Other rewrites do not race it: merges leave a block some delete has still to visit alone, and a
// block that retention or another delete rewrites passes that to its replacement (same rows, fewer);
// a dropped block is simply gone. The road not taken: a delete-marker ("tombstone") table applied at
// read time, as Loki does before its compactor runs, costs every query a lookup for ever.
import { LEVELS } from '../model.js';
import type { BlockMeta } from './block-db.js';
import { bloomMayMatch, tokenHash } from './bloom.js';
import type { DeleteQuery, DeleteRun, ScanFilter } from './log-store.js';
import type { OpenBlocks } from './open-blocks.js';
import { type Row, splitNs, toRecord } from './row.js';
import type { SealedBlocks } from './sealed-blocks.js';

/** How a run changes a block it visited (block-rewrites.ts, in one transaction with the record). */
export interface DeleteRewriter {
  /** Replaces `block` by blocks without the rows `hits` takes (none left: drops it). */
  rewriteForDelete(block: BlockMeta, hits: (row: Row) => boolean, run: BlockDeleteRun): RewriteCount;
}

/** Rows a rewrite read of a block, and how many of them it took. */
export interface RewriteCount {
  rows: number;
  matched: number;
}

export interface DeleteRunDeps {
  sealed: SealedBlocks;
  rewriter: DeleteRewriter;
  /** Rows decoded per step, at least one block's (a block holds up to blockRows). */
  budgetRows: number;
  /** Called once when the run has nothing left (it leaves the registry, its record is removed). */
  finished: (run: BlockDeleteRun) => void;
  /** Called when a run is given up before its end. */
  abandoned: (run: BlockDeleteRun) => void;
  closed: () => boolean;
}

export class BlockDeleteRun implements DeleteRun {
  /** Blocks still to visit, in the order they are visited (insertion order). */
  readonly pending: Set<number>;
  matched: number;
  /** The query's row test; undefined for a recorded delete loaded at start and not resumed yet. */
  private hits?: (row: Row) => boolean;

  constructor(
    /** The recorded delete's id; 0 for a dry run (nothing recorded, nothing changed). */
    readonly jobId: number,
    query: DeleteQuery | undefined,
    pending: Iterable<number>,
    matched: number,
    private readonly deps: DeleteRunDeps,
  ) {
    this.pending = new Set(pending);
    this.matched = matched;
    if (query) this.hits = deleteMatcher(query);
  }

  /** Gives a recorded delete loaded at start its query, compiled again. */
  resume(query: DeleteQuery): void {
    this.hits = deleteMatcher(query);
  }

  abandon(): void {
    this.deps.abandoned(this);
  }

  step(): boolean {
    if (this.deps.closed()) throw new Error('log store is closed');
    const hits = this.hits;
    if (!hits) throw new Error(`delete ${this.jobId} has not been resumed`);
    let rows = 0;
    for (const id of this.pending) {
      if (rows >= this.deps.budgetRows) return false;
      const block = this.deps.sealed.blocks.get(id);
      if (!block) {
        this.pending.delete(id); // dropped (retention): its row in delete_pending went with it
        continue;
      }
      if (this.jobId === 0) {
        // A dry run only counts: row by row, none kept (a block sealed before 56ae859 can hold
        // 300 MB of text, and keeping every row aborted the count under the heap limit)
        const reader = this.deps.sealed.decode(block);
        let matched = 0;
        for (let i = 0; i < reader.count; i++) if (hits(reader.row(i))) matched++;
        rows += reader.count;
        this.pending.delete(id);
        this.matched += matched;
        continue;
      }
      const done = this.deps.rewriter.rewriteForDelete(block, hits, this);
      rows += done.rows;
      this.pending.delete(id);
      this.matched += done.matched; // after the commit: a failed rewrite leaves the count as it was
    }
    this.deps.finished(this);
    return true;
  }
}

/** Whether a delete may take rows of `block`: time range, services and tokens (bloom filter). */
export function blockInScope(
  block: BlockMeta,
  f: ScanFilter,
  bloomOf: (id: number, keys: number[]) => Buffer | undefined,
): boolean {
  const [fromMs] = splitNs(f.fromNs);
  const [toMs] = splitNs(f.toNs);
  if (block.maxMs < fromMs || block.minMs > toMs) return false;
  if (f.services && !block.services.some((s) => f.services!.includes(s))) return false;
  const hashes = (f.requiredTokens ?? []).map(tokenHash);
  if (hashes.length === 0) return true;
  const bloom = bloomOf(block.id, hashes);
  return !bloom || bloomMayMatch(bloom, hashes);
}

/** Whether a row is one a delete takes: in its time range, level, services and predicate. */
export function deleteMatcher(query: DeleteQuery): (row: Row) => boolean {
  const [fromMs, fromSub] = splitNs(query.fromNs);
  const [toMs, toSub] = splitNs(query.toNs);
  const minLevel = query.minLevel ? LEVELS.indexOf(query.minLevel) : 0;
  return (row) =>
    (row.ms > fromMs || (row.ms === fromMs && row.subNs >= fromSub)) &&
    (row.ms < toMs || (row.ms === toMs && row.subNs < toSub)) &&
    row.level >= minLevel &&
    (!query.services || query.services.includes(row.service)) &&
    (!query.predicate || query.predicate(toRecord(row)));
}

/** Open (not yet sealed) rows a delete would take. */
export function countOpenMatches(query: DeleteQuery, open: OpenBlocks): number {
  const hits = deleteMatcher(query);
  let n = 0;
  for (const b of open.byService.values()) for (const r of open.rows(b)) if (hits(r)) n++;
  return n;
}

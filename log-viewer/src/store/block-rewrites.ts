// Work that rewrites sealed blocks: merging runs of small blocks, retention by age and size, and
// deletes. Each swaps old blocks for new ones (or none) in one transaction and keeps the in-memory
// view (sealed-blocks.ts) in step. Run from the store's background tick or an admin request, never
// on the ingest path. Deletes go a block per step (delete-runs.ts); this class keeps the runs under
// way so that merges and retention do not lose the blocks a run has still to visit.
import type { ReportError } from './background-errors.js';
import { type EncodedBlock, encodeBlock, MAX_BLOCK_RAW_BYTES } from './block-codec.js';
import type { BlockDb, BlockMeta } from './block-db.js';
import {
  BlockDeleteRun,
  blockInScope,
  countOpenMatches,
  type DeleteRewriter,
  type RewriteCount,
} from './delete-runs.js';
import type { DeleteQuery, RetentionPolicy, UnfinishedDelete } from './log-store.js';
import type { OpenBlocks } from './open-blocks.js';
import { type Row, rawSize, splitNs } from './row.js';
import type { SealedBlocks } from './sealed-blocks.js';

const MS_PER_MINUTE = 60_000;
/** Merged blocks do not span more than this, so time pruning stays sharp. */
const MAX_MERGED_SPAN_MS = 60 * MS_PER_MINUTE;
/**
 * Text of the rows kept from a block over MAX_BLOCK_RAW_BYTES (sealed before 56ae859) encoded at a
 * time: a 48 MB heap holds this chunk, its copy in the encoder's columns and the reader's row group.
 */
const OVERSIZED_CHUNK_RAW_BYTES = 4 * 1024 * 1024;

/** What a rewrite of one block keeps: its rows encoded (none when nothing goes), rows read and kept. */
interface KeptRows {
  encoded: EncodedBlock[];
  rows: number;
  kept: number;
}

export class BlockRewrites implements DeleteRewriter {
  /** Blocks whose merge failed: left as they are rather than retried every tick. */
  private readonly unmergeable = new Set<number>();
  /** Deletes under way, recorded ones (job id > 0) from the start on, until they finish. */
  private readonly runs = new Set<BlockDeleteRun>();

  constructor(
    private readonly sql: BlockDb,
    private readonly sealed: SealedBlocks,
    private readonly blockRows: number,
    private readonly report: ReportError,
    private readonly closed: () => boolean,
  ) {
    // Recorded deletes hold their blocks from the start on, before anything resumes them.
    for (const job of sql.selectDeleteJobs()) this.register(job.id, undefined, job.pending, job.matched);
  }

  /** Merges runs of small adjacent blocks into one block (one merge per call). */
  mergeSmallBlocks(): boolean {
    // One stream: small blocks of any services (format-2 per-service blocks too) merge together.
    const list: BlockMeta[] = [];
    const held = this.heldBlocks();
    for (const b of this.sealed.blocks.values())
      if (b.rows < this.blockRows / 2 && !this.unmergeable.has(b.id) && !held.has(b.id)) list.push(b);
    if (list.length < 2) return false;
    list.sort((a, b) => a.minMs - b.minMs);
    for (let i = 0; i < list.length - 1; i++) {
      const run = [list[i]];
      let rows = list[i].rows;
      let bytes = list[i].rawBytes;
      for (let j = i + 1; j < list.length; j++) {
        const b = list[j];
        if (rows + b.rows > this.blockRows || b.maxMs - run[0].minMs > MAX_MERGED_SPAN_MS) break;
        if (bytes + b.rawBytes > MAX_BLOCK_RAW_BYTES) break; // decoded whole on the main thread
        run.push(b);
        rows += b.rows;
        bytes += b.rawBytes;
      }
      if (run.length < 2) continue;
      try {
        this.replaceBlocks(run, this.encodeRows(run.flatMap((b) => this.sealed.decode(b).allRows())));
      } catch (err) {
        // The blocks stay as they are (the transaction rolled back), searchable, just not merged.
        for (const b of run) this.unmergeable.add(b.id);
        this.report(err, `merging blocks ${run.map((b) => b.id).join(', ')} (left unmerged)`);
      }
      return true;
    }
    return false;
  }

  /**
   * Swaps blocks for the `encoded` ones in one transaction. A single block's replacement (a
   * delete's or retention's rewrite: the same rows or fewer) is still to visit by the deletes that had
   * the old one to visit, but `visitor`, the delete doing this rewrite; `inTransaction` commits with it.
   */
  private replaceBlocks(
    old: BlockMeta[],
    encoded: EncodedBlock[],
    visitor?: BlockDeleteRun,
    inTransaction?: () => void,
  ): void {
    const generation = Math.max(...old.map((b) => b.generation)) + 1;
    const heirs =
      old.length === 1 ? [...this.runs].filter((r) => r !== visitor && r.pending.has(old[0].id)) : [];
    const metas = this.sql.transaction(() => {
      inTransaction?.();
      const metas = encoded.map((e) => this.sql.insertBlock(e, generation));
      if (heirs.length > 0)
        for (const m of metas) this.sql.inheritPending(old[0].id, m.id, visitor?.jobId ?? 0);
      for (const b of old) this.sql.deleteBlock(b.id);
      return metas;
    });
    for (const b of old) this.sealed.drop(b.id);
    for (let i = 0; i < metas.length; i++) this.sealed.add(metas[i], encoded[i].bloom);
    for (const r of heirs) {
      r.pending.delete(old[0].id);
      for (const m of metas) r.pending.add(m.id);
    }
  }

  private encodeRows(rows: Row[]): EncodedBlock[] {
    const encoded: EncodedBlock[] = [];
    for (let i = 0; i < rows.length; i += this.blockRows)
      encoded.push(encodeBlock(rows.slice(i, i + this.blockRows)));
    return encoded;
  }

  /**
   * The rows of `block` that `keep` keeps, encoded as new blocks; nothing encoded when it keeps
   * every row. A block over MAX_BLOCK_RAW_BYTES of text (sealed before 56ae859, up to 300 MB seen)
   * is read row by row, twice: a count first (a delete's bloom false positive rewrites nothing),
   * then its kept rows encoded OVERSIZED_CHUNK_RAW_BYTES at a time, so what is held is the
   * compressed blocks and one chunk, where decoding it whole aborted under the heap limit.
   */
  private keptRows(block: BlockMeta, keep: (row: Row) => boolean): KeptRows {
    if (block.rawBytes <= MAX_BLOCK_RAW_BYTES) {
      const rows = this.sealed.decode(block).allRows();
      const kept = rows.filter(keep);
      const encoded = kept.length < rows.length ? this.encodeRows(kept) : [];
      return { encoded, rows: rows.length, kept: kept.length };
    }
    const reader = this.sealed.decode(block, undefined, true);
    let kept = 0;
    for (let i = 0; i < reader.count; i++) if (keep(reader.row(i))) kept++;
    const encoded: EncodedBlock[] = [];
    if (kept === reader.count) return { encoded, rows: reader.count, kept };
    let chunk: Row[] = [];
    let bytes = 0;
    for (let i = 0; i < reader.count; i++) {
      const row = reader.row(i);
      if (!keep(row)) continue;
      chunk.push(row);
      bytes += rawSize(row);
      if (bytes >= OVERSIZED_CHUNK_RAW_BYTES || chunk.length === this.blockRows) {
        encoded.push(encodeBlock(chunk));
        chunk = [];
        bytes = 0;
      }
    }
    if (chunk.length > 0) encoded.push(encodeBlock(chunk));
    return { encoded, rows: reader.count, kept };
  }

  private dropBlocks(list: BlockMeta[], inTransaction?: () => void): void {
    this.sql.transaction(() => {
      inTransaction?.();
      for (const b of list) this.sql.deleteBlock(b.id);
    });
    for (const b of list) this.sealed.drop(b.id);
    // As ON DELETE CASCADE did for delete_pending: SQLite gives a freed highest id to the next block,
    // which a run still holding the id would visit and take records that arrived after its start.
    for (const r of this.runs) for (const b of list) r.pending.delete(b.id);
  }

  /**
   * Starts a delete (or a count) over the sealed blocks in scope now; a dry run also counts the open
   * rows now, a real delete expects the caller to have sealed them.
   */
  startDelete(query: DeleteQuery, text: string, open: OpenBlocks, nowMs: number): BlockDeleteRun {
    const ids: number[] = [];
    for (const b of this.sealed.blocks.values())
      if (blockInScope(b, query, (id, keys) => this.sealed.bloom(id, keys))) ids.push(b.id);
    if (query.dryRun) return this.register(0, query, ids, countOpenMatches(query, open));
    const jobId = this.sql.transaction(() =>
      this.sql.insertDeleteJob({ query: text, fromNs: query.fromNs, toNs: query.toNs, nowMs }, ids),
    );
    return this.register(jobId, query, ids, 0);
  }

  /** Recorded deletes that have not finished. */
  unfinishedDeletes(): UnfinishedDelete[] {
    return this.sql.selectDeleteJobs().map(({ pending: _, ...job }) => job);
  }

  resumeDelete(id: number, query: DeleteQuery): BlockDeleteRun {
    const run = [...this.runs].find((r) => r.jobId === id);
    if (!run) throw new Error(`no unfinished delete ${id}`);
    run.resume(query);
    return run;
  }

  rewriteForDelete(block: BlockMeta, hits: (row: Row) => boolean, run: BlockDeleteRun): RewriteCount {
    const { encoded, rows, kept } = this.keptRows(block, (r) => !hits(r));
    const matched = rows - kept;
    const record = () => this.sql.finishPending(run.jobId, block.id, matched);
    if (matched === 0) this.sql.transaction(record);
    else if (kept === 0) this.dropBlocks([block], record);
    else this.replaceBlocks([block], encoded, run, record);
    return { rows, matched };
  }

  private register(
    jobId: number,
    query: DeleteQuery | undefined,
    pending: number[],
    matched: number,
  ): BlockDeleteRun {
    const run = new BlockDeleteRun(jobId, query, pending, matched, {
      sealed: this.sealed,
      rewriter: this,
      budgetRows: this.blockRows,
      closed: this.closed,
      // A recorded delete keeps holding its blocks: it resumes at the next start.
      abandoned: (gone) => {
        if (gone.jobId === 0) this.runs.delete(gone);
      },
      finished: (done) => {
        this.runs.delete(done);
        if (done.jobId === 0) return;
        // The answer says the records are gone: that, and every rewrite before it, survives a power loss.
        this.sql.syncedTransaction(() => this.sql.deleteDeleteJob(done.jobId));
        this.sql.reclaimSpace();
      },
    });
    this.runs.add(run);
    return run;
  }

  /** Blocks some delete under way has still to visit: merges leave them alone. */
  private heldBlocks(): ReadonlySet<number> {
    if (this.runs.size === 0) return NOTHING_HELD;
    const held = new Set<number>();
    for (const r of this.runs) for (const id of r.pending) held.add(id);
    return held;
  }

  applyRetention(policy: RetentionPolicy, nowNs: bigint): number {
    const blocks = this.sealed.blocks;
    const [nowMs] = splitNs(nowNs);
    /** Rows of a service older than this go (-Infinity: kept forever). */
    const cutoff = (service: string): number => {
      const own = policy.perService && Object.hasOwn(policy.perService, service);
      const maxAge = own ? policy.perService![service].maxAgeNs : policy.maxAgeNs;
      return maxAge === undefined ? Number.NEGATIVE_INFINITY : nowMs - Number(maxAge / 1_000_000n);
    };
    const drop = new Set<BlockMeta>();
    const trim: BlockMeta[] = [];
    for (const b of blocks.values()) {
      if (b.services.every((s) => b.maxMs < cutoff(s))) drop.add(b);
      else if (b.services.length > 1 && b.minMs < Math.max(...b.services.map(cutoff))) {
        // A block shared by services with different ages: trim when a service's oldest minute expired.
        const oldest = new Map<string, number>();
        const mc = b.minuteCounts;
        for (let i = 0; i < mc.length; i += 4) {
          const s = b.services[mc[i + 3]];
          if (!oldest.has(s)) oldest.set(s, mc[i] * MS_PER_MINUTE);
        }
        if ([...oldest].some(([s, ms]) => ms < cutoff(s))) trim.push(b);
      }
    }
    let dropped = 0;
    for (const b of trim) {
      const { encoded, rows, kept } = this.keptRows(b, (r) => r.ms >= cutoff(r.service));
      if (kept === rows) continue;
      if (kept === 0) {
        drop.add(b);
        continue;
      }
      dropped += rows - kept;
      this.replaceBlocks([b], encoded);
    }
    if (policy.maxBytes !== undefined) {
      let total = 0;
      for (const b of blocks.values()) if (!drop.has(b)) total += b.storedBytes;
      const oldestFirst = [...blocks.values()].filter((b) => !drop.has(b)).sort((a, b) => a.maxMs - b.maxMs);
      for (const b of oldestFirst) {
        if (total <= policy.maxBytes) break;
        drop.add(b);
        total -= b.storedBytes;
      }
    }
    if (drop.size === 0) {
      if (dropped > 0) this.sql.reclaimSpace();
      return dropped;
    }
    const list = [...drop];
    this.dropBlocks(list);
    // on an idle service no seal's checkpoint follows: the space is returned here (black-box 33)
    this.sql.returnSpaceNow();
    return dropped + list.reduce((n, b) => n + b.rows, 0);
  }
}

const NOTHING_HELD: ReadonlySet<number> = new Set();

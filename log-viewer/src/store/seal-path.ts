// The seal path: open rows become sealed blocks, in the stream's ingest worker when it has one (its
// blocks come back to onSealed() and are committed here), else on this thread. A block that fails for
// its rows is halved until the rows at fault are alone, which are quarantined; a block that fails for
// the disk (isSystemic) keeps its rows open and in the inbox for a later seal. Runs per block, from a
// setImmediate after ingest, the background tick, flush() and worker replies, never per row.
import { type ReportError, runInBackground } from './background-errors.js';
import { blockEnd, type EncodedBlock, encodeColumns, MAX_BLOCK_RAW_BYTES } from './block-codec.js';
import type { BlockDb, BlockMeta } from './block-db.js';
import type { IngestWorkers } from './ingest-workers.js';
import type { OpenBlocks } from './open-blocks.js';
import { isSystemic, type Quarantine } from './quarantine.js';
import type { RowColumns } from './row-columns.js';
import type { SealedBlocks } from './sealed-blocks.js';

/** The store's parts the seal path reads and moves on. */
export interface SealParts {
  sql: BlockDb;
  sealed: SealedBlocks;
  open: OpenBlocks;
  /** The store's seal mark per stream: rows up to it are in blocks or quarantined. */
  sealMarks: Map<string, number>;
  workers: IngestWorkers;
  quarantine: Quarantine;
  report: ReportError;
  blockRows: number;
  maxOpenRows: number;
  /** Whether the store is closed (worker blocks arriving after are not committed). */
  closed: () => boolean;
}

export class SealPath {
  /** Blocks were committed or rows quarantined since the inbox last let segments go. */
  releasePending = false;
  private readonly sql: BlockDb;
  private readonly sealed: SealedBlocks;
  private readonly open: OpenBlocks;
  private readonly sealMarks: Map<string, number>;
  private readonly workers: IngestWorkers;
  private readonly quarantine: Quarantine;
  private readonly report: ReportError;
  private readonly blockRows: number;
  private readonly maxOpenRows: number;
  private readonly closed: () => boolean;

  constructor(parts: SealParts) {
    this.sql = parts.sql;
    this.sealed = parts.sealed;
    this.open = parts.open;
    this.sealMarks = parts.sealMarks;
    this.workers = parts.workers;
    this.quarantine = parts.quarantine;
    this.report = parts.report;
    this.blockRows = parts.blockRows;
    this.maxOpenRows = parts.maxOpenRows;
    this.closed = parts.closed;
  }

  /**
   * Seals whole blocks of streams that have them (blockRows rows, or MAX_BLOCK_RAW_BYTES of text: all
   * of that stream's rows then), then the largest while over maxOpenRows.
   */
  sealFull(): void {
    for (const b of [...this.open.byService.values()]) {
      if (b.count >= this.blockRows) this.requestSeal(b.service, false);
      else if (b.rawBytes >= MAX_BLOCK_RAW_BYTES) this.requestSeal(b.service, true);
    }
    if (this.open.total <= this.maxOpenRows) return;
    if (this.workers.hasWorkers()) {
      // Over the cap: hand the largest blocks to the workers; far over it (workers lagging): seal here.
      if (this.open.total > this.maxOpenRows * 2) {
        for (const s of [...this.open.byService.keys()]) this.seal(s);
      }
      let excess = this.open.total - this.maxOpenRows;
      const bySize = [...this.open.byService.values()].sort((a, b) => b.count - a.count);
      for (const b of bySize) {
        if (excess <= 0) break;
        this.requestSeal(b.service, true);
        excess -= b.count;
      }
      return;
    }
    while (this.open.total > this.maxOpenRows) {
      const b = this.open.largest();
      if (!b) break;
      this.seal(b.service);
    }
  }

  /**
   * Seals a stream's open rows: in its worker when it has one (asynchronously), else now. `all` false
   * seals whole blocks only and leaves the rest open, so size-triggered seals make no small blocks.
   */
  requestSeal(stream: string, all: boolean): void {
    const b = this.open.byService.get(stream);
    if (!b || b.count === 0) return;
    const client = this.workers.sealerOf(stream);
    if (!client) {
      this.seal(stream);
      return;
    }
    if (client.pending.has(stream)) return;
    const n = all ? b.count : b.count - (b.count % this.blockRows);
    if (n === 0) return;
    client.send({ t: 'seal', stream, uptoSeq: this.open.seqAt(b, n - 1), blockRows: this.blockRows });
  }

  /**
   * A worker's blocks: commit them unless the rows were sealed on this thread meanwhile. When they
   * cannot be stored, or the worker could not encode them (an Error), the stream's open rows are
   * sealed here instead, where a block that fails is split until the rows at fault are found and
   * quarantined (seal()).
   */
  onSealed(stream: string, uptoSeq: number, blocks: EncodedBlock[] | Error): void {
    const step = blocks instanceof Error ? 'encoding' : 'storing';
    try {
      if (blocks instanceof Error) throw blocks;
      this.commitSealed(stream, uptoSeq, blocks);
    } catch (err) {
      this.report(err, `${step} blocks in an ingest worker (rows up to seq ${uptoSeq}); sealing here`);
      runInBackground(this.report, 'sealing after a failed worker seal', () => this.seal(stream));
    } finally {
      this.workers.wakeIdle();
    }
  }

  private commitSealed(stream: string, uptoSeq: number, blocks: EncodedBlock[]): void {
    if (this.closed() || uptoSeq <= (this.sealMarks.get(stream) ?? 0)) return;
    if (!this.holdsOpenRows(stream, uptoSeq, blocks)) {
      // The worker's rows and this thread's differ: this thread sealed a part of them meanwhile (a
      // flush() stopped by a full disk: committing would store that part twice), or the worker let
      // rows go whose blocks could not be stored here (committing would move the mark past them).
      this.seal(stream);
      return;
    }
    const metas = this.sql.transaction(() => {
      const out = blocks.map((e) => this.sql.insertBlock(e, 0));
      this.sql.upsertSealMark(stream, uptoSeq);
      return out;
    });
    for (let i = 0; i < metas.length; i++) this.sealed.add(metas[i], blocks[i].bloom);
    this.sealMarks.set(stream, uptoSeq);
    this.open.dropUpTo(stream, uptoSeq);
    this.releasePending = true;
  }

  /** Whether blocks hold exactly this thread's open rows of a stream up to uptoSeq (first seq, count). */
  private holdsOpenRows(stream: string, uptoSeq: number, blocks: EncodedBlock[]): boolean {
    let first = Number.POSITIVE_INFINITY;
    let count = 0;
    const b = this.open.byService.get(stream);
    for (const batch of b?.batches ?? []) {
      const lo = Math.max(batch.seqBase, (b?.sealedUpTo ?? 0) + 1);
      const hi = Math.min(batch.seqBase + batch.count - 1, uptoSeq);
      if (hi < lo) continue;
      first = Math.min(first, lo);
      count += hi - lo + 1;
    }
    let minSeq = Number.POSITIVE_INFINITY;
    let rows = 0;
    for (const e of blocks) {
      minSeq = Math.min(minSeq, e.minSeq);
      rows += e.rows;
    }
    return rows === count && (count === 0 || minSeq === first);
  }

  /**
   * Seals a stream's open rows on this thread, now (as column tables: no Row object per row). Rows
   * that can be neither stored nor quarantined (a full disk) go back to the open block, so they stay
   * in the inbox and a later seal retries them.
   */
  seal(stream: string): void {
    const b = this.open.take(stream);
    if (!b || b.count === 0) return;
    let done = b.sealedUpTo; // rows up to this seq are in blocks or quarantined
    try {
      const rows = this.open.columns(b);
      for (let i = 0, end = 0; i < rows.count; i = end) {
        end = blockEnd(rows, i, rows.count, this.blockRows);
        if (!this.sealRows(stream, rows, i, end)) {
          // A halved block may have stored or quarantined its first rows before the failure: the
          // seal mark says how far (reopening them would store or quarantine them a second time).
          done = Math.max(done, this.sealMarks.get(stream) ?? done);
          break;
        }
        done = rows.seq[end - 1];
      }
    } catch (err) {
      this.report(err, `reading the open rows of a stream to seal them`);
    }
    const lastBatch = b.batches[b.batches.length - 1];
    if (done < lastBatch.seqBase + lastBatch.count - 1) {
      this.open.byService.set(stream, b);
      this.open.total += b.count;
      this.open.dropUpTo(stream, done);
    }
    if (done > b.sealedUpTo) this.workers.sealerOf(stream)?.send({ t: 'drop', stream, uptoSeq: done });
    this.releasePending = true;
  }

  /**
   * Stores rows [from, to) of a table as one block. A block that fails for its rows (not for the
   * disk: isSystemic) is halved until the rows at fault are alone, which are quarantined, so one bad
   * row costs neither the rest of its block nor the inbox's progress. False when rows could be neither
   * stored nor quarantined: the caller keeps them open (rows before them are done, in seq order).
   */
  private sealRows(stream: string, rows: RowColumns, from: number, to: number): boolean {
    const last = rows.seq[to - 1];
    let encoded: EncodedBlock;
    let meta: BlockMeta;
    try {
      encoded = encodeColumns(rows, from, to);
      meta = this.sql.transaction(() => {
        const m = this.sql.insertBlock(encoded, 0);
        this.sql.upsertSealMark(stream, last);
        return m;
      });
    } catch (err) {
      if (isSystemic(err)) {
        this.report(err, `sealing rows up to seq ${last} (kept open and in the inbox, retried later)`);
        return false;
      }
      if (to - from === 1) return this.quarantine.sealRows(stream, rows, from, to, err);
      const mid = (from + to) >>> 1;
      return this.sealRows(stream, rows, from, mid) && this.sealRows(stream, rows, mid, to);
    }
    this.sealed.add(meta, encoded.bloom);
    this.sealMarks.set(stream, last);
    return true;
  }
}

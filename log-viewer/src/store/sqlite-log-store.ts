// The LogStore on SQLite: a durable inbox in front of one open block stream for all services, sealed
// into compressed column blocks with summaries and a bloom filter each; background sealing by age,
// merging of small blocks and retention. All SQL is in block-db.ts.
import type { Db } from '@flowrent/shared/db';
import { Unavailable } from '@flowrent/shared/errors';
import { LEVELS, type LogRecord, type StoredRecord } from '../model.js';
import { type EncodedBlock, encodeBlock, encodeColumns } from './block-codec.js';
import { BlockReader } from './block-reader.js';
import { SectionBuffers } from './block-reader-buffers.js';
import { type BlockMeta, BlockDb, enableIncrementalVacuum } from './block-db.js';
import { bloomMayMatch, tokenHash } from './bloom.js';
import { FieldCollector } from './fields.js';
import { encodeRows, Inbox, type InboxEntry } from './inbox.js';
import { parseBodyRows, summarizeRows } from './body-rows.js';
import { type Parsed, SealClient } from './seal-client.js';
import type {
  BodyIngest,
  BodyIngestResult,
  DeleteQuery,
  FieldInfo,
  HistogramQuery,
  HistogramResult,
  LogStore,
  RecordVisitor,
  RetentionPolicy,
  ScanFilter,
  ScanQuery,
  ScanResult,
  StoreStats,
} from './log-store.js';
import {
  forgetBodyBytes,
  type OpenBatch,
  OpenBlocks,
  parseBatchRows,
  STREAM,
  streamKey,
} from './open-blocks.js';
import { compareRows, type Row, splitNs, toRecord, toRow } from './row.js';
import { type Candidate, RowsBatch, runScan } from './scan.js';
import { ScanCache } from './scan-cache.js';
import { closeSync, fdatasyncSync, fsyncSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RowColumns } from './row-columns.js';

export interface StoreOptions {
  db: Db;
  /** Folder of the inbox segment files. */
  inboxDir: string;
  /** Milliseconds since the epoch. */
  clock: () => number;
  /** Rows per sealed block (default 8192). */
  blockRows?: number;
  /** Seal an open block this long after its first row arrived (default 10 s). */
  sealAgeMs?: number;
  /** Cap on rows held in open blocks across streams (default 32768). */
  maxOpenRows?: number;
  /** Background tick; 0 disables the timer (tests call maintain()). Default 1000 ms. */
  maintenanceIntervalMs?: number;
  /** Applied by the background tick at most every retentionIntervalMs (default 60 s). */
  retention?: RetentionPolicy;
  retentionIntervalMs?: number;
  /** Budget of bloom filters cached in memory (default 32 MB). */
  bloomCacheBytes?: number;
  /** Parse bodies and encode blocks in worker threads (default false; the app turns it on). flush() stays synchronous. */
  sealWorker?: boolean;
  /** Ingest workers when sealWorker is on (default 2), each with its own open block stream. */
  workers?: number;
  /**
   * Where a failed background step (seal, merge, retention, inbox release) is reported; it is never
   * thrown into a timer or worker callback, where it would end the process. Default: stderr.
   */
  onBackgroundError?: (err: Error, what: string) => void;
  /** Folder of rows that could not be stored in a block (default: `quarantine` beside the inbox). */
  quarantineDir?: string;
}

/**
 * SQLite errors of the database or the disk rather than of the rows (full disk, I/O, locks): a block
 * that fails with one is neither split nor quarantined, its rows stay open and in the inbox and the
 * seal is retried by a later tick.
 */
const SYSTEMIC_SQLITE =
  /^SQLITE_(FULL|IOERR|BUSY|LOCKED|NOMEM|READONLY|CANTOPEN|CORRUPT|NOTADB|PROTOCOL|INTERRUPT)/;

/**
 * Writes (flags 'w') or appends ('a') data to dir/file and makes it durable before returning: the
 * file's data, its name (the folder synced, as the inbox does for a new segment) and, when folders
 * had to be made, their names up to the parent of the first one made. The seal mark moves past quarantined rows after
 * this: a name lost in a crash would lose the rows.
 */
function writeDurably(dir: string, file: string, data: string | Uint8Array, flags: 'w' | 'a'): void {
  const made = mkdirSync(dir, { recursive: true });
  const fd = openSync(file, flags);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
  let d = dir;
  syncFolder(d);
  if (made === undefined) return;
  const top = dirname(made);
  while (d !== top && d !== dirname(d)) {
    d = dirname(d);
    syncFolder(d);
  }
}

function syncFolder(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function isSystemic(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && SYSTEMIC_SQLITE.test(code);
}

const MS_PER_MINUTE = 60_000;
/** Default budget of the token filters kept in memory. */
const BLOOM_CACHE_BYTES = 32 * 1024 * 1024;
/** Merged blocks do not span more than this, so time pruning stays sharp. */
const MAX_MERGED_SPAN_MS = 60 * MS_PER_MINUTE;

export class SqliteLogStore implements LogStore {
  private readonly sql: BlockDb;
  private readonly inbox: Inbox;
  private readonly blocks = new Map<number, BlockMeta>();
  private readonly open = new OpenBlocks();
  private readonly sealMarks: Map<string, number>;
  private readonly listeners = new Set<(records: StoredRecord[]) => void>();
  private readonly blooms = new Map<number, Buffer>();
  private bloomBytes = 0;
  /** Needle results per sealed block, so repeated and paged text queries skip decoding. */
  private readonly scanCache = new ScanCache();
  /** Decompression buffers and column arrays reused by the blocks read one after another. */
  private readonly sectionBuffers = new SectionBuffers();
  private nextSeq = 1;
  private timer?: NodeJS.Timeout;
  private lastRetention = 0;
  private releasePending = false;
  private closed = false;
  /** Ingest worker i owns stream i; undefined once it failed (its stream is then sealed here). */
  private readonly sealers: (SealClient | undefined)[] = [];
  private turn = 0;
  private sealScheduled = false;
  private idleWaiters: (() => void)[] = [];
  /** Blocks whose merge failed: left as they are rather than retried every tick. */
  private readonly unmergeable = new Set<number>();
  /** Rows written to the quarantine folder since the start (stats, tests). */
  quarantinedRows = 0;
  readonly blockRows: number;
  private readonly sealAgeMs: number;
  private readonly maxOpenRows: number;

  constructor(private readonly options: StoreOptions) {
    this.blockRows = options.blockRows ?? 8192;
    this.sealAgeMs = options.sealAgeMs ?? 10_000;
    this.maxOpenRows = options.maxOpenRows ?? 32768;
    enableIncrementalVacuum(options.db);
    this.sql = new BlockDb(options.db);
    for (const b of this.sql.selectAllBlocks()) {
      this.blocks.set(b.id, b);
      if (b.maxSeq >= this.nextSeq) this.nextSeq = b.maxSeq + 1;
    }
    this.preloadBlooms();
    this.sealMarks = this.sql.selectSealMarks();
    for (const seq of this.sealMarks.values()) if (seq >= this.nextSeq) this.nextSeq = seq + 1;
    const { inbox, entries } = Inbox.open(options.inboxDir);
    this.inbox = inbox;
    const now = options.clock();
    for (const entry of entries) this.replay(entry, now);
    const workers = options.sealWorker ? (options.workers ?? 2) : 0;
    for (let i = 0; i < workers; i++) {
      this.sealers.push(
        new SealClient(
          (stream, uptoSeq, blocks) => this.onSealed(stream, uptoSeq, blocks),
          () => {
            this.sealers[i] = undefined; // its stream falls back to sealing on the main thread
            this.wakeIdle();
          },
        ),
      );
    }
    for (const b of this.open.byService.values())
      this.sealerOf(b.service)?.send({
        t: 'rows',
        stream: b.service,
        payload: encodeRows(this.open.rows(b)),
      });
    const interval = options.maintenanceIntervalMs ?? 1000;
    if (interval > 0) {
      this.timer = setInterval(() => this.maintain(), interval);
      this.timer.unref();
    }
  }

  /** Puts the unsealed rows of an inbox frame back into their open block. */
  private replay(entry: InboxEntry, now: number): void {
    const stream = streamKey(entry.stream);
    const mark = this.sealMarks.get(stream) ?? 0;
    let rows: Row[];
    if ('rows' in entry) {
      rows = entry.rows;
    } else {
      if (entry.seqBase + entry.count > this.nextSeq) this.nextSeq = entry.seqBase + entry.count;
      if (entry.seqBase + entry.count - 1 <= mark) return;
      try {
        rows = parseBodyRows(entry.kind, entry.body, entry.nowNs, entry.seqBase).rows;
      } catch (err) {
        // Accepted by an older parser, refused by this one (a far-future time before 34fefcb): kept
        // aside rather than failing every start.
        this.quarantineBody(entry.kind, entry.body, entry.seqBase, err);
        return;
      }
    }
    // Per-service marks left by format-2 stores still cover their rows; keep runs of consecutive seqs.
    let run: Row[] = [];
    const flush = () => {
      if (run.length > 0)
        this.open.add(stream, { ...summarizeRows(run), seqBase: run[0].seq, arrivedAt: now, rows: run });
      run = [];
    };
    for (const row of rows) {
      if (row.seq >= this.nextSeq) this.nextSeq = row.seq + 1;
      if (row.seq <= mark || row.seq <= (this.sealMarks.get(row.service) ?? 0)) continue;
      if (run.length > 0 && row.seq !== run[run.length - 1].seq + 1) flush();
      run.push(row);
    }
    flush();
  }

  /** Index of the stream that receives the next batch: the live worker with the fewest bodies in flight. */
  private pickStream(): number {
    let best = -1;
    for (let k = 0; k < this.sealers.length; k++) {
      const i = (this.turn + k) % this.sealers.length;
      const c = this.sealers[i];
      if (c && (best < 0 || c.parsingCount < this.sealers[best]!.parsingCount)) best = i;
    }
    this.turn++;
    return Math.max(best, 0);
  }

  private sealerOf(stream: string): SealClient | undefined {
    if (this.sealers.length === 0) return undefined;
    const index = stream === STREAM ? 0 : Number(stream.slice(STREAM.length));
    return this.sealers[(Number.isInteger(index) ? index : 0) % this.sealers.length];
  }

  append(records: LogRecord[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('log store is closed'));
    if (records.length === 0) return Promise.resolve();
    const rows: Row[] = new Array(records.length);
    for (let i = 0; i < records.length; i++) rows[i] = toRow(records[i], this.nextSeq++);
    const index = this.pickStream();
    const stream = streamKey(index);
    const text = encodeRows(rows);
    const durable = this.inbox.appendRows(index, rows, text);
    this.sealerOf(stream)?.send({ t: 'rows', stream, payload: text });
    const batch: OpenBatch = {
      ...summarizeRows(rows),
      seqBase: rows[0].seq,
      arrivedAt: this.options.clock(),
      rows,
    };
    this.addBatch(stream, batch);
    return this.listeners.size === 0 ? durable : durable.then(() => this.notify(batch));
  }

  async ingestBody(request: BodyIngest): Promise<BodyIngestResult> {
    if (this.closed) throw new Error('log store is closed');
    const { kind, body, nowNs } = request;
    const index = this.pickStream();
    const client = this.sealers[index];
    if (!client) {
      // No worker: parse here; the inbox still keeps the body, not the rows.
      const seqBase = this.nextSeq;
      const parsed = parseBodyRows(kind, body, nowNs, seqBase);
      const n = parsed.rows.length;
      if (n > 0) {
        this.nextSeq += n;
        const { durable } = this.inbox.appendBody(index, { kind, body, seqBase, count: n, nowNs });
        const batch: OpenBatch = {
          ...summarizeRows(parsed.rows),
          seqBase,
          arrivedAt: this.options.clock(),
          rows: parsed.rows,
        };
        this.addBatch(streamKey(index), batch);
        await durable;
        this.notify(batch);
      }
      return { accepted: n, rejected: parsed.rejected, errors: parsed.errors, items: parsed.items };
    }
    const sentBytes = body.byteLength;
    let parsed: Parsed;
    try {
      parsed = await client.parse(kind, body, nowNs);
    } catch (err) {
      if (client.ok || this.closed) throw err;
      // The worker stopped. A body moved to it (detached here, so shorter) went with it and nothing was
      // stored: the client retries.
      if (body.byteLength !== sentBytes) throw new Unavailable('ingest worker stopped; retry the request', 1);
      return this.ingestBody(request); // another worker or this thread parses it
    }
    const bytes = parsed.body ?? body;
    const n = parsed.summary.count;
    if (n === 0)
      return { accepted: 0, rejected: parsed.rejected, errors: parsed.errors, items: parsed.items };
    if (this.closed) throw new Error('log store is closed');
    const stream = streamKey(index);
    const seqBase = this.nextSeq;
    let written: ReturnType<Inbox['appendBody']>;
    try {
      written = this.inbox.appendBody(index, { kind, body: bytes, seqBase, count: n, nowNs });
    } catch (err) {
      client.send({ t: 'abort', id: parsed.id });
      throw err;
    }
    this.nextSeq += n;
    client.send({ t: 'commit', id: parsed.id, stream, seqBase });
    const batch: OpenBatch = {
      ...parsed.summary,
      seqBase,
      arrivedAt: this.options.clock(),
      body: { kind, bytes, read: written.read, nowNs },
    };
    this.addBatch(stream, batch);
    try {
      await written.durable;
      this.notify(batch);
    } finally {
      forgetBodyBytes(batch); // read back from the inbox if this thread needs the rows again
    }
    return { accepted: n, rejected: parsed.rejected, errors: parsed.errors, items: parsed.items };
  }

  private addBatch(stream: string, batch: OpenBatch): void {
    const b = this.open.add(stream, batch);
    if ((b.count >= this.blockRows || this.open.total > this.maxOpenRows) && !this.sealScheduled) {
      this.sealScheduled = true;
      setImmediate(() => this.background('sealing full blocks', () => this.sealFull()));
    }
  }

  /** Hands a durable batch to live-tail listeners (parsing its body here only when someone listens). */
  private notify(batch: OpenBatch): void {
    if (this.listeners.size === 0) return;
    const stored = parseBatchRows(batch).map(toRecord);
    for (const l of this.listeners) l(stored);
  }

  /** Seals whole blocks of streams that have them, then the largest while over maxOpenRows. */
  private sealFull(): void {
    this.sealScheduled = false;
    if (this.closed) return;
    for (const b of [...this.open.byService.values()]) {
      if (b.count >= this.blockRows) this.requestSeal(b.service, false);
    }
    if (this.open.total <= this.maxOpenRows) return;
    if (this.sealers.some((c) => c)) {
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
  private requestSeal(stream: string, all: boolean): void {
    const b = this.open.byService.get(stream);
    if (!b || b.count === 0) return;
    const client = this.sealerOf(stream);
    if (!client) {
      this.seal(stream);
      return;
    }
    if (client.pending.has(stream)) return;
    const n = all ? b.count : b.count - (b.count % this.blockRows);
    if (n === 0) return;
    client.send({ t: 'seal', stream, uptoSeq: this.open.seqAt(b, n - 1), blockRows: this.blockRows });
  }

  /** Ingest workers running (bench, /metrics): fewer than configured means some fell back to this thread. */
  liveWorkers(): number {
    return this.sealers.filter((c) => c?.ok).length;
  }

  /** Resolves once no block is being encoded in a worker (tests, bench). */
  sealsSettled(): Promise<void> {
    if (this.sealers.every((c) => !c || c.pending.size === 0)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private wakeIdle(): void {
    if (this.sealers.every((c) => !c || c.pending.size === 0))
      for (const w of this.idleWaiters.splice(0)) w();
  }

  /**
   * A worker's blocks: commit them unless the rows were sealed on this thread meanwhile. When they
   * cannot be stored, or the worker could not encode them (an Error), the stream's open rows are
   * sealed here instead, where a block that fails is split until the rows at fault are found and
   * quarantined (seal()).
   */
  private onSealed(stream: string, uptoSeq: number, blocks: EncodedBlock[] | Error): void {
    const step = blocks instanceof Error ? 'encoding' : 'storing';
    try {
      if (blocks instanceof Error) throw blocks;
      this.commitSealed(stream, uptoSeq, blocks);
    } catch (err) {
      this.report(err, `${step} blocks in an ingest worker (rows up to seq ${uptoSeq}); sealing here`);
      this.background('sealing after a failed worker seal', () => this.seal(stream));
    } finally {
      this.wakeIdle();
    }
  }

  /** A failed background step, reported instead of thrown. */
  private report(err: unknown, what: string): void {
    const e = err instanceof Error ? err : new Error(String(err));
    if (this.options.onBackgroundError) this.options.onBackgroundError(e, what);
    else console.error(`log store: ${what} failed: ${e.stack ?? e.message}`);
  }

  /** Runs a step of background work (timers, worker replies): a failure is reported, not thrown. */
  private background(what: string, step: () => void): void {
    try {
      step();
    } catch (err) {
      this.report(err, what);
    }
  }

  private commitSealed(stream: string, uptoSeq: number, blocks: EncodedBlock[]): void {
    if (this.closed || uptoSeq <= (this.sealMarks.get(stream) ?? 0)) return;
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
    for (let i = 0; i < metas.length; i++) this.addBlock(metas[i], blocks[i].bloom);
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
  private seal(stream: string): void {
    const b = this.open.take(stream);
    if (!b || b.count === 0) return;
    let done = b.sealedUpTo; // rows up to this seq are in blocks or quarantined
    try {
      const rows = this.open.columns(b);
      for (let i = 0; i < rows.count; i += this.blockRows) {
        const end = Math.min(rows.count, i + this.blockRows);
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
    if (done > b.sealedUpTo) this.sealerOf(stream)?.send({ t: 'drop', stream, uptoSeq: done });
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
      if (to - from === 1) return this.quarantine(stream, rows, from, to, err);
      const mid = (from + to) >>> 1;
      return this.sealRows(stream, rows, from, mid) && this.sealRows(stream, rows, mid, to);
    }
    this.addBlock(meta, encoded.bloom);
    this.sealMarks.set(stream, last);
    return true;
  }

  /** Writes an inbox body that no longer parses to `<quarantineDir>/replay-<seq base>.<kind>`. */
  private quarantineBody(kind: string, body: Uint8Array, seqBase: number, cause: unknown): void {
    const dir = this.quarantineDir();
    const file = join(dir, `replay-${seqBase}.${kind}`);
    writeDurably(dir, file, body, 'w');
    const reason = cause instanceof Error ? cause.message : String(cause);
    this.report(cause, `replaying an inbox body (${reason}); it is kept in ${file}, not searchable`);
  }

  private quarantineDir(): string {
    return this.options.quarantineDir ?? join(dirname(this.options.inboxDir), 'quarantine');
  }

  /**
   * Appends rows the store cannot seal to `<quarantineDir>/seal-<first seq>.ndjson` (one store row
   * as JSON per line, fdatasync'ed), then moves the stream's seal mark past them so the inbox can
   * let them go. They are no longer searchable: the report names the file and the cause.
   */
  private quarantine(stream: string, rows: RowColumns, from: number, to: number, cause: unknown): boolean {
    const first = rows.seq[from];
    const last = rows.seq[to - 1];
    const dir = this.quarantineDir();
    const file = join(dir, `seal-${first}.ndjson`);
    try {
      let text = '';
      for (let i = from; i < to; i++) text += `${JSON.stringify(rows.row(i))}\n`;
      writeDurably(dir, file, text, 'a');
      this.sql.transaction(() => this.sql.upsertSealMark(stream, last));
    } catch (err) {
      this.report(
        err,
        `quarantining rows ${first}..${last} that could not be sealed (kept open and in the inbox)`,
      );
      return false;
    }
    this.sealMarks.set(stream, last);
    this.quarantinedRows += to - from;
    const reason = cause instanceof Error ? cause.message : String(cause);
    this.report(
      cause,
      `sealing rows ${first}..${last} (${reason}); they are kept in ${file}, not searchable`,
    );
    return true;
  }

  /** Background work: seal by age, merge small blocks, retention, inbox release. */
  maintain(): void {
    if (this.closed) return;
    const now = this.options.clock();
    this.background('sealing by age', () => {
      for (const b of [...this.open.byService.values()]) {
        if (now - b.openedAt >= this.sealAgeMs) this.requestSeal(b.service, true);
      }
    });
    this.background('merging small blocks', () => this.mergeSmallBlocks());
    const policy = this.options.retention;
    if (policy && now - this.lastRetention >= (this.options.retentionIntervalMs ?? 60_000)) {
      this.lastRetention = now;
      this.background('retention', () => this.applyRetention(policy, BigInt(now) * 1_000_000n));
    }
    this.background('releasing inbox segments', () => this.releaseInbox());
  }

  private releaseInbox(): void {
    if (!this.releasePending) return;
    // Blocks committed with synchronous=NORMAL are durable once checkpointed; only then drop inbox files.
    if (!this.sql.checkpoint()) return;
    this.releasePending = false;
    this.inbox.release(this.open.lowWaterSeq(this.nextSeq));
  }

  /** Merges runs of small adjacent blocks into one block (one merge per call). */
  mergeSmallBlocks(): boolean {
    // One stream: small blocks of any services (format-2 per-service blocks too) merge together.
    const list: BlockMeta[] = [];
    for (const b of this.blocks.values())
      if (b.rows < this.blockRows / 2 && !this.unmergeable.has(b.id)) list.push(b);
    if (list.length < 2) return false;
    list.sort((a, b) => a.minMs - b.minMs);
    for (let i = 0; i < list.length - 1; i++) {
      const run = [list[i]];
      let rows = list[i].rows;
      for (let j = i + 1; j < list.length; j++) {
        const b = list[j];
        if (rows + b.rows > this.blockRows || b.maxMs - run[0].minMs > MAX_MERGED_SPAN_MS) break;
        run.push(b);
        rows += b.rows;
      }
      if (run.length < 2) continue;
      try {
        this.replaceBlocks(
          run,
          run.flatMap((b) => this.decode(b).allRows()),
        );
      } catch (err) {
        // The blocks stay as they are (the transaction rolled back), searchable, just not merged.
        for (const b of run) this.unmergeable.add(b.id);
        this.report(err, `merging blocks ${run.map((b) => b.id).join(', ')} (left unmerged)`);
      }
      return true;
    }
    return false;
  }

  /** Swaps blocks for new ones holding `rows` in one transaction. */
  private replaceBlocks(old: BlockMeta[], rows: Row[]): void {
    const encoded: EncodedBlock[] = [];
    for (let i = 0; i < rows.length; i += this.blockRows)
      encoded.push(encodeBlock(rows.slice(i, i + this.blockRows)));
    const generation = Math.max(...old.map((b) => b.generation)) + 1;
    const metas = this.sql.transaction(() => {
      for (const b of old) this.sql.deleteBlock(b.id);
      return encoded.map((e) => this.sql.insertBlock(e, generation));
    });
    for (const b of old) this.dropCached(b.id);
    for (let i = 0; i < metas.length; i++) this.addBlock(metas[i], encoded[i].bloom);
  }

  /**
   * A committed block, with a copy of its bloom filter in the cache: the first text query after
   * ingest would otherwise read every block's filter back from SQLite (20-80 ms for 325 blocks).
   */
  private addBlock(meta: BlockMeta, bloom: Uint8Array): void {
    this.blocks.set(meta.id, meta);
    this.cacheBloom(meta.id, Buffer.from(bloom));
  }

  private dropCached(id: number): void {
    this.blocks.delete(id);
    const bloom = this.blooms.get(id);
    if (bloom) {
      this.bloomBytes -= bloom.length;
      this.blooms.delete(id);
    }
  }

  /**
   * A sealed block's reader on the store's reused section buffers: valid until the next decode (every
   * caller, scans, fields, merges, delete and retention, takes a block's rows before reading the next).
   */
  private decode(b: BlockMeta, bloom?: Buffer): BlockReader {
    const data = this.sql.selectData(b.id);
    if (!data) throw new Error(`block ${b.id} has no data`);
    this.sectionBuffers.adopt(data); // freed when the next block is read
    return new BlockReader(data, b.service, this.sectionBuffers, bloom);
  }

  private bloom(id: number): Buffer | undefined {
    let bloom = this.blooms.get(id);
    if (bloom) return bloom;
    bloom = this.sql.selectBloom(id);
    if (bloom) this.cacheBloom(id, bloom);
    return bloom;
  }

  /**
   * The newest blocks' token filters, up to the cache's budget, read at start: a text query's pruning
   * needs every block's filter, and the first query after a start read them one by one (~60 ms of
   * its CPU for 306 blocks in-process, more than its block reads).
   */
  private preloadBlooms(): void {
    const budget = this.options.bloomCacheBytes ?? BLOOM_CACHE_BYTES;
    const kept: [number, Buffer][] = [];
    let bytes = 0;
    for (const b of [...this.blocks.values()].sort((x, y) => y.maxMs - x.maxMs)) {
      const bloom = this.sql.selectBloom(b.id);
      if (!bloom) continue;
      if (bytes + bloom.length > budget) break;
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
    const budget = this.options.bloomCacheBytes ?? BLOOM_CACHE_BYTES;
    while (this.bloomBytes + bloom.length > budget && this.blooms.size > 0) {
      const [oldId, old] = this.blooms.entries().next().value as [number, Buffer];
      this.blooms.delete(oldId);
      this.bloomBytes -= old.length;
    }
    this.blooms.set(id, bloom);
    this.bloomBytes += bloom.length;
  }

  /** Sealed blocks and open blocks that may hold matches of `filter`, by summaries and blooms. */
  private candidates(filter: ScanFilter): Candidate[] {
    const [fromMs] = splitNs(filter.fromNs);
    const [toMs] = splitNs(filter.toNs);
    const services = filter.services ? new Set(filter.services) : undefined;
    const minLevel = filter.minLevel ? LEVELS.indexOf(filter.minLevel) : 0;
    const tokens = filter.requiredTokens ?? [];
    const hashes = tokens.map(tokenHash);
    // Tokens only a trace or span id can hold: the attribute filter is not asked about them.
    const idOnly = filter.idTokens ? tokens.map((t) => filter.idTokens!.includes(t)) : undefined;
    const levelOk = (counts: number[]) => counts.some((n, level) => n > 0 && level >= minLevel);
    const out: Candidate[] = [];
    for (const b of this.blocks.values()) {
      if (b.maxMs < fromMs || b.minMs > toMs) continue;
      if (services && !b.services.some((s) => services.has(s))) continue;
      if (!levelOk(b.levelCounts)) continue;
      out.push({
        minMs: b.minMs,
        maxMs: b.maxMs,
        load: () => {
          let bloom: Buffer | undefined;
          if (hashes.length > 0) {
            bloom = this.bloom(b.id);
            if (bloom && !bloomMayMatch(bloom, hashes, idOnly)) return undefined;
          }
          if (!this.blocks.has(b.id)) return undefined;
          // With the filter, the reader searches a token only in the sections that may hold it.
          return this.scanCache.load(b, filter, () => this.decode(b, bloom));
        },
      });
    }
    for (const b of this.open.byService.values()) {
      if (b.maxMs < fromMs || b.minMs > toMs) continue;
      if (!levelOk(b.levelCounts)) continue; // services are checked per row by the scan
      const snapshot = { batches: b.batches.slice(), sealedUpTo: b.sealedUpTo };
      out.push({
        minMs: b.minMs,
        maxMs: b.maxMs,
        load: () => new RowsBatch(this.open.rows(snapshot).sort(compareRows)),
      });
    }
    return out;
  }

  scan(query: ScanQuery, visit: RecordVisitor): ScanResult {
    return runScan(this.candidates(query), query, visit);
  }

  histogram(query: HistogramQuery): HistogramResult {
    const stepMs = Math.max(
      MS_PER_MINUTE,
      Math.ceil(Number(query.stepNs / 1_000_000n) / MS_PER_MINUTE) * MS_PER_MINUTE,
    );
    const [fromMs] = splitNs(query.fromNs);
    const [toMs] = splitNs(query.toNs);
    const startMs = Math.floor(fromMs / stepMs) * stepMs;
    const n = Math.max(1, Math.ceil((toMs - startMs) / stepMs));
    const counts = Object.fromEntries(
      LEVELS.map((l) => [l, new Array<number>(n).fill(0)]),
    ) as HistogramResult['counts'];
    const minLevel = query.minLevel ? LEVELS.indexOf(query.minLevel) : 0;
    // Summaries are per minute: a minute counts when it overlaps [from, to) (width 60000 ms).
    const add = (ms: number, level: number, count: number, width: number) => {
      if (level < minLevel || ms + width <= fromMs || ms >= toMs) return;
      counts[LEVELS[level]][Math.floor((ms - startMs) / stepMs)] += count;
    };
    const services = query.services ? new Set(query.services) : undefined;
    for (const b of this.blocks.values()) {
      if (b.maxMs < fromMs || b.minMs > toMs || (services && !b.services.some((s) => services.has(s))))
        continue;
      const mc = b.minuteCounts;
      for (let i = 0; i < mc.length; i += 4) {
        if (services && !services.has(b.services[mc[i + 3]])) continue;
        add(mc[i] * MS_PER_MINUTE, mc[i + 1], mc[i + 2], MS_PER_MINUTE);
      }
    }
    for (const b of this.open.byService.values()) {
      for (const r of this.open.rows(b)) if (!services || services.has(r.service)) add(r.ms, r.level, 1, 1);
    }
    return { startNs: BigInt(startMs) * 1_000_000n, stepNs: BigInt(stepMs) * 1_000_000n, counts };
  }

  fields(filter: ScanFilter, options: { maxBlocks?: number; maxValues?: number } = {}): FieldInfo[] {
    const fields = new FieldCollector();
    const cands = this.candidates(filter).sort((a, b) => b.maxMs - a.maxMs);
    for (const c of cands.slice(0, options.maxBlocks ?? 4)) {
      const batch = c.load();
      if (!batch) continue;
      for (let i = 0; i < batch.count; i++) fields.add(batch.row(i));
    }
    return fields.result(options.maxValues ?? 10);
  }

  deleteWhere(query: DeleteQuery): number {
    if (!query.dryRun) this.flush();
    let matched = 0;
    const keep = (row: Row): boolean => {
      const [fromMs, fromSub] = splitNs(query.fromNs);
      const [toMs, toSub] = splitNs(query.toNs);
      const inRange =
        (row.ms > fromMs || (row.ms === fromMs && row.subNs >= fromSub)) &&
        (row.ms < toMs || (row.ms === toMs && row.subNs < toSub));
      const levelOk = !query.minLevel || row.level >= LEVELS.indexOf(query.minLevel);
      const serviceOk = !query.services || query.services.includes(row.service);
      const hit = inRange && levelOk && serviceOk && (!query.predicate || query.predicate(toRecord(row)));
      if (hit) matched++;
      return !hit;
    };
    for (const b of [...this.blocks.values()]) {
      if (!this.blockInScope(b, query)) continue;
      const rows = this.decode(b).allRows();
      const kept = rows.filter(keep);
      if (query.dryRun || kept.length === rows.length) continue;
      if (kept.length === 0) this.dropBlocks([b]);
      else this.replaceBlocks([b], kept);
    }
    if (query.dryRun) {
      for (const b of this.open.byService.values()) for (const r of this.open.rows(b)) keep(r);
    }
    if (!query.dryRun) this.sql.reclaimSpace();
    return matched;
  }

  private blockInScope(b: BlockMeta, f: ScanFilter): boolean {
    const [fromMs] = splitNs(f.fromNs);
    const [toMs] = splitNs(f.toNs);
    if (b.maxMs < fromMs || b.minMs > toMs) return false;
    if (f.services && !b.services.some((s) => f.services!.includes(s))) return false;
    const hashes = (f.requiredTokens ?? []).map(tokenHash);
    if (hashes.length === 0) return true;
    const bloom = this.bloom(b.id);
    return !bloom || bloomMayMatch(bloom, hashes);
  }

  private dropBlocks(list: BlockMeta[]): void {
    this.sql.transaction(() => {
      for (const b of list) this.sql.deleteBlock(b.id);
    });
    for (const b of list) this.dropCached(b.id);
  }

  applyRetention(policy: RetentionPolicy, nowNs: bigint): number {
    const [nowMs] = splitNs(nowNs);
    /** Rows of a service older than this go (-Infinity: kept forever). */
    const cutoff = (service: string): number => {
      const maxAge = policy.perService?.[service]?.maxAgeNs ?? policy.maxAgeNs;
      return maxAge === undefined ? Number.NEGATIVE_INFINITY : nowMs - Number(maxAge / 1_000_000n);
    };
    const drop = new Set<BlockMeta>();
    const trim: BlockMeta[] = [];
    for (const b of this.blocks.values()) {
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
      const rows = this.decode(b).allRows();
      const kept = rows.filter((r) => r.ms >= cutoff(r.service));
      if (kept.length === rows.length) continue;
      if (kept.length === 0) {
        drop.add(b);
        continue;
      }
      dropped += rows.length - kept.length;
      this.replaceBlocks([b], kept);
    }
    if (policy.maxBytes !== undefined) {
      let total = 0;
      for (const b of this.blocks.values()) if (!drop.has(b)) total += b.storedBytes;
      const oldestFirst = [...this.blocks.values()]
        .filter((b) => !drop.has(b))
        .sort((a, b) => a.maxMs - b.maxMs);
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
    this.sql.reclaimSpace();
    return dropped + list.reduce((n, b) => n + b.rows, 0);
  }

  stats(): StoreStats {
    let sealed = 0;
    let raw = 0;
    let stored = 0;
    let oldest = Number.POSITIVE_INFINITY;
    let newest = Number.NEGATIVE_INFINITY;
    const services = new Set<string>();
    for (const b of this.blocks.values()) {
      sealed += b.rows;
      raw += b.rawBytes;
      stored += b.storedBytes;
      oldest = Math.min(oldest, b.minMs);
      newest = Math.max(newest, b.maxMs);
      for (const s of b.services) services.add(s);
    }
    for (const b of this.open.byService.values()) {
      for (const batch of b.batches) {
        // A batch sealed in part counts its open share of the raw bytes.
        const open = batch.seqBase + batch.count - Math.max(batch.seqBase, b.sealedUpTo + 1);
        raw += Math.round((batch.rawBytes * open) / batch.count);
        for (const s of batch.services) services.add(s);
      }
      oldest = Math.min(oldest, b.minMs);
      newest = Math.max(newest, b.maxMs);
    }
    let diskBytes = 0;
    for (const f of [this.options.db.name, `${this.options.db.name}-wal`]) {
      try {
        diskBytes += statSync(f).size;
      } catch {}
    }
    return {
      blocks: this.blocks.size,
      sealedRecords: sealed,
      openRecords: this.open.total,
      rawBytes: raw,
      storedBytes: stored,
      diskBytes,
      oldestNs: Number.isFinite(oldest) ? BigInt(oldest) * 1_000_000n : undefined,
      newestNs: Number.isFinite(newest) ? BigInt(newest) * 1_000_000n : undefined,
      services: [...services].sort(),
    };
  }

  subscribe(listener: (records: StoredRecord[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  flush(): void {
    for (const service of [...this.open.byService.keys()]) this.seal(service);
    this.releaseInbox();
  }

  /**
   * Seals every open row in the ingest workers, as seal-by-age does, and resolves once their blocks
   * are committed; flush() then has nothing (or only what arrived meanwhile) to seal on this thread.
   * A seal here parses the open bodies again and encodes on the main thread: at the end of the 2 M-line
   * bench that raised the server's RSS by ~15 MB (the main heap's young generation).
   */
  async sealOpen(): Promise<void> {
    for (let round = 0; round < 3 && this.open.total > 0 && !this.closed; round++) {
      for (const b of [...this.open.byService.values()])
        if (this.sealerOf(b.service)?.ok) this.requestSeal(b.service, true);
      await this.sealsSettled();
    }
  }

  async close(options: { seal?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    if (this.timer) clearInterval(this.timer);
    if (options.seal !== false) {
      await this.sealOpen();
      this.flush();
    }
    this.closed = true;
    await Promise.all(this.sealers.map((c) => c?.close()));
    // Blocks still awaited from the workers will not come: a sealOpen() running meanwhile returns.
    this.wakeIdle();
    await this.inbox.close();
  }
}

/** The retention settings of config.ts as a policy (0 = no limit). */
export function retentionPolicy(config: {
  LOG_RETENTION: number;
  LOG_RETENTION_MAX_BYTES: number;
  LOG_RETENTION_PER_SERVICE: Record<string, number>;
}): RetentionPolicy {
  const ns = (ms: number) => BigInt(Math.round(ms)) * 1_000_000n;
  return {
    maxAgeNs: config.LOG_RETENTION > 0 ? ns(config.LOG_RETENTION) : undefined,
    maxBytes: config.LOG_RETENTION_MAX_BYTES > 0 ? config.LOG_RETENTION_MAX_BYTES : undefined,
    perService: Object.fromEntries(
      Object.entries(config.LOG_RETENTION_PER_SERVICE).map(([service, ms]) => [
        service,
        { maxAgeNs: ns(ms) },
      ]),
    ),
  };
}

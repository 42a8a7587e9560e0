// The LogStore on SQLite: a durable inbox in front of one open block stream per ingest worker (one for
// all services without workers), sealed into compressed column blocks with summaries and a bloom
// filter each. This class is the composition: it keeps the ingest hot path (append, ingestBody, open
// batches, live tail) and the background tick, and wires the parts that live beside it:
// ingest-workers.ts (the worker pool, one stream each), seal-path.ts (open rows to blocks, in a worker
// or here), quarantine.ts (rows that cannot be sealed), inbox-replay.ts (open rows back at start),
// sealed-blocks.ts (blocks in memory, bloom cache, decoding), block-rewrites.ts (merges, retention,
// deletes), store-reads.ts (candidates, histogram, fields, stats), background-errors.ts (failures of
// timer and worker steps, reported not thrown). All SQL is in block-db.ts.
import type { Db } from '@flowrent/shared/db';
import { Unavailable } from '@flowrent/shared/errors';
import type { AgeCutoff } from '../ingest/age-cutoff.js';
import type { BodyOptions } from '../ingest/body-parsers.js';
import type { LokiHeld } from '../ingest/loki.js';
import type { LogRecord, StoredRecord } from '../model.js';
import { backgroundReporter, type ReportError, runInBackground } from './background-errors.js';
import { MAX_BLOCK_RAW_BYTES } from './block-codec.js';
import { BlockDb, enableIncrementalVacuum } from './block-db.js';
import { BlockRewrites } from './block-rewrites.js';
import { type BlockDeleteRun, countOpenMatches } from './delete-runs.js';
import { encodeRows, Inbox } from './inbox.js';
import { replayInbox } from './inbox-replay.js';
import { parseBodyRows, summarizeRows } from './body-rows.js';
import { IngestWorkers } from './ingest-workers.js';
import { LokiHeads } from './loki-heads.js';
import { SealPath } from './seal-path.js';
import type { Parsed } from './seal-client.js';
import type {
  BodyIngest,
  BodyIngestResult,
  DeleteQuery,
  DeleteRun,
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
  UnfinishedDelete,
} from './log-store.js';
import { forgetBodyBytes, type OpenBatch, OpenBlocks, parseBatchRows, streamKey } from './open-blocks.js';
import { isSystemic, Quarantine } from './quarantine.js';
import { type Row, toRecord, toRow } from './row.js';
import { runScan } from './scan.js';
import { ScanCache } from './scan-cache.js';
import { SealedBlocks } from './sealed-blocks.js';
import { candidates, fields, histogram, type ReadState, storeStats } from './store-reads.js';
import { dirname, join } from 'node:path';

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
   * The ingest workers' JIT warm-up at start (ingest-warm-up.ts; default true). Up to ~1 s of CPU per
   * worker: test helpers turn it off, the app and a few tests keep it.
   */
  warmUpWorkers?: boolean;
  /**
   * Where a failed background step (seal, merge, retention, inbox release) is reported; it is never
   * thrown into a timer or worker callback, where it would end the process. Default: stderr.
   */
  onBackgroundError?: (err: Error, what: string) => void;
  /** Folder of rows that could not be stored in a block (default: `quarantine` beside the inbox). */
  quarantineDir?: string;
}

export class SqliteLogStore implements LogStore {
  private readonly sql: BlockDb;
  private readonly inbox: Inbox;
  /** Sealed blocks in memory: metas, bloom cache, the block decoder. */
  private readonly sealed: SealedBlocks;
  private readonly open = new OpenBlocks();
  private readonly sealMarks: Map<string, number>;
  private readonly listeners = new Set<(records: StoredRecord[]) => void>();
  /** Loki streams' recent entries, for Loki's duplicate rule (loki-heads.ts). */
  private readonly lokiHeads = new LokiHeads();
  /** Needle results per sealed block, so repeated and paged text queries skip decoding. */
  private readonly scanCache = new ScanCache();
  /** What the read side (store-reads.ts) looks at. */
  private readonly reads: ReadState;
  /** Merges, retention and deletes of sealed blocks. */
  private readonly rewrites: BlockRewrites;
  /** Rows that cannot be sealed and inbox bodies that no longer parse, written aside. */
  private readonly quarantine: Quarantine;
  /** A failed background step, reported instead of thrown. */
  private readonly report: ReportError;
  private nextSeq = 1;
  private timer?: NodeJS.Timeout;
  private lastRetention = 0;
  private closed = false;
  /** The ingest workers, one per open block stream (none: everything on this thread). */
  private readonly workers: IngestWorkers;
  /** Open rows to sealed blocks, in the workers or here. */
  private readonly seals: SealPath;
  private sealScheduled = false;
  readonly blockRows: number;
  private readonly sealAgeMs: number;
  private readonly maxOpenRows: number;

  constructor(private readonly options: StoreOptions) {
    this.blockRows = options.blockRows ?? 8192;
    this.sealAgeMs = options.sealAgeMs ?? 10_000;
    this.maxOpenRows = options.maxOpenRows ?? 32768;
    this.report = backgroundReporter(options.onBackgroundError);
    enableIncrementalVacuum(options.db);
    this.sql = new BlockDb(options.db);
    this.sealed = new SealedBlocks(this.sql, options.bloomCacheBytes);
    for (const b of this.sql.selectAllBlocks()) {
      this.sealed.blocks.set(b.id, b);
      if (b.maxSeq >= this.nextSeq) this.nextSeq = b.maxSeq + 1;
    }
    this.sealed.preloadBlooms();
    this.reads = { sealed: this.sealed, open: this.open, scanCache: this.scanCache };
    this.rewrites = new BlockRewrites(this.sql, this.sealed, this.blockRows, this.report, () => this.closed);
    this.sealMarks = this.sql.selectSealMarks();
    for (const seq of this.sealMarks.values()) if (seq >= this.nextSeq) this.nextSeq = seq + 1;
    this.quarantine = new Quarantine(
      options.quarantineDir ?? join(dirname(options.inboxDir), 'quarantine'),
      this.sql,
      this.sealMarks,
      this.report,
    );
    const { inbox, entries } = Inbox.open(options.inboxDir);
    this.inbox = inbox;
    this.nextSeq = replayInbox(
      entries,
      options.clock(),
      { open: this.open, sealMarks: this.sealMarks, quarantine: this.quarantine },
      this.nextSeq,
    );
    this.workers = new IngestWorkers(
      options.sealWorker ? (options.workers ?? 2) : 0,
      (stream, uptoSeq, blocks) => this.seals.onSealed(stream, uptoSeq, blocks),
      options.warmUpWorkers ?? true,
    );
    this.seals = new SealPath({
      sql: this.sql,
      sealed: this.sealed,
      open: this.open,
      sealMarks: this.sealMarks,
      workers: this.workers,
      quarantine: this.quarantine,
      report: this.report,
      blockRows: this.blockRows,
      maxOpenRows: this.maxOpenRows,
      closed: () => this.closed,
    });
    for (const b of this.open.byService.values())
      this.workers.sealerOf(b.service)?.send({
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

  append(records: LogRecord[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('log store is closed'));
    if (records.length === 0) return Promise.resolve();
    const rows: Row[] = new Array(records.length);
    for (let i = 0; i < records.length; i++) rows[i] = toRow(records[i], this.nextSeq++);
    const index = this.workers.pickStream();
    const stream = streamKey(index);
    const text = encodeRows(rows);
    const durable = this.inbox.appendRows(index, rows, text);
    this.workers.sealerOf(stream)?.send({ t: 'rows', stream, payload: text });
    const batch: OpenBatch = {
      ...summarizeRows(rows),
      seqBase: rows[0].seq,
      arrivedAt: this.options.clock(),
      rows,
    };
    this.addBatch(stream, batch);
    return this.listeners.size === 0 ? durable : durable.then(() => this.notify(batch));
  }

  /**
   * `lokiHeld`: set on a second parse of a Loki push some of whose entries its streams' windows
   * already held (loki-heads.ts): the parser then drops them, and the inbox frame keeps the marks so a
   * replay parses the same. The first parse costs nothing more unless a push repeats stored entries.
   */
  async ingestBody(request: BodyIngest, lokiHeld?: LokiHeld): Promise<BodyIngestResult> {
    if (this.closed) throw new Error('log store is closed');
    const { kind, body, nowNs } = request;
    const cutoff = this.options.retention && ageCutoff(this.options.retention, nowNs);
    const options: BodyOptions = { index: request.index, cutoff, lokiHeld };
    /** What the inbox frame keeps: the cut-off only when it refused records (else a parse without it is the same). */
    const frameOptions = (rejected: number): BodyOptions | undefined =>
      request.index || (cutoff && rejected > 0) || lokiHeld
        ? { index: request.index, cutoff: rejected > 0 ? cutoff : undefined, lokiHeld }
        : undefined;
    const index = this.workers.pickStream();
    const client = this.workers.at(index);
    if (!client) {
      // No worker: parse here; the inbox still keeps the body, not the rows.
      const seqBase = this.nextSeq;
      const parsed = parseBodyRows(kind, body, nowNs, seqBase, options);
      const repeated = lokiHeld ? undefined : this.lokiHeads.held(parsed.lokiStreams);
      if (repeated) return this.ingestBody(request, repeated);
      const n = parsed.rows.length;
      if (n > 0) {
        this.nextSeq += n;
        const { durable } = this.inbox.appendBody(index, {
          kind,
          body,
          seqBase,
          count: n,
          nowNs,
          options: frameOptions(parsed.rejected),
        });
        // only once the inbox took the body: a push it refused (a full disk) is not a duplicate of its retry
        this.lokiHeads.remember(parsed.lokiStreams);
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
      parsed = await client.parse(kind, body, nowNs, options);
    } catch (err) {
      if (client.ok || this.closed) throw err;
      // The worker stopped. A body moved to it (detached here, so shorter) went with it and nothing was
      // stored: the client retries.
      if (body.byteLength !== sentBytes) throw new Unavailable('ingest worker stopped; retry the request', 1);
      return this.ingestBody(request); // another worker or this thread parses it
    }
    const bytes = parsed.body ?? body;
    const n = parsed.summary.count;
    const repeated = lokiHeld ? undefined : this.lokiHeads.held(parsed.lokiStreams);
    if (repeated) {
      if (n > 0) client.send({ t: 'abort', id: parsed.id });
      return this.ingestBody({ ...request, body: bytes }, repeated);
    }
    if (n === 0)
      return { accepted: 0, rejected: parsed.rejected, errors: parsed.errors, items: parsed.items };
    if (this.closed) throw new Error('log store is closed');
    const stream = streamKey(index);
    const seqBase = this.nextSeq;
    const kept = frameOptions(parsed.rejected);
    let written: ReturnType<Inbox['appendBody']>;
    try {
      written = this.inbox.appendBody(index, { kind, body: bytes, seqBase, count: n, nowNs, options: kept });
    } catch (err) {
      client.send({ t: 'abort', id: parsed.id });
      throw err;
    }
    this.lokiHeads.remember(parsed.lokiStreams);
    this.nextSeq += n;
    client.send({ t: 'commit', id: parsed.id, stream, seqBase });
    const batch: OpenBatch = {
      ...parsed.summary,
      seqBase,
      arrivedAt: this.options.clock(),
      body: { kind, bytes, read: written.read, nowNs, options: kept },
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
    const full = b.count >= this.blockRows || b.rawBytes >= MAX_BLOCK_RAW_BYTES;
    if ((full || this.open.total > this.maxOpenRows) && !this.sealScheduled) {
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

  /** Seals full blocks (scheduled by addBatch once per burst of batches). */
  private sealFull(): void {
    this.sealScheduled = false;
    if (this.closed) return;
    this.seals.sealFull();
  }

  /** Ingest workers running (bench, /metrics): fewer than configured means some fell back to this thread. */
  liveWorkers(): number {
    return this.workers.live();
  }

  /** Resolves once no block is being encoded in a worker (tests, bench). */
  sealsSettled(): Promise<void> {
    return this.workers.settled();
  }

  /** Runs a step of background work (timers, worker replies): a failure is reported, not thrown. */
  private background(what: string, step: () => void): void {
    runInBackground(this.report, what, step);
  }

  /** Background work: seal by age, merge small blocks, retention, inbox release. */
  maintain(): void {
    if (this.closed) return;
    const now = this.options.clock();
    this.background('sealing by age', () => {
      for (const b of [...this.open.byService.values()]) {
        if (now - b.openedAt >= this.sealAgeMs) this.seals.requestSeal(b.service, true);
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
    if (!this.seals.releasePending) return;
    // Blocks committed with synchronous=NORMAL are durable once checkpointed; only then drop inbox files.
    if (!this.sql.checkpoint()) return;
    this.seals.releasePending = false;
    this.inbox.release(this.open.lowWaterSeq(this.nextSeq));
  }

  /** Merges runs of small adjacent blocks into one block (one merge per call). */
  mergeSmallBlocks(): boolean {
    return this.rewrites.mergeSmallBlocks();
  }

  scan(query: ScanQuery, visit: RecordVisitor): ScanResult {
    return runScan(candidates(this.reads, query), query, visit);
  }

  histogram(query: HistogramQuery): HistogramResult {
    return histogram(this.reads, query);
  }

  fields(filter: ScanFilter, options: { maxBlocks?: number; maxValues?: number } = {}): FieldInfo[] {
    return fields(this.reads, filter, options);
  }

  /**
   * Seals the open rows first (a delete rewrites sealed blocks only). When rows it would take stay
   * open (the disk is full), or a rewrite fails for the disk, the answer is a 503 to retry, not a
   * 500 nor a count that leaves matches behind; the delete stays recorded and resumes at the next start.
   */
  startDelete(query: DeleteQuery & { text: string }): DeleteRun {
    const now = this.options.clock();
    if (query.dryRun)
      return this.unavailableOnDisk(this.rewrites.startDelete(query, query.text, this.open, now));
    this.flush();
    if (countOpenMatches(query, this.open) > 0)
      throw new Unavailable(
        'matching records could not be sealed (see the log); nothing was deleted: retry',
        5,
      );
    return this.unavailableOnDisk(
      writeOrUnavailable(() => this.rewrites.startDelete(query, query.text, this.open, now)),
    );
  }

  unfinishedDeletes(): UnfinishedDelete[] {
    return this.rewrites.unfinishedDeletes();
  }

  resumeDelete(id: number, query: DeleteQuery): DeleteRun {
    return this.unavailableOnDisk(this.rewrites.resumeDelete(id, query));
  }

  /** A run whose steps answer 503 when the store cannot write, or is closed. */
  private unavailableOnDisk(run: BlockDeleteRun): DeleteRun {
    return {
      abandon: () => run.abandon(),
      get matched() {
        return run.matched;
      },
      step: () => {
        if (this.closed)
          throw new Unavailable('the log store is closing; a delete resumes at the next start', 5);
        return writeOrUnavailable(() => run.step());
      },
    };
  }

  applyRetention(policy: RetentionPolicy, nowNs: bigint): number {
    return this.rewrites.applyRetention(policy, nowNs);
  }

  stats(): StoreStats {
    return storeStats(this.reads, this.options.db.name);
  }

  /** Rows written to the quarantine folder since the start (stats, tests). */
  get quarantinedRows(): number {
    return this.quarantine.rows;
  }

  subscribe(listener: (records: StoredRecord[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  flush(): void {
    for (const service of [...this.open.byService.keys()]) this.seals.seal(service);
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
        if (this.workers.sealerOf(b.service)?.ok) this.seals.requestSeal(b.service, true);
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
    await this.workers.close();
    // Blocks still awaited from the workers will not come: a sealOpen() running meanwhile returns.
    this.workers.wakeIdle();
    // A clean close that sealed everything leaves an empty inbox (once the blocks are checkpointed):
    // an older version can start on it even if it cannot read a frame type written since.
    const sealed = options.seal !== false && this.sql.checkpoint();
    await this.inbox.close(sealed ? this.open.lowWaterSeq(this.nextSeq) : undefined);
  }
}

/** Runs a write; a failure of the disk (full, read-only) is a 503 to retry. */
function writeOrUnavailable<T>(write: () => T): T {
  try {
    return write();
  } catch (err) {
    if (!isSystemic(err)) throw err;
    throw new Unavailable(`the store cannot write (${(err as Error).message}); retry the delete`, 5);
  }
}

/**
 * The age cut-off of a request observed at nowNs under a retention policy (undefined: no age limit):
 * records older are refused at ingest instead of being dropped by the next retention pass.
 */
export function ageCutoff(policy: RetentionPolicy, nowNs: bigint): AgeCutoff | undefined {
  const nowMs = Number(nowNs / 1_000_000n);
  const min = (age: bigint | undefined) => (age === undefined ? undefined : nowMs - Number(age / 1_000_000n));
  const services = Object.entries(policy.perService ?? {});
  if (policy.maxAgeNs === undefined && services.length === 0) return undefined;
  return {
    minMs: min(policy.maxAgeNs),
    ...(services.length > 0
      ? { services: Object.fromEntries(services.map(([s, p]) => [s, min(p.maxAgeNs) ?? null])) }
      : {}),
  };
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
        { maxAgeNs: ms > 0 ? ns(ms) : undefined }, // 0 keeps the service forever, as LOG_RETENTION=0
      ]),
    ),
  };
}

// The main thread's handle on the store worker (store/store-worker-thread.ts): WAL checkpoints of
// errors.db and of the inbox file run there with SQLite's automatic checkpoints off on the main
// thread's connections, and digest batches run there on request, so neither the checkpoint fsyncs
// nor the grouping transactions take the main thread's time. Inbox appends do not wait for a
// batch: they write the inbox file, the batch holds errors.db's lock (store/inbox.ts).
import { once } from 'node:events';
import type { Db } from '@flowrent/shared/db';
import type { StoreWorkerReply, StoreWorkerRequest } from '../store/store-worker-thread.js';
import { spawnWorker } from './spawn-worker.js';

const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;
// Page caches: the worker's connection does the digest's reads (issues, groupings, indexes), the
// main one then only appends and serves the API. A batch of 200 bench events dirties ~850 pages
// (events, the random event_id and trace_id indexes, issue_tags) that stay in the cache until the
// commit: with 2 MB (500 pages) the clean index pages the next events need are evicted and read
// again through the WAL index. 8 MB: the digest's CPU per event 10-12 % lower than 2 MB on a
// database of 15-60k events (/tmp digest A/B in one process, README ninth session), 16 MB no better.
// The main connection keeps 2 MB: every MB counts toward the RSS goal.
const WORKER_CACHE_KB = 8000;
const MAIN_CACHE_KB = 2000;
/** The worker thread's nice value (store/store-worker-thread.ts lowerPriority). Its digest batches
 * take ~30 ms of CPU each (200 events) and the accept path's requests wait on the main thread, the
 * ingest worker and the clients: on two cores a batch that takes one of them stretches every
 * request's hand-offs meanwhile. At a lower priority the batches run on the cores those threads
 * leave idle, and still get a share when they do not (weight 110 against 1024 at nice 10). */
const WORKER_NICE = 10;

export interface DigestCounts {
  /** Inbox entries consumed (events, duplicates included, and counter rows). */
  entries: number;
  /** Events consumed, duplicates included. */
  events: number;
  /** Events stored into issues (not duplicates). */
  grouped: number;
  /** The last inbox id digested (the inbox may be trimmed up to it). */
  digestedThrough: number;
}

/** Appends to the inbox file that can wait a moment (service/group-commit.ts). */
export interface InboxWrites {
  hold(): void;
  release(): void;
}

export class StoreWorker {
  private worker: ReturnType<typeof spawnWorker> | null = null;
  private inFlight: {
    resolve: (c: DigestCounts) => void;
    reject: (e: Error) => void;
    done: Promise<unknown>;
  } | null = null;
  /** The main connection's cache_size before start(), restored by stop(). */
  private mainCacheSize: number | null = null;

  /** Whether inboxWrites is held for a finishing checkpoint. */
  private inboxHeld = false;
  /** The worker checkpointed the inbox while a digest batch was out: finish after the batch. */
  private finishAfterBatch = false;

  /** `db`: errors.db; `inboxDb`: the inbox file (store/inbox.ts), both the main thread's;
   * `inboxWrites`: what appends to the inbox (the accept path's group commit), held while the
   * worker finishes a checkpoint of it; without it the inbox's WAL restarts only when appends
   * pause. */
  constructor(
    private readonly db: Db,
    private readonly inboxDb: Db,
    private readonly inboxWrites?: InboxWrites,
  ) {}

  get running(): boolean {
    return this.worker !== null;
  }

  /** `onFailure`: the worker died (its batch, if any, was rolled back); the caller falls back.
   * `nice`: the worker thread's nice value (0 keeps the process's). */
  start(checkpointIntervalMs: number, onFailure?: (err: Error) => void, nice = WORKER_NICE): void {
    if (this.worker || this.db.name === ':memory:') return;
    const worker = spawnWorker('../store/store-worker-thread', {
      workerData: {
        file: this.db.name,
        inboxFile: this.inboxDb.name,
        intervalMs: checkpointIntervalMs,
        cacheKb: WORKER_CACHE_KB,
        nice,
      },
      resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 64 },
    });
    worker.on('message', (msg: StoreWorkerReply) => {
      if (msg.type === 'inbox-checkpointed') return this.finishInboxCheckpoint(worker);
      if (msg.type === 'inbox-checkpoint-finished') return this.releaseInboxWrites();
      const p = this.settle();
      if (msg.type === 'digested') {
        const { entries, events, grouped, digestedThrough } = msg;
        p?.resolve({ entries, events, grouped, digestedThrough });
      } else p?.reject(new Error(`digest failed in the store worker: ${msg.message}`));
    });
    const fail = (err: Error) => {
      if (this.worker !== worker) return;
      this.worker = null;
      this.settle()?.reject(err);
      this.finishAfterBatch = false;
      this.releaseInboxWrites();
      this.restoreMainConnection();
      onFailure?.(err);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`store worker exited with code ${code}`)));
    worker.unref();
    this.worker = worker;
    this.db.pragma('wal_autocheckpoint = 0');
    this.inboxDb.pragma('wal_autocheckpoint = 0');
    this.mainCacheSize = Number(this.db.pragma('cache_size', { simple: true }));
    this.db.pragma(`cache_size = -${MAIN_CACHE_KB}`);
  }

  /** Runs one digest batch on the worker's connection. One batch at a time. */
  digest(limit: number, nowMs: number): Promise<DigestCounts> {
    const worker = this.worker;
    if (!worker) return Promise.reject(new Error('store worker is not running'));
    if (this.inFlight) return Promise.reject(new Error('a digest batch is already running'));
    let resolve!: (c: DigestCounts) => void;
    let reject!: (e: Error) => void;
    const done = new Promise<DigestCounts>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // with a backlog the next batch goes out as soon as the last is back, so the worker's report
    // of an inbox checkpoint finds one out nearly every time: the checkpoint is finished before
    // this batch (after the caller trimmed the inbox), else the WAL never restarts
    if (this.finishAfterBatch) this.holdForCheckpoint(worker);
    this.inFlight = { resolve, reject, done: done.catch(() => {}) };
    // an idle worker does not keep the process alive; one with a batch to answer does
    worker.ref();
    worker.postMessage({ type: 'digest', limit, nowMs } satisfies StoreWorkerRequest);
    return done;
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    // let a running batch commit before the worker closes its connection
    await this.inFlight?.done;
    this.worker = null;
    worker.postMessage({ type: 'stop' } satisfies StoreWorkerRequest);
    await Promise.race([once(worker, 'exit'), new Promise((r) => setTimeout(r, 1000))]);
    await worker.terminate();
    this.releaseInboxWrites();
    this.restoreMainConnection();
  }

  /**
   * After the worker's checkpoint of the inbox: appends that arrived while it ran keep the WAL from
   * restarting (store/inbox.ts finishInboxCheckpoint), so appends wait while the worker copies
   * those few frames, then the next append restarts it. Done on the worker rather than here
   * because it syncs two files: up to 90 ms on this machine's disk when others use it, which would
   * block the event loop; held commits only delay the requests that reach them meanwhile. While a
   * digest batch is out it is done before the next batch (digest()): the worker would run the
   * batch first, and commits would wait for all of it.
   */
  private finishInboxCheckpoint(worker: ReturnType<typeof spawnWorker>): void {
    if (this.worker !== worker) return;
    if (this.inFlight) this.finishAfterBatch = true;
    else this.holdForCheckpoint(worker);
  }

  private holdForCheckpoint(worker: ReturnType<typeof spawnWorker>): void {
    this.finishAfterBatch = false;
    if (!this.inboxWrites || this.inboxHeld) return;
    this.inboxHeld = true;
    this.inboxWrites.hold();
    worker.postMessage({ type: 'finish-inbox-checkpoint' } satisfies StoreWorkerRequest);
  }

  private releaseInboxWrites(): void {
    if (!this.inboxHeld) return;
    this.inboxHeld = false;
    this.inboxWrites?.release();
  }

  private settle() {
    const p = this.inFlight;
    this.inFlight = null;
    this.worker?.unref();
    return p;
  }

  private restoreMainConnection(): void {
    if (this.inboxDb.open) this.inboxDb.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
    if (!this.db.open) return;
    this.db.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
    if (this.mainCacheSize !== null) this.db.pragma(`cache_size = ${this.mainCacheSize}`);
    this.mainCacheSize = null;
  }
}

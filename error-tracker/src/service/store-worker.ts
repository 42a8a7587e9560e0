// The main thread's handle on the store worker (store/store-worker-thread.ts): WAL checkpoints
// run there with SQLite's automatic checkpoints off on the main connection, and digest batches run
// there on request, so neither the checkpoint fsyncs nor the grouping transactions take the main
// thread's time. While a batch runs, `busy()` tells the inbox appends to wait for it (a few ms)
// instead of sleeping in SQLite's busy handler on the main thread.
import { once } from 'node:events';
import type { Db } from '@flowrent/shared/db';
import type { StoreWorkerReply, StoreWorkerRequest } from '../store/store-worker-thread.js';
import { spawnWorker } from './spawn-worker.js';

const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;
// Page caches: the worker's connection does the digest's reads (issues, groupings, indexes), the
// main one then only appends and serves the API. 2 MB each: 2, 4 and 8 MB gave the same digest
// CPU in bench/hot-path.bench.ts (within its spread), and every MB counts toward the RSS goal.
const WORKER_CACHE_KB = 2000;
const MAIN_CACHE_KB = 2000;

export interface DigestCounts {
  /** Inbox entries consumed, duplicates included. */
  count: number;
  /** Events stored into issues (not duplicates). */
  grouped: number;
}

export class StoreWorker {
  private worker: ReturnType<typeof spawnWorker> | null = null;
  private inFlight: {
    resolve: (c: DigestCounts) => void;
    reject: (e: Error) => void;
    done: Promise<unknown>;
  } | null = null;
  private waiters: (() => void)[] = [];
  /** The main connection's cache_size before start(), restored by stop(). */
  private mainCacheSize: number | null = null;

  constructor(private readonly db: Db) {}

  get running(): boolean {
    return this.worker !== null;
  }

  /** `onFailure`: the worker died (its batch, if any, was rolled back); the caller falls back. */
  start(checkpointIntervalMs: number, onFailure?: (err: Error) => void): void {
    if (this.worker || this.db.name === ':memory:') return;
    const worker = spawnWorker('../store/store-worker-thread', {
      workerData: { file: this.db.name, intervalMs: checkpointIntervalMs, cacheKb: WORKER_CACHE_KB },
      resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 64 },
    });
    worker.on('message', (msg: StoreWorkerReply) => {
      const p = this.settle();
      if (msg.type === 'digested') p?.resolve({ count: msg.count, grouped: msg.grouped });
      else p?.reject(new Error(`digest failed in the store worker: ${msg.message}`));
    });
    const fail = (err: Error) => {
      if (this.worker !== worker) return;
      this.worker = null;
      this.settle()?.reject(err);
      this.restoreMainConnection();
      onFailure?.(err);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`store worker exited with code ${code}`)));
    worker.unref();
    this.worker = worker;
    this.db.pragma('wal_autocheckpoint = 0');
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
    this.inFlight = { resolve, reject, done: done.catch(() => {}) };
    // an idle worker does not keep the process alive; one with a batch to answer does
    worker.ref();
    worker.postMessage({ type: 'digest', limit, nowMs } satisfies StoreWorkerRequest);
    return done;
  }

  /** True while a digest batch holds (or is about to hold) the write lock. */
  busy(): boolean {
    return this.inFlight !== null;
  }

  /** Calls `fn` once no batch is running (at once if none is). */
  whenIdle(fn: () => void): void {
    if (this.inFlight) this.waiters.push(fn);
    else fn();
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
    this.restoreMainConnection();
  }

  private settle() {
    const p = this.inFlight;
    this.inFlight = null;
    this.worker?.unref();
    const waiters = this.waiters;
    this.waiters = [];
    // the reply is handled first, then the waiting appends go
    queueMicrotask(() => {
      for (const w of waiters) w();
    });
    return p;
  }

  private restoreMainConnection(): void {
    if (!this.db.open) return;
    this.db.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
    if (this.mainCacheSize !== null) this.db.pragma(`cache_size = ${this.mainCacheSize}`);
    this.mainCacheSize = null;
  }
}

// The background grouping loop: drains the inbox in batches, each its own short transaction.
// Batches run on the store worker's connection when one is attached (runOn), else on the main
// thread, yielding to the event loop between batches so accepting stays fast. After each batch
// the main thread, the inbox file's only writer, removes the entries it consumed. Tests call drain().
import type { ErrorStore } from '../store/store.js';
import type { DigestCounts } from './store-worker.js';

// How long a partial batch waits for more. Appends do not wait for a batch (the inbox has its own
// file), so waiting longer only delays grouping: at 2,000 events/s 20 ms gave batches of ~50,
// 100 ms fills DIGEST_BATCH (store worker 0.144-0.149 vs 0.156-0.159 CPU-ms per event, bench)
const PARTIAL_BATCH_DELAY_MS = 100;

export interface DigesterOptions {
  batchSize: number;
  clock: () => number;
  /** Events stored into issues by a batch (duplicates not counted). */
  onGrouped?: (n: number) => void;
  /** A batch that failed in the background (it is retried on the next run). */
  onError?: (err: unknown) => void;
}

/** Where background batches run instead of the main thread (service/store-worker.ts). */
export interface RemoteDigest {
  digest(limit: number, nowMs: number): Promise<DigestCounts>;
}

export class Digester {
  private scheduled = false;
  private stopped = false;
  /** Background runs happen only after start(); tests drive drain() themselves. */
  private started = false;
  private timer: NodeJS.Timeout | null = null;
  private soon: NodeJS.Timeout | null = null;
  private remote: RemoteDigest | null = null;
  private waiting: number;
  /** Events accepted since the batch in flight (or the last one) read the inbox. */
  private addedSinceRead = 0;

  constructor(
    private readonly store: ErrorStore,
    private readonly options: DigesterOptions,
  ) {
    this.waiting = store.pendingCount();
  }

  /** Events in the inbox, not yet grouped. */
  pending(): number {
    return this.waiting;
  }

  /** Called after `n` events were appended to the inbox. */
  added(n: number): void {
    this.waiting += n;
    this.addedSinceRead += n;
    this.schedule();
  }

  /** Groups everything pending now, synchronously, on the main connection. */
  drain(): void {
    while (this.step() >= this.options.batchSize);
  }

  /** One batch on the main connection; returns the inbox entries consumed. */
  step(): number {
    this.addedSinceRead = 0;
    const { entries, outcomes, digestedThrough } = this.store.digest(
      this.options.batchSize,
      this.options.clock(),
    );
    let grouped = 0;
    for (const o of outcomes) if (!o.duplicate) grouped++;
    this.counted({ entries, events: outcomes.length, grouped, digestedThrough });
    return entries;
  }

  /** Background batches run on `remote` from now on. */
  runOn(remote: RemoteDigest | null): void {
    this.remote = remote;
  }

  /** Asks for a background run now (coalesced). */
  kick(): void {
    if (this.scheduled || this.stopped || !this.started) return;
    this.scheduled = true;
    this.cancelSoon();
    setImmediate(() => this.runInBackground());
  }

  start(intervalMs: number): void {
    this.started = true;
    this.timer = setInterval(() => this.kick(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.cancelSoon();
  }

  private counted({ entries, events, grouped, digestedThrough }: DigestCounts): void {
    if (entries > 0) this.store.trimInbox(digestedThrough);
    // A short batch emptied the inbox as it was when read: what waits now was accepted since (some
    // of it may have been in the batch already; the next, empty batch then says so). Not 0: events
    // accepted while a batch ran on the store worker were reported as grouped and got no batch
    // until the next interval tick. A full batch leaves an estimate (an event can be read before
    // its request calls added()), corrected by the next short one.
    this.waiting =
      entries < this.options.batchSize ? this.addedSinceRead : Math.max(0, this.waiting - events);
    if (grouped > 0) this.options.onGrouped?.(grouped);
  }

  /** A full batch is grouped right away; a partial one waits a little for more, since each
   * transaction's commit costs about as much as grouping a handful of events. */
  private schedule(): void {
    if (this.waiting >= this.options.batchSize) this.kick();
    else if (this.waiting > 0) this.kickSoon();
  }

  private kickSoon(): void {
    if (this.scheduled || this.soon || this.stopped || !this.started) return;
    this.soon = setTimeout(() => {
      this.soon = null;
      this.kick();
    }, PARTIAL_BATCH_DELAY_MS);
  }

  private cancelSoon(): void {
    if (this.soon) clearTimeout(this.soon);
    this.soon = null;
  }

  private runInBackground(): void {
    if (this.stopped) {
      this.scheduled = false;
      return;
    }
    if (this.remote) {
      // `scheduled` stays set until the batch is back: one batch at a time
      this.addedSinceRead = 0;
      this.remote.digest(this.options.batchSize, this.options.clock()).then(
        (counts) => {
          this.scheduled = false;
          try {
            this.counted(counts);
          } catch (err) {
            // the trim failed: the entries stay until the next batch's trim (they are skipped)
            this.options.onError?.(err);
          }
          if (counts.entries >= this.options.batchSize) this.kick();
          else this.schedule();
        },
        (err) => {
          this.scheduled = false;
          this.options.onError?.(err);
        },
      );
      return;
    }
    let n = 0;
    try {
      n = this.step();
    } catch (err) {
      // as on the worker: logged and retried on the next run (thrown out of setImmediate, it ended
      // the process; an entry that can never apply is quarantined by the digest itself)
      this.options.onError?.(err);
    } finally {
      this.scheduled = false;
    }
    if (n >= this.options.batchSize) this.kick();
  }
}

// The background grouping loop: drains the inbox in batches, each its own short transaction, and
// yields to the event loop between batches so accepting stays fast. Tests call drain().
import type { DigestOutcome, ErrorStore } from '../store/store.js';

const PARTIAL_BATCH_DELAY_MS = 20;

export interface DigesterOptions {
  batchSize: number;
  clock: () => number;
  onOutcomes?: (outcomes: DigestOutcome[]) => void;
}

export class Digester {
  private scheduled = false;
  private stopped = false;
  /** Background runs happen only after start(); tests drive drain() themselves. */
  private started = false;
  private timer: NodeJS.Timeout | null = null;
  private soon: NodeJS.Timeout | null = null;
  private waiting: number;
  digested = 0;

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
    // a full batch is grouped right away; a partial one waits a little for more, since each
    // transaction's commit costs about as much as grouping a handful of events
    if (this.waiting >= this.options.batchSize) this.kick();
    else this.kickSoon();
  }

  /** Groups everything pending now, synchronously. */
  drain(): DigestOutcome[] {
    const all: DigestOutcome[] = [];
    for (;;) {
      const batch = this.step();
      all.push(...batch);
      if (batch.length < this.options.batchSize) return all;
    }
  }

  /** One batch. */
  step(): DigestOutcome[] {
    const outcomes = this.store.digest(this.options.batchSize, this.options.clock());
    this.digested += outcomes.length;
    this.waiting = outcomes.length < this.options.batchSize ? 0 : Math.max(0, this.waiting - outcomes.length);
    if (outcomes.length > 0) this.options.onOutcomes?.(outcomes);
    return outcomes;
  }

  /** Asks for a background run now (coalesced). */
  kick(): void {
    if (this.scheduled || this.stopped || !this.started) return;
    this.scheduled = true;
    this.cancelSoon();
    setImmediate(() => this.runInBackground());
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

  private runInBackground(): void {
    if (this.stopped) return;
    let n = 0;
    try {
      n = this.step().length;
    } finally {
      this.scheduled = false;
    }
    if (n >= this.options.batchSize) this.kick();
  }
}

// Group commit for the accept path: batches appended during one event-loop turn are written in
// one transaction, and every request waits for that commit before its 200 (durable, and one
// commit per turn instead of one per request under concurrency). While another connection's
// write is running (a digest batch on the store worker), the commit waits for it off-thread
// rather than in SQLite's busy handler, which would block the main thread.
import type { AcceptBatch, ErrorStore } from '../store/store.js';

/** Another writer the commit should wait for (service/store-worker.ts). */
export interface WriteGate {
  busy(): boolean;
  whenIdle(fn: () => void): void;
}

interface Waiting {
  batch: AcceptBatch;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class GroupCommit {
  private queue: Waiting[] = [];
  private scheduled = false;

  constructor(
    private readonly store: ErrorStore,
    private readonly gate: WriteGate | null = null,
  ) {}

  append(batch: AcceptBatch): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ batch, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Writes everything queued now (or once the other writer is done). */
  flush(): void {
    if (this.gate?.busy()) {
      this.gate.whenIdle(() => this.flush());
      return;
    }
    this.scheduled = false;
    const waiting = this.queue;
    this.queue = [];
    if (waiting.length === 0) return;
    try {
      this.store.acceptMany(waiting.map((w) => w.batch));
    } catch (err) {
      for (const w of waiting) w.reject(err);
      return;
    }
    for (const w of waiting) w.resolve();
  }
}

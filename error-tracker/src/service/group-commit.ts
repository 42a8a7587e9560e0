// Group commit for the accept path: batches appended during one event-loop turn are written in
// one transaction, and every request waits for that commit and the fdatasync after it before its
// 200 (durable across a power loss, and one commit per turn instead of one per request). The
// commit goes to the inbox file, which only the main thread writes, so it never waits for a lock
// (store/inbox.ts).
import type { AcceptBatch, ErrorStore } from '../store/store.js';

interface Waiting {
  batch: AcceptBatch;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class GroupCommit {
  private queue: Waiting[] = [];
  private scheduled = false;

  constructor(private readonly store: ErrorStore) {}

  append(batch: AcceptBatch): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ batch, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Writes everything queued now. */
  flush(): void {
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
    // the next turn's requests commit while this sync runs, and share the following one
    this.store.syncAccepted().then(
      () => {
        for (const w of waiting) w.resolve();
      },
      (err: unknown) => {
        for (const w of waiting) w.reject(err);
      },
    );
  }
}

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

/** Syncs of the inbox at once (store/inbox.ts WalSync allows as many). While both run, a request
 * could not be answered before one ends anyway, so its commit waits for that and joins the
 * requests queued meanwhile: fewer, larger transactions for the same latency. */
const MAX_SYNCS_IN_FLIGHT = 2;

export class GroupCommit {
  private queue: Waiting[] = [];
  private scheduled = false;
  private held = false;
  private syncing = 0;

  constructor(private readonly store: ErrorStore) {}

  append(batch: AcceptBatch): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ batch, resolve, reject });
      this.schedule();
    });
  }

  /** Commits wait until release(): the store worker finishes a checkpoint of the inbox meanwhile
   * (service/store-worker.ts). Requests keep being parsed and queued. */
  hold(): void {
    this.held = true;
  }

  release(): void {
    this.held = false;
    if (this.queue.length > 0) this.schedule();
  }

  /** Writes everything queued now (unless held: then on release). */
  flush(): void {
    this.scheduled = false;
    if (this.held) return;
    if (this.syncing >= MAX_SYNCS_IN_FLIGHT) return;
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
    this.syncing++;
    const synced = () => {
      this.syncing--;
      if (this.queue.length > 0) this.flush();
    };
    this.store.syncAccepted().then(
      () => {
        synced();
        for (const w of waiting) w.resolve();
      },
      (err: unknown) => {
        synced();
        for (const w of waiting) w.reject(err);
      },
    );
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }
}

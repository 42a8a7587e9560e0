// The store's periodic work: a checkpoint, then retention (roll-ups, deletes, eviction), on a timer.
// Either can fail on a full or broken disk (SQLITE_FULL, SQLITE_IOERR); the failure is reported and
// counted and the next tick tries again. Thrown from the timer it ended the process, while the log
// held the data anyway and queries could go on from memory.
import type { MetricsStore } from './metrics-store.js';
import type { RetentionJob } from './retention.js';

export interface MaintenanceOptions {
  store: MetricsStore;
  retention: RetentionJob;
  clock: () => number;
  intervalMs: number;
  /** Told of a failed retention pass (a failed checkpoint goes to the store's onCheckpointError). */
  onRetentionError: (err: Error) => void;
}

export class StoreMaintenance {
  retentionFailures = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** The retention pass in progress: it runs in slices across event-loop turns. */
  private pass: Promise<void> | undefined;

  constructor(private readonly options: MaintenanceOptions) {}

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.runOnce(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer; a pass in progress stops at its next slice. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One tick; never rejects. Retention runs even when the checkpoint failed: on a full disk its
   * deletes (and MAX_DISK_BYTES) are what can make room. A tick while a pass is still running
   * only checkpoints. Resolves when this tick's (or the running) pass is done. */
  runOnce(): Promise<void> {
    const { store, retention, clock } = this.options;
    store.tryCheckpoint();
    if (this.pass) return this.pass;
    const pass = retention
      .runInSlices(clock(), () => this.stopped)
      .then(
        () => {},
        (err) => {
          this.retentionFailures++;
          this.options.onRetentionError(err as Error);
        },
      )
      .finally(() => {
        this.pass = undefined;
      });
    this.pass = pass;
    return pass;
  }
}

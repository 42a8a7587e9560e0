// Background upkeep: reopen ignores whose time passed, prune events by age and per-issue cap in
// small transactions (yielding between them), and hand freed pages back with incremental vacuum.
import type { ErrorStore, RetentionPolicy } from '../store/store.js';

export interface MaintenanceOptions {
  clock: () => number;
  policy: RetentionPolicy;
  batchSize: number;
  vacuumPages: number;
}

export class Maintenance {
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    private readonly store: ErrorStore,
    private readonly options: MaintenanceOptions,
  ) {}

  async runOnce(): Promise<{ pruned: number; reopened: number[] }> {
    const reopened = this.store.expireIgnores(this.options.clock());
    let pruned = 0;
    for (;;) {
      const r = this.store.prune(this.options.policy, this.options.clock(), this.options.batchSize);
      pruned += r.deletedEvents;
      if (!r.more) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (pruned > 0) this.store.vacuumStep(this.options.vacuumPages);
    return { pruned, reopened };
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = true;
      this.runOnce()
        .catch(() => {})
        .finally(() => (this.running = false));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

// Background upkeep: reopen ignores whose time passed, prune events by age and per-issue cap in
// small transactions (yielding between them), hand freed pages back with incremental vacuum, and
// two passes over events stored by an older version, a few batches a run: rewrite those stored
// before the scrubber's current rules (store/rescrub.ts), add the user values of those stored before
// they were searched (store/user-values.ts).
import type { ErrorStore, RetentionPolicy } from '../store/store.js';

export interface MaintenanceOptions {
  clock: () => number;
  policy: RetentionPolicy;
  batchSize: number;
  vacuumPages: number;
}

/** Events per rescrub transaction (~10 ms of the main thread each: decode, scrub, re-encode)… */
export const RESCRUB_BATCH = 50;
/** …and at most this many a run, so a large backlog is worked off over hours, not at once. */
export const RESCRUB_EVENTS_PER_RUN = 2000;

/** Events per transaction of the user values pass (decode and parse, ~0.12 ms of CPU each on the
 * bench's events, so ~6 ms a batch as the rescrub pass)… */
export const USER_VALUES_BATCH = 50;
/** …and at most this many a run. */
export const USER_VALUES_EVENTS_PER_RUN = 2000;

/** Batches of a pass over stored events until it is done or scanned `perRun` events, yielding
 * between them so that requests are served. */
async function runPass<T extends { scanned: number; done: boolean }>(
  step: () => T,
  perRun: number,
  each: (r: T) => void = () => {},
): Promise<void> {
  for (let scanned = 0; scanned < perRun; ) {
    const r = step();
    each(r);
    scanned += r.scanned;
    if (r.done || r.scanned === 0) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export class Maintenance {
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    private readonly store: ErrorStore,
    private readonly options: MaintenanceOptions,
  ) {}

  async runOnce(): Promise<{ pruned: number; reopened: number[]; rescrubbed: number }> {
    const reopened = this.store.expireIgnores(this.options.clock());
    let pruned = 0;
    for (;;) {
      const r = this.store.prune(this.options.policy, this.options.clock(), this.options.batchSize);
      pruned += r.deletedEvents;
      if (!r.more) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    // every run, not only after a prune: a deleted or merged issue frees pages too (a no-op when the
    // freelist is empty)
    this.store.vacuumStep(this.options.vacuumPages);
    let rescrubbed = 0;
    await runPass(
      () => this.store.rescrubStoredEvents(RESCRUB_BATCH),
      RESCRUB_EVENTS_PER_RUN,
      (r) => {
        rescrubbed += r.rewritten;
      },
    );
    await runPass(() => this.store.fillUserValues(USER_VALUES_BATCH), USER_VALUES_EVENTS_PER_RUN);
    return { pruned, reopened, rescrubbed };
  }

  start(intervalMs: number): void {
    // at once, not a MAINTENANCE_INTERVAL later: a new database is marked scrubbed (and filled)
    // while it holds no event, so the passes never rescan what this version stored
    try {
      this.store.rescrubStoredEvents(RESCRUB_BATCH);
      this.store.fillUserValues(USER_VALUES_BATCH);
    } catch {} // the next run tries again
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

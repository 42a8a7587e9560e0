// How the store's background work fails: a seal, merge, retention pass or inbox release runs in a timer
// or a worker callback, where a thrown error would end the process. It is reported instead, to the
// store's onBackgroundError or stderr, and the step is retried by a later tick where that makes sense.

/** Where a failed background step is reported (`what` names the step). */
export type ReportError = (err: unknown, what: string) => void;

/** A reporter for StoreOptions.onBackgroundError (default: a line on stderr). */
export function backgroundReporter(onBackgroundError?: (err: Error, what: string) => void): ReportError {
  return (err, what) => {
    const e = err instanceof Error ? err : new Error(String(err));
    if (onBackgroundError) onBackgroundError(e, what);
    else console.error(`log store: ${what} failed: ${e.stack ?? e.message}`);
  };
}

/** Runs a step of background work (timers, worker replies): a failure is reported, not thrown. */
export function runInBackground(report: ReportError, what: string, step: () => void): void {
  try {
    step();
  } catch (err) {
    report(err, what);
  }
}

// Sends queued alert webhooks in the background with retries and exponential backoff. Never
// called from the ingest path: the digest only writes outbox rows.
import { fetchErrorMessage } from '@flowrent/shared/fetch-error';
import { alertBody, backoffMs } from '../alerts/format.js';
import type { ErrorStore } from '../store/store.js';

export interface DelivererOptions {
  clock: () => number;
  issueUrl: (issueId: number) => string;
  maxAttempts: number;
  timeoutMs: number;
  fetch?: typeof fetch;
}

export class AlertDeliverer {
  private running: Promise<number> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: ErrorStore,
    private readonly options: DelivererOptions,
  ) {}

  /** Sends every due delivery once; resolves to how many were attempted. */
  deliverDue(): Promise<number> {
    if (!this.running) this.running = this.run().finally(() => (this.running = null));
    return this.running;
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.deliverDue().catch(() => {}), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async run(): Promise<number> {
    const due = this.store.dueDeliveries(this.options.clock(), 50);
    const doFetch = this.options.fetch ?? fetch;
    for (const d of due) {
      const issue = this.store.getIssue(d.issueId);
      const nowMs = () => this.options.clock();
      if (!issue) {
        this.store.recordDelivery(d.id, {
          ok: false,
          responseStatus: null,
          error: 'issue deleted',
          nextAttemptAtMs: null,
          nowMs: nowMs(),
        });
        continue;
      }
      const body = alertBody(d.format, d.trigger, issue, this.options.issueUrl(issue.id));
      let status: number | null = null;
      let error: string | null = null;
      try {
        const res = await doFetch(d.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'flowrent-error-tracker' },
          body,
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
        status = res.status;
        await res.arrayBuffer().catch(() => undefined);
        if (!res.ok) error = `HTTP ${res.status}`;
      } catch (err) {
        error = fetchErrorMessage(err);
      }
      const attempt = d.attempts + 1;
      const retry = error !== null && attempt < this.options.maxAttempts;
      this.store.recordDelivery(d.id, {
        ok: error === null,
        responseStatus: status,
        error,
        nextAttemptAtMs: retry ? nowMs() + backoffMs(attempt) : null,
        nowMs: nowMs(),
      });
    }
    return due.length;
  }
}

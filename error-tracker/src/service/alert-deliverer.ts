// Sends queued alert webhooks in the background with retries and exponential backoff. Never
// called from the ingest path: the digest only writes outbox rows.
//
// Deliveries run concurrently, at most MAX_IN_FLIGHT in all and MAX_PER_HOST to one receiver, and
// each one that ends starts the next due one: sent one at a time, a receiver that times out
// (a firewall drop) held every other project's alerts 5 s per delivery (black-box 10 #58).
// Alertmanager gives each receiver its own queue for the same reason.
import { fetchErrorMessage } from '@flowrent/shared/fetch-error';
import { alertBody, backoffMs } from '../alerts/format.js';
import { webhookRequest } from '../alerts/webhook-url.js';
import type { DueDelivery, ErrorStore } from '../store/store.js';

const MAX_IN_FLIGHT = 8;
const MAX_PER_HOST = 2;
const DUE_PAGE = 100;
/** Rows of one URL in a page: enough that a dead receiver's backlog is worked through without a
 * query every few deliveries, few enough that other receivers' rows fit beside them. */
const PAGE_PER_URL = 50;

export interface DelivererOptions {
  clock: () => number;
  issueUrl: (issueId: number) => string;
  maxAttempts: number;
  timeoutMs: number;
  fetch?: typeof fetch;
}

export class AlertDeliverer {
  private readonly inFlight = new Map<number, string>();
  private readonly perHost = new Map<string, number>();
  private idleWaiters: (() => void)[] = [];
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** Due rows fetched and not started yet. A finished delivery starts the next of them; only an
   * empty page, the timer or deliverDue() query again, so a backlog costs a query per page, not
   * one per delivery: with 4,000 failing deliveries that query after each slowed every accept on
   * the main thread 10x (black-box 10 #72). */
  private page: DueDelivery[] = [];
  /** Webhook URLs whose delivery failed without an answer (refused, timed out, no such host) since
   * the last tick: their other rows wait for the next tick, untried, instead of each failing and
   * being rescheduled in turn. With 6,000 queued to two dead receivers that churn cost 0.8 CPU-s
   * per 5 s on the main thread and slowed accepts 3-12x (black-box 10 #72, addendum 2). */
  private readonly downUrls = new Set<string>();

  constructor(
    private readonly store: ErrorStore,
    private readonly options: DelivererOptions,
  ) {}

  /** Starts every due delivery the limits allow; resolves once none is in flight (tests). */
  deliverDue(): Promise<void> {
    this.downUrls.clear();
    this.pump(true, true);
    if (this.inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.downUrls.clear();
      this.pump(true, true);
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }

  private pump(startDue: boolean, refresh: boolean): void {
    if (startDue && !this.stopped && this.inFlight.size < MAX_IN_FLIGHT) {
      if (refresh || this.page.length === 0) this.page = this.fetchDue();
      const waiting: DueDelivery[] = [];
      for (const d of this.page) {
        if (this.downUrls.has(d.url)) continue;
        const host = hostOf(d.url);
        if (this.inFlight.size >= MAX_IN_FLIGHT || (this.perHost.get(host) ?? 0) >= MAX_PER_HOST)
          waiting.push(d);
        else this.begin(d, host);
      }
      this.page = waiting;
    }
    if (this.inFlight.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private fetchDue(): DueDelivery[] {
    try {
      return this.store.dueDeliveries({
        nowMs: this.options.clock(),
        limit: DUE_PAGE,
        perUrl: PAGE_PER_URL,
        skipIds: [...this.inFlight.keys()],
        skipUrls: [...this.downUrls],
      });
    } catch {
      // a locked or closed database: the next tick tries again
      return [];
    }
  }

  private begin(d: DueDelivery, host: string): void {
    this.inFlight.set(d.id, host);
    this.perHost.set(host, (this.perHost.get(host) ?? 0) + 1);
    this.deliver(d).then(
      () => this.end(d.id, host, true),
      // the row could not be recorded (a database error): it stays due, for the next tick
      () => this.end(d.id, host, false),
    );
  }

  private end(id: number, host: string, recorded: boolean): void {
    this.inFlight.delete(id);
    const n = (this.perHost.get(host) ?? 1) - 1;
    if (n === 0) this.perHost.delete(host);
    else this.perHost.set(host, n);
    this.pump(recorded, false);
  }

  private async deliver(d: DueDelivery): Promise<void> {
    const nowMs = () => this.options.clock();
    const issue = this.store.getIssue(d.issueId);
    if (!issue) {
      this.store.recordDelivery(d.id, {
        ok: false,
        responseStatus: null,
        error: 'issue deleted',
        nextAttemptAtMs: null,
        nowMs: nowMs(),
      });
      return;
    }
    const rule = { id: d.ruleId, trigger: d.trigger, threshold: d.threshold, windowMinutes: d.windowMinutes };
    const body = alertBody(d.format, rule, issue, this.options.issueUrl(issue.id));
    let status: number | null = null;
    let error: string | null = null;
    const target = webhookRequest(d.url);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'flowrent-error-tracker',
    };
    if (target.authorization) headers.authorization = target.authorization;
    try {
      const res = await (this.options.fetch ?? fetch)(target.url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      status = res.status;
      // The answer is never read: a receiver answering with a large body (a mistyped URL to a
      // download) was buffered whole, 400-600 MB of RSS per delivery (black-box 10 #64).
      // Alertmanager and Sentry's webhook sender discard it too.
      await res.body?.cancel().catch(() => undefined);
      if (!res.ok) error = `HTTP ${res.status}`;
    } catch (err) {
      error = fetchErrorMessage(err);
      this.downUrls.add(d.url);
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
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

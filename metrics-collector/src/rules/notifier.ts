// Alert notifications to webhooks in Alertmanager's webhook payload format (version 4), so any
// receiver written for Alertmanager works unchanged. Deliveries retry with exponential backoff on
// network errors, 5xx and 429; other 4xx are final. Time and sleeping are injectable for tests.
import { fetchErrorMessage } from '@flowrent/shared/fetch-error';

export interface AlertNotice {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: number;
  /** 0 while firing. */
  endsAt: number;
  generatorURL: string;
}

export interface WebhookPayload {
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: Array<{
    status: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    startsAt: string;
    endsAt: string;
    generatorURL: string;
    fingerprint: string;
  }>;
}

export interface NotifierOptions {
  urls: string[];
  externalURL: string;
  receiver?: string;
  maxAttempts?: number;
  baseDelayMs?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  onError?: (message: string) => void;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Prometheus' model.LabelSet fingerprint: FNV-1a 64 over sorted name/value pairs, 0xff separated. */
export function fingerprint(labels: Record<string, string>): string {
  let h = 0xcbf29ce484222325n;
  const add = (bytes: Uint8Array) => {
    for (const b of bytes) {
      h ^= BigInt(b);
      h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
    }
  };
  const sep = new Uint8Array([0xff]);
  const enc = new TextEncoder();
  for (const name of Object.keys(labels).sort()) {
    add(enc.encode(name));
    add(sep);
    add(enc.encode(labels[name]));
    add(sep);
  }
  return h.toString(16).padStart(16, '0');
}

function common(maps: Array<Record<string, string>>): Record<string, string> {
  if (maps.length === 0) return {};
  const out: Record<string, string> = { ...maps[0] };
  for (const m of maps.slice(1)) for (const k of Object.keys(out)) if (m[k] !== out[k]) delete out[k];
  return out;
}

export function buildPayload(alerts: AlertNotice[], externalURL: string, receiver: string): WebhookPayload {
  const groupLabels: Record<string, string> = alerts[0]?.labels.alertname
    ? { alertname: alerts[0].labels.alertname }
    : {};
  const groupKey = `{}:{${Object.entries(groupLabels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ')}}`;
  return {
    version: '4',
    groupKey,
    truncatedAlerts: 0,
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    receiver,
    groupLabels,
    commonLabels: common(alerts.map((a) => a.labels)),
    commonAnnotations: common(alerts.map((a) => a.annotations)),
    externalURL,
    alerts: alerts.map((a) => ({
      status: a.status,
      labels: a.labels,
      annotations: a.annotations,
      startsAt: new Date(a.startsAt).toISOString(),
      endsAt: a.endsAt ? new Date(a.endsAt).toISOString() : ZERO_TIME,
      generatorURL: a.generatorURL,
      fingerprint: fingerprint(a.labels),
    })),
  };
}

export class WebhookNotifier {
  private readonly pending = new Set<Promise<void>>();
  readonly stats = { sent: 0, failed: 0, retries: 0 };

  constructor(private readonly opts: NotifierOptions) {}

  /** Queues one payload per webhook; returns at once (see idle()). */
  notify(alerts: AlertNotice[]): void {
    if (alerts.length === 0) return;
    const payload = buildPayload(alerts, this.opts.externalURL, this.opts.receiver ?? 'flowrent');
    for (const url of this.opts.urls) {
      const p = this.deliver(url, payload).finally(() => this.pending.delete(p));
      this.pending.add(p);
    }
  }

  /** Resolves when every queued delivery has succeeded or given up. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private async deliver(url: string, payload: WebhookPayload): Promise<void> {
    const doFetch = this.opts.fetch ?? fetch;
    const sleep = this.opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const attempts = this.opts.maxAttempts ?? 5;
    const body = JSON.stringify(payload);
    let last = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const res = await doFetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'flowrent-metrics-collector' },
          body,
          signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) {
          this.stats.sent++;
          return;
        }
        last = `HTTP ${res.status}`;
        if (res.status < 500 && res.status !== 429) break;
      } catch (e) {
        last = fetchErrorMessage(e);
      }
      if (attempt < attempts) {
        this.stats.retries++;
        await sleep(Math.min((this.opts.baseDelayMs ?? 500) * 2 ** (attempt - 1), 30_000));
      }
    }
    this.stats.failed++;
    this.opts.onError?.(`alert webhook ${url} failed: ${last}`);
  }
}

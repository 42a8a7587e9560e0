// A small Prometheus registry for each service's own /metrics (text format 0.0.4). We avoid
// prom-client in production: the services need counters, gauges and histograms with labels only.
// Names follow Prometheus' conventions, checked at registration: a counter ends in `_total`, nothing
// else does (a `_total` gauge is a counter registered wrong: rate() and promtool both object).

export type LabelValues = Record<string, string>;

interface Metric {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  render(): string[];
}

function labelKey(labels: LabelValues): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}="${escapeLabelValue(labels[k])}"`)
    .join(',');
}

export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function series(name: string, key: string, value: number): string {
  return `${name}${key ? `{${key}}` : ''} ${formatValue(value)}`;
}

export class Counter implements Metric {
  readonly type = 'counter';
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
    /**
     * Called at scrape time for a counter kept elsewhere (a store's running total, process CPU time):
     * it copies the monotonic source in with setTotal().
     */
    private readonly collect?: (counter: Counter) => void,
  ) {}
  inc(labels: LabelValues = {}, by = 1): void {
    const key = labelKey(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }
  /** The running total read from a monotonic source (in a collect callback). */
  setTotal(labels: LabelValues, total: number): void {
    this.values.set(labelKey(labels), total);
  }
  get(labels: LabelValues = {}): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  render(): string[] {
    this.collect?.(this);
    return [...this.values].map(([k, v]) => series(this.name, k, v));
  }
}

export class Gauge implements Metric {
  readonly type = 'gauge';
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
    /** Called at scrape time to refresh the values (e.g. file sizes, memory). */
    private readonly collect?: (gauge: Gauge) => void,
  ) {}
  set(labels: LabelValues, value: number): void {
    this.values.set(labelKey(labels), value);
  }
  get(labels: LabelValues = {}): number | undefined {
    return this.values.get(labelKey(labels));
  }
  render(): string[] {
    this.collect?.(this);
    return [...this.values].map(([k, v]) => series(this.name, k, v));
  }
}

export const DEFAULT_LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class Histogram implements Metric {
  readonly type = 'histogram';
  private readonly states = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: number[] = DEFAULT_LATENCY_BUCKETS,
  ) {}
  observe(labels: LabelValues, value: number): void {
    const key = labelKey(labels);
    let state = this.states.get(key);
    if (!state) {
      state = { counts: new Array(this.buckets.length).fill(0), sum: 0, count: 0 };
      this.states.set(key, state);
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]) state.counts[i]++;
    state.sum += value;
    state.count++;
  }
  render(): string[] {
    const lines: string[] = [];
    for (const [key, state] of this.states) {
      const prefix = key ? `${key},` : '';
      this.buckets.forEach((le, i) => {
        lines.push(`${this.name}_bucket{${prefix}le="${formatValue(le)}"} ${state.counts[i]}`);
      });
      lines.push(`${this.name}_bucket{${prefix}le="+Inf"} ${state.count}`);
      lines.push(series(`${this.name}_sum`, key, state.sum));
      lines.push(series(`${this.name}_count`, key, state.count));
    }
    return lines;
  }
}

export class Registry {
  private readonly metrics = new Map<string, Metric>();

  counter(name: string, help: string, collect?: (counter: Counter) => void): Counter {
    if (!name.endsWith('_total')) throw new Error(`counter ${name} must be named *_total`);
    return this.register(new Counter(name, help, collect));
  }
  gauge(name: string, help: string, collect?: (gauge: Gauge) => void): Gauge {
    if (name.endsWith('_total')) throw new Error(`gauge ${name} must not be named *_total: is it a counter?`);
    return this.register(new Gauge(name, help, collect));
  }
  histogram(name: string, help: string, buckets?: number[]): Histogram {
    return this.register(new Histogram(name, help, buckets));
  }

  private register<M extends Metric>(metric: M): M {
    const existing = this.metrics.get(metric.name);
    if (existing) {
      if (existing.type !== metric.type)
        throw new Error(`metric ${metric.name} already registered as ${existing.type}`);
      return existing as M;
    }
    this.metrics.set(metric.name, metric);
    return metric;
  }

  /** Prometheus text exposition format 0.0.4. */
  render(): string {
    const out: string[] = [];
    for (const m of this.metrics.values()) {
      out.push(`# HELP ${m.name} ${m.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
      out.push(`# TYPE ${m.name} ${m.type}`);
      out.push(...m.render());
    }
    return `${out.join('\n')}\n`;
  }
}

export const PROMETHEUS_TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

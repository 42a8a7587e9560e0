// Turns StatsD metrics into Prometheus-style series, as prometheus/statsd_exporter does: counter
// deltas (scaled by 1/sample rate) accumulate into a monotonic counter; gauges keep their value and
// apply signed deltas; timers (ms, converted to seconds), histograms and distributions fill a
// fixed-bucket cumulative histogram (_bucket/_sum/_count); sets count unique members per flush.
// Tags become labels. flush() hands the current values to the store stamped with the flush time.
// A negative counter increment (hot-shots' decrement() sends `name:-1|c`) is dropped and counted,
// as statsd_exporter drops it (events_error_total{reason="illegal_negative_counter"}): added, it
// would make the counter go down, which rate() and increase() read as a reset; a value that goes
// down is a gauge.
import type { StatsdMetric } from '../ingest/statsd.js';
import type { PlainSample } from '../store/metrics-store.js';

export const STATSD_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
];

interface Entry {
  name: string;
  labels: [string, string][];
  kind: 'counter' | 'gauge' | 'histogram' | 'set';
  value: number;
  buckets?: number[];
  sum?: number;
  count?: number;
  members?: Set<string>;
}

export class StatsdAggregator {
  private entries = new Map<string, Entry>();
  received = 0;
  /** Negative counter increments dropped (a counter is monotonic). */
  negativeCounters = 0;
  /** Lines dropped because their name is already written as another type. */
  typeConflicts = 0;
  /** Series name → the `kind:name` that writes it. A name has one type, as in Prometheus: a gauge
   * and a counter of the same name (or a counter `x_count` beside a timer `x`) would otherwise
   * write alternating values into one series. The first type seen keeps the name, as
   * statsd_exporter keeps it (events_conflict_total). */
  private owners = new Map<string, string>();

  private claim(name: string, kind: Entry['kind']): boolean {
    const owner = `${kind}:${name}`;
    const names = kind === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name];
    if (names.some((n) => (this.owners.get(n) ?? owner) !== owner)) return false;
    for (const n of names) this.owners.set(n, owner);
    return true;
  }

  private entry(m: StatsdMetric, kind: Entry['kind']): Entry | undefined {
    const labels = [...m.tags].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const key = `${kind}\u0000${m.name}\u0000${labels.map(([k, v]) => `${k}=${v}`).join('\u0001')}`;
    let e = this.entries.get(key);
    if (!e) {
      if (!this.claim(m.name, kind)) {
        this.typeConflicts++;
        return undefined;
      }
      e = { name: m.name, labels, kind, value: 0 };
      if (kind === 'histogram') {
        e.buckets = STATSD_BUCKETS.map(() => 0);
        e.sum = 0;
        e.count = 0;
      }
      if (kind === 'set') e.members = new Set();
      this.entries.set(key, e);
    }
    return e;
  }

  add(metrics: StatsdMetric[]): void {
    for (const m of metrics) {
      this.received++;
      switch (m.type) {
        case 'c': {
          let e: Entry | undefined;
          for (const v of m.values) {
            if (v < 0) {
              this.negativeCounters++;
              continue;
            }
            e ??= this.entry(m, 'counter');
            if (!e) break;
            e.value += v / m.sampleRate;
          }
          break;
        }
        case 'g': {
          const e = this.entry(m, 'gauge');
          if (e) for (const v of m.values) e.value = m.relative ? e.value + v : v;
          break;
        }
        case 'ms':
        case 'h':
        case 'd': {
          const e = this.entry(m, 'histogram');
          if (!e) break;
          const weight = 1 / m.sampleRate;
          for (const raw of m.values) {
            const v = m.type === 'ms' ? raw / 1000 : raw;
            e.sum! += v * weight;
            e.count! += weight;
            for (let i = 0; i < STATSD_BUCKETS.length; i++)
              if (v <= STATSD_BUCKETS[i]) e.buckets![i] += weight;
          }
          break;
        }
        case 's':
          this.entry(m, 'set')?.members?.add(m.member ?? '');
          break;
      }
    }
  }

  /** Current values as samples at `nowMs`; set membership starts over. */
  flush(nowMs: number): PlainSample[] {
    const out: PlainSample[] = [];
    const push = (name: string, labels: [string, string][], v: number) => {
      out.push({ labels: [['__name__', name], ...labels], t: nowMs, v });
    };
    for (const e of this.entries.values()) {
      if (e.kind === 'counter' || e.kind === 'gauge') push(e.name, e.labels, e.value);
      else if (e.kind === 'set') {
        push(e.name, e.labels, e.members!.size);
        e.members!.clear();
      } else {
        for (let i = 0; i < STATSD_BUCKETS.length; i++) {
          push(`${e.name}_bucket`, [...e.labels, ['le', String(STATSD_BUCKETS[i])]], e.buckets![i]);
        }
        push(`${e.name}_bucket`, [...e.labels, ['le', '+Inf']], e.count!);
        push(`${e.name}_sum`, e.labels, e.sum!);
        push(`${e.name}_count`, e.labels, e.count!);
      }
    }
    return out;
  }
}

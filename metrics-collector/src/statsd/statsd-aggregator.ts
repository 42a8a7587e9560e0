// Turns StatsD metrics into Prometheus-style series, as prometheus/statsd_exporter does: counter
// deltas (scaled by 1/sample rate) accumulate into a monotonic counter; gauges keep their value and
// apply signed deltas; timers (ms, converted to seconds), histograms and distributions fill a
// fixed-bucket cumulative histogram (_bucket/_sum/_count); sets count unique members per flush.
// Tags become labels. flush() hands the current values to the store stamped with the flush time.
// A negative counter increment (hot-shots' decrement() sends `name:-1|c`) is dropped and counted,
// as statsd_exporter drops it (events_error_total{reason="illegal_negative_counter"}): added, it
// would make the counter go down, which rate() and increase() read as a reset; a value that goes
// down is a gauge.
//
// Idle series (statsd_exporter's mapping `ttl`, the Datadog agent's dogstatsd_expiry_seconds): an
// entry not updated for `idleTtlMs` is written one last time as a Prometheus staleness marker per
// series and forgotten, so a tag per container or request no longer makes a series that is written
// every flush forever (on disk, and never idle for the store's eviction). A counter keeps its
// monotonic total while it is updated; one that comes back after going idle starts again from its
// new increments, which rate() reads as a reset, as with a restarted exporter.
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
  /** When a line last updated it (the receive time). */
  updatedMs: number;
  /** Updated since the last flush: never idle then, whatever the TTL (one below the flush interval
   * would otherwise end a series in the flush that carries its update). */
  fresh: boolean;
}

/**
 * The store's side of "a name has one type" (store/metric-types.ts): a StatsD name that pushes,
 * scrapes or remote_write already hold as another type is a type conflict too (a StatsD counter
 * wrote its total into a JSON-pushed gauge every flush), and the type StatsD gives a name goes into
 * the metadata, so that a push of the name as another type is refused in turn.
 */
export interface StoredFamilies {
  /** The families (with their types) that own a series name while it has series in the store. */
  ownersOf(series: string): Array<{ family: string; type: string }>;
  /** StatsD starts writing `family` as `type`. */
  claimed(family: string, type: string): void;
}

/** Released names remembered for a change of type (each a short string). */
const MAX_RELEASED_NAMES = 10_000;

/** The Prometheus type each kind of entry writes. */
const PROMETHEUS_TYPE: Record<Entry['kind'], string> = {
  counter: 'counter',
  gauge: 'gauge',
  set: 'gauge',
  histogram: 'histogram',
};

/** Default of STATSD_IDLE_TTL: the Datadog agent's dogstatsd_expiry_seconds, and Prometheus'
 * lookback, within which a series not written any more would still be returned anyway. */
export const DEFAULT_STATSD_IDLE_TTL_MS = 300_000;

export class StatsdAggregator {
  private entries = new Map<string, Entry>();
  /** Entries that went idle and were ended with staleness markers. */
  expired = 0;
  /** Live entries per `kind:name` owner: a name is released when its last entry goes idle. */
  private entriesOf = new Map<string, number>();
  /** Entries the last flush() ended with staleness markers, forgotten by flushWritten(). */
  private idle: { key: string; entry: Entry; updatedMs: number }[] = [];

  /** `idleTtlMs`: an entry not updated for this long is ended (0: kept forever). */
  constructor(
    private readonly idleTtlMs = DEFAULT_STATSD_IDLE_TTL_MS,
    private readonly stored?: StoredFamilies,
  ) {}

  received = 0;
  /** Negative counter increments dropped (a counter is monotonic). */
  negativeCounters = 0;
  /** Lines dropped because their name is already written as another type. */
  typeConflicts = 0;
  /** Series name → the `kind:name` that writes it. A name has one type, as in Prometheus: a gauge
   * and a counter of the same name (or a counter `x_count` beside a timer `x`) would otherwise
   * write alternating values into one series. The first type seen keeps the name, as
   * statsd_exporter keeps it (events_conflict_total); a type the store holds for it comes first. */
  private owners = new Map<string, string>();
  /** Names whose last entry went idle → the type StatsD wrote them as (oldest dropped past a bound). */
  private released = new Map<string, string>();

  private claim(name: string, kind: Entry['kind']): boolean {
    const owner = `${kind}:${name}`;
    const names = kind === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name];
    if (names.some((n) => (this.owners.get(n) ?? owner) !== owner)) return false;
    if (this.stored && this.owners.get(names[0]) !== owner) {
      const type = PROMETHEUS_TYPE[kind];
      // A name StatsD itself ended (idle) may come back as another type, as before the store check.
      const mine = this.released.get(name);
      const conflicts = (o: { family: string; type: string }) =>
        o.type !== type && !(o.family === name && o.type === mine);
      if (names.some((n) => this.stored!.ownersOf(n).some(conflicts))) return false;
      this.released.delete(name);
      this.stored.claimed(name, type);
    }
    for (const n of names) this.owners.set(n, owner);
    return true;
  }

  private entry(m: StatsdMetric, kind: Entry['kind'], nowMs: number): Entry | undefined {
    const labels = [...m.tags].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const key = `${kind}\u0000${m.name}\u0000${labels.map(([k, v]) => `${k}=${v}`).join('\u0001')}`;
    let e = this.entries.get(key);
    if (!e) {
      if (!this.claim(m.name, kind)) {
        this.typeConflicts++;
        return undefined;
      }
      e = { name: m.name, labels, kind, value: 0, updatedMs: nowMs, fresh: true };
      const owner = `${kind}:${m.name}`;
      this.entriesOf.set(owner, (this.entriesOf.get(owner) ?? 0) + 1);
      if (kind === 'histogram') {
        e.buckets = STATSD_BUCKETS.map(() => 0);
        e.sum = 0;
        e.count = 0;
      }
      if (kind === 'set') e.members = new Set();
      this.entries.set(key, e);
    }
    e.updatedMs = nowMs;
    e.fresh = true;
    return e;
  }

  /** `nowMs`: when the datagram arrived (what the idle TTL counts from). */
  add(metrics: StatsdMetric[], nowMs: number): void {
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
            e ??= this.entry(m, 'counter', nowMs);
            if (!e) break;
            e.value += v / m.sampleRate;
          }
          break;
        }
        case 'g': {
          const e = this.entry(m, 'gauge', nowMs);
          if (e) for (const v of m.values) e.value = m.relative ? e.value + v : v;
          break;
        }
        case 'ms':
        case 'h':
        case 'd': {
          const e = this.entry(m, 'histogram', nowMs);
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
          this.entry(m, 'set', nowMs)?.members?.add(m.member ?? '');
          break;
      }
    }
  }

  /** Current values as samples at `nowMs`; set membership starts over. Entries idle for the TTL
   * get a staleness marker per series instead and are forgotten. */
  flush(nowMs: number): PlainSample[] {
    const out: PlainSample[] = [];
    let stale = false;
    const push = (name: string, labels: [string, string][], v: number) => {
      const sample: PlainSample = { labels: [['__name__', name], ...labels], t: nowMs, v };
      if (stale) sample.stale = true;
      out.push(sample);
    };
    this.idle = [];
    for (const [key, e] of this.entries) {
      stale = this.idleTtlMs > 0 && !e.fresh && nowMs - e.updatedMs >= this.idleTtlMs;
      e.fresh = false;
      if (stale) this.idle.push({ key, entry: e, updatedMs: e.updatedMs });
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

  /** The last flush's samples were written: its idle entries go. Not done in flush(): when the write
   * fails, the next flush writes their staleness markers again (as it writes the cumulative values
   * of the others again). An entry updated since the flush stays. */
  flushWritten(): void {
    for (const { key, entry, updatedMs } of this.idle)
      if (entry.updatedMs === updatedMs) this.forget(key, entry);
    this.idle = [];
  }

  private forget(key: string, e: Entry): void {
    this.entries.delete(key);
    this.expired++;
    const owner = `${e.kind}:${e.name}`;
    const left = (this.entriesOf.get(owner) ?? 1) - 1;
    if (left > 0) {
      this.entriesOf.set(owner, left);
      return;
    }
    this.entriesOf.delete(owner);
    const names =
      e.kind === 'histogram' ? [`${e.name}_bucket`, `${e.name}_sum`, `${e.name}_count`] : [e.name];
    for (const n of names) this.owners.delete(n);
    this.released.delete(e.name);
    this.released.set(e.name, PROMETHEUS_TYPE[e.kind]);
    if (this.released.size > MAX_RELEASED_NAMES) this.released.delete(this.released.keys().next().value!);
  }
}

// FlowRent JSON push format for `POST /api/metrics` (team contract, version 1):
// {"metrics":[{name,type:"counter"|"gauge"|"histogram",help?,labels?,value?,timestamp?(epoch s),
//   ttl_seconds?,buckets?:[{le,count}],sum?,count?,exemplar?}]}
// Counters and histogram buckets are cumulative totals, like Prometheus clients send them. A
// histogram expands to `<name>_bucket{le}`, `<name>_sum`, `<name>_count`. An exemplar
// ({labels, value, timestamp?}) goes with the sample of a counter or gauge, and with the bucket of
// a histogram whose `le` is the smallest ≥ its value (as Prometheus clients expose it). Pure: no
// HTTP, no storage.
import type { Exemplar } from '../store/exemplar-store.js';

export interface PushedSample {
  /** Labels including `__name__`, sorted by name. */
  labels: [string, string][];
  value: number;
  timestampMs: number;
  ttlSeconds?: number;
  exemplar?: Exemplar;
}

export interface PushedMetadata {
  name: string;
  type: 'counter' | 'gauge' | 'histogram';
  help: string;
}

export interface PushBatch {
  samples: PushedSample[];
  metadata: PushedMetadata[];
  /** Metrics left out because they contradict what the store holds (another type, another
   * family's series), refused alone like a series over a limit: a client that pushes all its
   * metrics every interval would otherwise lose all of them for one metric whose type changed. */
  refused: PushError[];
}

export class PushError extends Error {
  constructor(
    readonly metric: string | undefined,
    readonly reason: string,
  ) {
    super(metric === undefined ? reason : `metric ${JSON.stringify(metric)}: ${reason}`);
  }
}

/** What the store already holds of a name, while it returns one of its series (the push API keeps
 * one type per name, and a series to one family). */
export interface StoredTypes {
  /** The type of the family named `name`. */
  familyType(name: string): string | undefined;
  /** The families whose series `series` is (`x_count` of a histogram `x`, `x_total` of a counter
   * `x`, `x` of a gauge `x`), with their types. */
  ownersOf(series: string): Array<{ family: string; type: string }>;
}

const NOTHING_STORED: StoredTypes = { familyType: () => undefined, ownersOf: () => [] };

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return Number.NaN;
    if (v === '+Inf' || v === 'Inf') return Number.POSITIVE_INFINITY;
    if (v === '-Inf') return Number.NEGATIVE_INFINITY;
    if (v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  }
  return undefined;
}

function formatLe(le: number): string {
  if (le === Number.POSITIVE_INFINITY) return '+Inf';
  return String(le);
}

/** The series names a pushed metric writes. */
function seriesNames(name: string, type: string): string[] {
  return type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name];
}

/**
 * Validates and expands a decoded JSON body. `nowMs` is used when a metric has no timestamp.
 * `stored`: what the store holds, which the batch may not contradict: a name keeps its type, and a
 * series belongs to one family (`x_count` pushed as a counter beside a histogram `x` wrote into the
 * histogram's own series).
 */
export function parsePushBatch(
  body: unknown,
  nowMs: number,
  stored: StoredTypes = NOTHING_STORED,
): PushBatch {
  if (!isObject(body) || !Array.isArray(body.metrics)) {
    throw new PushError(undefined, 'body must be an object with a "metrics" array');
  }
  const batch: PushBatch = { samples: [], metadata: [], refused: [] };
  // A name has one type, as in Prometheus (and as the StatsD path keeps it): a batch that pushes
  // `x` as a counter and as a gauge wrote both into one series and its metadata flipped.
  const typeOf = new Map<string, string>();
  const ownerOf = new Map<string, { family: string; type: string }>();
  const refusedNames = new Set<string>();
  for (const m of body.metrics as unknown[]) {
    if (!isObject(m)) throw new PushError(undefined, 'each entry of "metrics" must be an object');
    const name = m.name;
    if (typeof name !== 'string' || !NAME_RE.test(name)) {
      throw new PushError(
        typeof name === 'string' ? name : undefined,
        'name must match [a-zA-Z_:][a-zA-Z0-9_:]*',
      );
    }
    const type = m.type ?? 'gauge';
    if (typeof type !== 'string' || !TYPES.has(type))
      throw new PushError(name, 'type must be counter, gauge or histogram');
    const earlier = typeOf.get(name);
    if (earlier !== undefined && earlier !== type)
      throw new PushError(
        name,
        `${name} is pushed as a ${earlier} and as a ${type} in one batch (a name has one type)`,
      );
    if (earlier === undefined) {
      // Within the batch a contradiction is malformed input (the whole batch is refused); against
      // the stored series (a batch alone could not flip a name's type, two batches did) only this
      // metric is, and it stays refused for the rest of the batch.
      const was = stored.familyType(name);
      let conflict: PushError | undefined;
      if (was !== undefined && was !== type)
        conflict = new PushError(
          name,
          `${name} is stored as a ${was} and pushed as a ${type} (a name has one type; push it as a ${was} or under another name)`,
        );
      for (const series of conflict ? [] : seriesNames(name, type)) {
        const inBatch = ownerOf.get(series);
        if (inBatch && inBatch.type !== type)
          throw new PushError(
            name,
            `${name} (${type}) would write ${series}, a series of the ${inBatch.type} ${inBatch.family} in this batch (a series belongs to one metric; push it under another name)`,
          );
        const other = stored.ownersOf(series).find((o) => o.type !== type);
        if (other) {
          conflict = new PushError(
            name,
            `${name} (${type}) would write ${series}, a series of the ${other.type} ${other.family} (a series belongs to one metric; push it under another name)`,
          );
          break;
        }
      }
      if (!conflict)
        for (const series of seriesNames(name, type)) ownerOf.set(series, { family: name, type });
      if (conflict) {
        batch.refused.push(conflict);
        refusedNames.add(name);
      }
    }
    typeOf.set(name, type);
    if (refusedNames.has(name)) continue;
    const labels: [string, string][] = [];
    if (m.labels !== undefined) {
      if (!isObject(m.labels)) throw new PushError(name, 'labels must be an object');
      for (const [k, v] of Object.entries(m.labels)) {
        if (!LABEL_RE.test(k) || k.startsWith('__'))
          throw new PushError(name, `invalid label name ${JSON.stringify(k)}`);
        // The bucket label: the store refused the buckets (a duplicate label) and kept _sum/_count.
        if (k === 'le' && type === 'histogram')
          throw new PushError(name, 'a histogram may not have a label named "le" (its buckets\' label)');
        if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
          throw new PushError(name, `label ${k} must be a string`);
        }
        if (v !== '') labels.push([k, String(v)]);
      }
    }
    let timestampMs = nowMs;
    if (m.timestamp !== undefined && m.timestamp !== null) {
      if (typeof m.timestamp !== 'number' || !Number.isFinite(m.timestamp)) {
        throw new PushError(name, 'timestamp must be epoch seconds');
      }
      timestampMs = Math.round(m.timestamp * 1000);
    }
    let ttlSeconds: number | undefined;
    if (m.ttl_seconds !== undefined && m.ttl_seconds !== null) {
      if (typeof m.ttl_seconds !== 'number' || !(m.ttl_seconds > 0))
        throw new PushError(name, 'ttl_seconds must be > 0');
      ttlSeconds = m.ttl_seconds;
    }
    const help = typeof m.help === 'string' ? m.help : '';
    batch.metadata.push({ name, type: type as PushedMetadata['type'], help });
    const exemplar = parseExemplar(m.exemplar, name, timestampMs);
    const push = (metric: string, extra: [string, string][], value: number) => {
      const all: [string, string][] = [['__name__', metric], ...labels, ...extra];
      all.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      const sample: PushedSample = { labels: all, value, timestampMs, ttlSeconds };
      batch.samples.push(sample);
      return sample;
    };
    if (type === 'histogram') {
      const buckets = expandHistogram(m, name, push);
      if (exemplar) {
        const home = buckets.find((b) => exemplar.value <= b.le) ?? buckets[buckets.length - 1];
        home.sample.exemplar = exemplar;
      }
    } else {
      const value = toNumber(m.value);
      if (value === undefined) throw new PushError(name, 'value must be a number');
      // A counter only goes up: a negative value would read as a reset to rate() and increase().
      if (type === 'counter' && value < 0)
        throw new PushError(name, `counter value ${value} is negative (a counter is monotonic)`);
      const sample = push(name, [], value);
      if (exemplar) sample.exemplar = exemplar;
    }
  }
  return batch;
}

function parseExemplar(raw: unknown, name: string, defaultMs: number): Exemplar | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isObject(raw)) throw new PushError(name, 'exemplar must be {labels, value, timestamp?}');
  const labels: Record<string, string> = {};
  if (raw.labels !== undefined) {
    if (!isObject(raw.labels)) throw new PushError(name, 'exemplar labels must be an object');
    for (const [k, v] of Object.entries(raw.labels)) {
      if (!LABEL_RE.test(k)) throw new PushError(name, `invalid exemplar label name ${JSON.stringify(k)}`);
      if (typeof v !== 'string' && typeof v !== 'number')
        throw new PushError(name, `exemplar label ${k} must be a string`);
      if (v !== '') labels[k] = String(v);
    }
  }
  const value = toNumber(raw.value);
  if (value === undefined) throw new PushError(name, 'exemplar value must be a number');
  let timestampMs = defaultMs;
  if (raw.timestamp !== undefined && raw.timestamp !== null) {
    if (typeof raw.timestamp !== 'number' || !Number.isFinite(raw.timestamp))
      throw new PushError(name, 'exemplar timestamp must be epoch seconds');
    timestampMs = Math.round(raw.timestamp * 1000);
  }
  return { labels, value, timestampMs };
}

/** Pushes the series of a histogram; returns its bucket samples in `le` order. */
function expandHistogram(
  m: Record<string, unknown>,
  name: string,
  push: (metric: string, extra: [string, string][], value: number) => PushedSample,
): Array<{ le: number; sample: PushedSample }> {
  const out: Array<{ le: number; sample: PushedSample }> = [];
  if (!Array.isArray(m.buckets) || m.buckets.length === 0)
    throw new PushError(name, 'histogram needs buckets');
  let sawInf = false;
  let prevLe = Number.NEGATIVE_INFINITY;
  let prevCount = 0;
  let infCount = 0;
  for (const b of m.buckets as unknown[]) {
    if (!isObject(b)) throw new PushError(name, 'each bucket must be {le, count}');
    const le = toNumber(b.le);
    const count = toNumber(b.count);
    if (le === undefined || Number.isNaN(le))
      throw new PushError(name, 'bucket le must be a number or "+Inf"');
    if (count === undefined || count < 0) throw new PushError(name, 'bucket count must be a number >= 0');
    if (le <= prevLe) throw new PushError(name, 'bucket le values must increase');
    // Cumulative, as Prometheus clients send them: histogram_quantile reads a smaller count as
    // a negative bucket.
    if (count < prevCount)
      throw new PushError(
        name,
        `bucket counts must not decrease (cumulative): le=${formatLe(le)} has ${count} after ${prevCount}`,
      );
    prevLe = le;
    prevCount = count;
    if (le === Number.POSITIVE_INFINITY) {
      sawInf = true;
      infCount = count;
    }
    out.push({ le, sample: push(`${name}_bucket`, [['le', formatLe(le)]], count) });
  }
  const count = m.count === undefined ? infCount : toNumber(m.count);
  if (count === undefined || count < 0) throw new PushError(name, 'count must be a number >= 0');
  // _count is the +Inf bucket's count.
  if (sawInf ? count !== infCount : count < prevCount)
    throw new PushError(
      name,
      sawInf
        ? `count ${count} differs from the +Inf bucket's ${infCount}`
        : `count ${count} is below the last bucket's ${prevCount}`,
    );
  if (!sawInf)
    out.push({ le: Number.POSITIVE_INFINITY, sample: push(`${name}_bucket`, [['le', '+Inf']], count) });
  const sum = toNumber(m.sum ?? 0);
  if (sum === undefined) throw new PushError(name, 'sum must be a number');
  push(`${name}_sum`, [], sum);
  push(`${name}_count`, [], count);
  return out;
}

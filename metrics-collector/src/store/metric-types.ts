// One type per metric name across pushes (issue 5): the type a family's metadata gives it while
// the family still has a series the store returns (in memory, or evicted with rollups; not past a
// TTL), so that pushing the name as another type is refused, as Prometheus' metadata cannot hold
// two types for one name. A family whose series are all gone takes the new type. Types without a
// series shape here (unknown, info, stateset, ...) conflict with nothing.
import type { MetricsStore } from './metrics-store.js';
import { StoreSampleSource } from './store-read.js';

/** The series names a family of each type writes, as suffixes of its name. */
const SERIES_SUFFIXES: Record<string, string[]> = {
  counter: ['', '_total'],
  gauge: [''],
  histogram: ['_bucket', '_count', '_sum'],
  summary: ['', '_count', '_sum'],
};

const sources = new WeakMap<MetricsStore, StoreSampleSource>();

/** The type of `family` while it has a returned series; undefined when it has none. */
export function familyTypeInUse(store: MetricsStore, family: string): string | undefined {
  const type = store.metadata.get(family)?.type;
  const suffixes = type === undefined ? undefined : SERIES_SUFFIXES[type];
  if (!suffixes) return undefined;
  let source = sources.get(store);
  if (!source) {
    source = new StoreSampleSource(store);
    sources.set(store, source);
  }
  const s = source;
  return suffixes.some((suffix) => s.hasMetricName(family + suffix)) ? type : undefined;
}

/** The families whose series `series` is, with their types, while they have a returned series
 * (`x_count`: a histogram or summary `x`, or a gauge/counter `x_count`). */
export function familiesOfSeries(
  store: MetricsStore,
  series: string,
): Array<{ family: string; type: string }> {
  const out: Array<{ family: string; type: string }> = [];
  for (const [type, suffixes] of Object.entries(SERIES_SUFFIXES)) {
    for (const suffix of suffixes) {
      if (!series.endsWith(suffix) || series.length === suffix.length) continue;
      const family = series.slice(0, series.length - suffix.length);
      if (familyTypeInUse(store, family) === type) out.push({ family, type });
    }
  }
  return out;
}

/** What the push API checks a batch against (parsePushBatch's StoredTypes). */
export function storedTypes(store: MetricsStore) {
  return {
    familyType: (name: string) => familyTypeInUse(store, name),
    ownersOf: (series: string) => familiesOfSeries(store, series),
  };
}

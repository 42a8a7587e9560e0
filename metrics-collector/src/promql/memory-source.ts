// An in-memory SampleSource: the reference implementation of the storage contract, used by unit
// tests, the oracle test and rule tests. Not tuned for size; series are scanned linearly.
import { labelsKey, sortByLabels } from './labels.js';
import { compileMatchers } from './matchers.js';
import {
  type LabelMatcher,
  type Labels,
  lowerBound,
  type SampleSource,
  type SelectHints,
  type SeriesSamples,
} from './sample-source.js';

interface StoredSeries {
  labels: Labels;
  timestamps: number[];
  values: number[];
  stale: number[];
}

export class MemorySource implements SampleSource {
  private readonly byKey = new Map<string, StoredSeries>();

  /** Appends one sample; out-of-order samples are inserted in place, a duplicate timestamp overwrites. */
  add(labels: Labels, timestampMs: number, value: number, opts: { stale?: boolean } = {}): void {
    const key = labelsKey(labels);
    let s = this.byKey.get(key);
    if (!s) {
      const clean: Labels = {};
      for (const n of Object.keys(labels).sort()) if (labels[n] !== '') clean[n] = labels[n];
      s = { labels: clean, timestamps: [], values: [], stale: [] };
      this.byKey.set(key, s);
    }
    const ts = s.timestamps;
    let i = ts.length;
    while (i > 0 && ts[i - 1] > timestampMs) i--;
    const flag = opts.stale ? 1 : 0;
    if (i > 0 && ts[i - 1] === timestampMs) {
      s.values[i - 1] = value;
      s.stale[i - 1] = flag;
      return;
    }
    ts.splice(i, 0, timestampMs);
    s.values.splice(i, 0, opts.stale ? Number.NaN : value);
    s.stale.splice(i, 0, flag);
  }

  /** Writes a staleness marker, as Prometheus does when a series disappears. */
  addStaleMarker(labels: Labels, timestampMs: number): void {
    this.add(labels, timestampMs, Number.NaN, { stale: true });
  }

  *stream(
    matchers: LabelMatcher[],
    startMs: number,
    endMs: number,
    hints: SelectHints = {},
  ): Generator<SeriesSamples> {
    const test = compileMatchers(matchers);
    const filter = hints.filter;
    const matched = [...this.byKey.values()].filter((s) => test(s.labels) && (!filter || filter(s.labels)));
    for (const s of sortByLabels(matched, (m) => m.labels)) {
      const found = samplesIn(s, startMs, endMs);
      if (found) yield found;
    }
  }

  select(matchers: LabelMatcher[], startMs: number, endMs: number): SeriesSamples[] {
    const test = compileMatchers(matchers);
    const out: SeriesSamples[] = [];
    for (const s of this.byKey.values()) {
      const found = test(s.labels) ? samplesIn(s, startMs, endMs) : undefined;
      if (found) out.push(found);
    }
    return out;
  }

  series(matcherSets: LabelMatcher[][], startMs: number, endMs: number): Labels[] {
    const seen = new Map<string, Labels>();
    for (const set of matcherSets) {
      for (const s of this.select(set, startMs, endMs)) seen.set(labelsKey(s.labels), s.labels);
    }
    return [...seen.values()];
  }

  labelNames(matcherSets: LabelMatcher[][], startMs: number, endMs: number): string[] {
    const names = new Set<string>();
    for (const l of this.seriesOrAll(matcherSets, startMs, endMs)) for (const n in l) names.add(n);
    return [...names].sort();
  }

  labelValues(name: string, matcherSets: LabelMatcher[][], startMs: number, endMs: number): string[] {
    const values = new Set<string>();
    for (const l of this.seriesOrAll(matcherSets, startMs, endMs)) if (l[name]) values.add(l[name]);
    return [...values].sort();
  }

  private seriesOrAll(matcherSets: LabelMatcher[][], startMs: number, endMs: number): Labels[] {
    const sets =
      matcherSets.length > 0 ? matcherSets : [[{ name: '__name__', type: '=~' as const, value: '.+' }]];
    return this.series(sets, startMs, endMs);
  }
}

function samplesIn(s: StoredSeries, startMs: number, endMs: number): SeriesSamples | undefined {
  const lo = lowerBound(s.timestamps, startMs);
  const hi = lowerBound(s.timestamps, endMs + 1);
  if (hi <= lo) return undefined;
  return {
    labels: s.labels,
    timestamps: s.timestamps.slice(lo, hi),
    values: s.values.slice(lo, hi),
    stale: s.stale.slice(lo, hi),
  };
}

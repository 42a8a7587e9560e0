// The contract between PromQL evaluation and storage: the evaluator asks for raw samples of the
// series a selector matches; storage answers synchronously (better-sqlite3 is synchronous).
// Times are Unix milliseconds; samples are ascending by time with at most one per timestamp.
// Selected series stream: storage reads a series' samples when the caller's iteration reaches it,
// so a query over every series holds one series' raw samples at a time, not all of them (the
// evaluator folds each into its step values and drops it; see eval/stream.ts).

export type MatchType = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  name: string;
  type: MatchType;
  value: string;
}

/** Label set of a series, including `__name__`. */
export type Labels = Record<string, string>;

export interface SeriesSamples {
  labels: Labels;
  timestamps: number[];
  values: number[];
  /**
   * Optional (added by PromQL): `stale[i]` truthy when sample i is a Prometheus staleness marker
   * (the NaN with bits 0x7ff0000000000002). A flag, not the NaN itself, because V8 canonicalizes
   * NaN payloads stored in a `number[]`. Absent means no markers. The value at i is then NaN.
   */
  stale?: ArrayLike<number | boolean>;
}

export interface SelectHints {
  /** A further test on a series' labels, applied before its samples are read (the evaluator's
   * RE2-only regexes: see splitForSource). */
  filter?: (labels: Labels) => boolean;
}

export interface SampleSource {
  /**
   * Samples in [startMs, endMs] of every series matching all matchers (and `hints.filter`), in
   * Prometheus' label order (labels.Compare), series without samples in range left out. Lazy: a
   * series' samples are read when the iteration reaches it; iterate once. What queries use.
   */
  stream(
    matchers: LabelMatcher[],
    startMs: number,
    endMs: number,
    hints?: SelectHints,
  ): Iterable<SeriesSamples>;
  /** The same series all at once, in no particular order: for small reads (alert restore, tests). */
  select(matchers: LabelMatcher[], startMs: number, endMs: number): SeriesSamples[];
  /** Label sets of series matching any of the matcher lists and having samples in range. */
  series(matcherSets: LabelMatcher[][], startMs: number, endMs: number): Labels[];
  labelNames(matcherSets: LabelMatcher[][], startMs: number, endMs: number): string[];
  labelValues(name: string, matcherSets: LabelMatcher[][], startMs: number, endMs: number): string[];
  /** Optional: whether labelValues('__name__', [], -∞, +∞) would list `name`, answered without
   * listing (the store: per-name counts; /api/v1/metadata asks it for every family). */
  hasMetricName?(name: string): boolean;
}

/** First index of the ascending `a` whose number is ≥ `x` (a.length when none). */
export function lowerBound(a: number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

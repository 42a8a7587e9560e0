// The contract between PromQL evaluation and storage: the evaluator asks for raw samples of the
// series a selector matches; storage answers synchronously (better-sqlite3 is synchronous).
// Times are Unix milliseconds; samples are ascending by time with at most one per timestamp.

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
}

export interface SampleSource {
  /** Samples in [startMs, endMs] of every series matching all matchers. */
  select(matchers: LabelMatcher[], startMs: number, endMs: number): SeriesSamples[];
  /** Label sets of series matching any of the matcher lists and having samples in range. */
  series(matcherSets: LabelMatcher[][], startMs: number, endMs: number): Labels[];
  labelNames(matcherSets: LabelMatcher[][], startMs: number, endMs: number): string[];
  labelValues(name: string, matcherSets: LabelMatcher[][], startMs: number, endMs: number): string[];
}

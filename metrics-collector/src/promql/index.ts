// The PromQL engine's public surface for the HTTP API, the rules and the UI.
export type { Expr } from './ast.js';
export { PromQLError, PromQLParseError, type PromErrorType } from './errors.js';
export { formatPromError, formatPromResponse, promResponsePieces, statusForErrorType } from './format.js';
export { MemorySource } from './memory-source.js';
export { parseExpr } from './parse.js';
export {
  evaluateInstant,
  evaluateRange,
  type InstantSample,
  MAX_POINTS_PER_SERIES,
  type QueryOptions,
  type QueryResult,
  type RangeSeries,
} from './query.js';
export type { LabelMatcher, Labels, SampleSource, SeriesSamples } from './sample-source.js';

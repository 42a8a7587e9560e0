// The log query language's syntax tree. Grammar and semantics are documented in parse-query.ts.

/** `:` word match, `=` exact, ordered comparisons, `~` regex, `*` exists. */
export type FieldOp = 'match' | 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte' | 'regex' | 'exists';

export type QueryNode =
  /** A bare word or a "quoted phrase": case-insensitive word-boundary match on the message. */
  | { kind: 'text'; value: string; phrase: boolean; pos: number }
  | { kind: 'field'; field: string; op: FieldOp; value: string; pos: number }
  | { kind: 'not'; child: QueryNode; pos: number }
  | { kind: 'and'; children: QueryNode[]; pos: number }
  | { kind: 'or'; children: QueryNode[]; pos: number }
  /** The empty query: matches everything. */
  | { kind: 'all'; pos: number };

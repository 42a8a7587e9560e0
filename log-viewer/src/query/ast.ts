// The log query language's syntax tree. Grammar and semantics are documented in parse-query.ts.

/** `:` word match, `=` exact, ordered comparisons, `~` regex, `*` exists. */
export type FieldOp = 'match' | 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte' | 'regex' | 'exists';

export type QueryNode =
  /** A bare word or a "quoted phrase": case-insensitive word-boundary match on the message. */
  | { kind: 'text'; value: string; phrase: boolean; pos: number }
  /**
   * `flat`: a LogQL label name, which also reads nested keys as Loki flattens them (user_id);
   * `logfmt`: one after `| logfmt`, which reads the line's logfmt keys first (logfmt.ts).
   */
  | {
      kind: 'field';
      field: string;
      op: FieldOp;
      value: string;
      pos: number;
      flat?: boolean;
      logfmt?: boolean;
    }
  | { kind: 'not'; child: QueryNode; pos: number }
  | { kind: 'and'; children: QueryNode[]; pos: number }
  | { kind: 'or'; children: QueryNode[]; pos: number }
  /** The empty query: matches everything. */
  | { kind: 'all'; pos: number };

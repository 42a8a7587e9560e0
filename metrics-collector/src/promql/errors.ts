// PromQL errors carry Prometheus' API errorType so the HTTP layer maps them in one place:
// bad_data → 400, execution → 422, timeout/canceled → 503.
import type { Pos } from './ast.js';

export type PromErrorType = 'bad_data' | 'execution' | 'timeout' | 'canceled' | 'internal';

export class PromQLError extends Error {
  constructor(
    readonly errorType: PromErrorType,
    message: string,
  ) {
    super(message);
    this.name = 'PromQLError';
  }
}

/** A parse error at a position; message formatted like Prometheus: `1:5: parse error: …`. */
export class PromQLParseError extends PromQLError {
  readonly line: number;
  readonly column: number;
  constructor(
    readonly query: string,
    readonly pos: Pos,
    readonly detail: string,
  ) {
    const before = query.slice(0, pos.from);
    const line = before.split('\n').length;
    const column = pos.from - before.lastIndexOf('\n');
    super('bad_data', `${line}:${column}: parse error: ${detail}`);
    this.line = line;
    this.column = column;
    this.name = 'PromQLParseError';
  }
}

export function executionError(message: string): PromQLError {
  return new PromQLError('execution', message);
}

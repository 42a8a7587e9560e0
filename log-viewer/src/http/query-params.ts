// Query-string parameters of the read endpoints, validated into typed values (no `any`).
import { BadRequest, ValidationError } from '@flowrent/shared/errors';
import type { SearchParams } from '../query/run-query.js';
import { decodeCursor } from '../store/scan.js';

export type RawQuery = Record<string, unknown>;

/** How long one page of search results may scan before answering with what it has and a cursor. */
export const SEARCH_BUDGET_MS = 5_000;

/** One string parameter; a repeated parameter takes its last value. */
export function stringParam(q: RawQuery, name: string): string | undefined {
  const v = q[name];
  if (Array.isArray(v)) return stringParam({ [name]: v.at(-1) }, name);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new ValidationError(`'${name}' must be a string`, { param: name });
  return v;
}

export function intParam(
  q: RawQuery,
  name: string,
  options: { min: number; max: number; default: number },
): number {
  const text = stringParam(q, name);
  if (text === undefined || text === '') return options.default;
  if (!/^-?\d+$/.test(text.trim()))
    throw new ValidationError(`'${name}' must be an integer`, { param: name });
  const n = Number(text);
  if (n < options.min || n > options.max) {
    throw new ValidationError(`'${name}' must be from ${options.min} to ${options.max}`, { param: name });
  }
  return n;
}

export function nsParam(q: RawQuery, name: string): bigint {
  const text = stringParam(q, name);
  if (!text || !/^\d{1,20}$/.test(text)) {
    throw new ValidationError(`'${name}' must be nanoseconds since the epoch`, { param: name });
  }
  return BigInt(text);
}

/** A cursor as a page's next_cursor gave it; anything else is a 400 rather than the first page again. */
function cursorParam(q: RawQuery): string | undefined {
  const cursor = stringParam(q, 'cursor') || undefined;
  if (cursor !== undefined && !decodeCursor(cursor))
    throw new BadRequest(`'cursor' must be the next_cursor of a previous page`, { param: 'cursor' });
  return cursor;
}

/** query, from, to, limit, cursor: the parameters every search-like endpoint shares. */
export function searchParams(q: RawQuery, nowNs: bigint, maxLimit: number): SearchParams {
  return {
    query: stringParam(q, 'query') ?? stringParam(q, 'q') ?? '',
    from: stringParam(q, 'from'),
    to: stringParam(q, 'to'),
    limit: intParam(q, 'limit', { min: 1, max: maxLimit, default: 100 }),
    cursor: cursorParam(q),
    nowNs,
    budgetMs: SEARCH_BUDGET_MS,
  };
}

// Issue list parameters → IssueFilter. Pure. The `query` parameter is a small search language:
//   is:unresolved|resolved|ignored|regressed  level:<l>  env:<e>|environment:<e>  release:<r>
//   trace:<32 hex>  <tag>:<value>  "quoted text"  and any other words as free text.
import {
  ISSUE_SORTS,
  ISSUE_STATUSES,
  type IssueFilter,
  type IssueSort,
  type IssueStatus,
  LEVELS,
  type Level,
} from '../model.js';

export class QueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueryError';
  }
}

export type QueryParams = Record<string, string | undefined>;

export function parseIssueParams(params: QueryParams): IssueFilter {
  const filter: IssueFilter = {};
  if (params.project !== undefined) filter.projectId = positiveInt(params.project, 'project');
  if (params.status) filter.status = oneOf(params.status, ISSUE_STATUSES, 'status');
  if (params.level) filter.level = oneOf(params.level, LEVELS, 'level');
  if (params.environment) filter.environment = params.environment;
  if (params.release) filter.release = params.release;
  for (const key of ['first_seen_from', 'first_seen_to', 'last_seen_from', 'last_seen_to'] as const) {
    const v = params[key];
    if (v) {
      const field = key.replace(/_(\w)/g, (_, c: string) => c.toUpperCase()) as
        | 'firstSeenFrom'
        | 'firstSeenTo'
        | 'lastSeenFrom'
        | 'lastSeenTo';
      filter[field] = isoTime(v, key);
    }
  }
  if (params.is_regressed !== undefined) filter.isRegressed = params.is_regressed === 'true';
  if (params.trace_id) filter.traceId = traceId(params.trace_id);
  if (params.sort) filter.sort = oneOf(params.sort, ISSUE_SORTS, 'sort') as IssueSort;
  if (params.cursor) filter.cursor = params.cursor;
  if (params.limit !== undefined) filter.limit = positiveInt(params.limit, 'limit');
  if (params.query) applySearch(filter, params.query);
  return filter;
}

export function applySearch(filter: IssueFilter, query: string): void {
  const words: string[] = [];
  const tokens = query.match(/"[^"]*"|\S+/g) ?? [];
  for (const token of tokens) {
    if (token.startsWith('"')) {
      words.push(token.slice(1, -1));
      continue;
    }
    const colon = token.indexOf(':');
    if (colon <= 0 || colon === token.length - 1) {
      words.push(token);
      continue;
    }
    const key = token.slice(0, colon).toLowerCase();
    const value = token.slice(colon + 1).replace(/^"|"$/g, '');
    if (key === 'is') {
      if (value === 'regressed') filter.isRegressed = true;
      else filter.status = oneOf(value, ISSUE_STATUSES, 'is') as IssueStatus;
    } else if (key === 'level') filter.level = oneOf(value, LEVELS, 'level') as Level;
    else if (key === 'env' || key === 'environment') filter.environment = value;
    else if (key === 'release') filter.release = value;
    else if (key === 'trace' || key === 'trace_id') filter.traceId = traceId(value);
    else if (/^https?$/.test(key)) words.push(token);
    else filter.tags = [...(filter.tags ?? []), { key: token.slice(0, colon), value }];
  }
  const text = words.join(' ').trim();
  if (text) filter.text = text;
}

function positiveInt(v: string, name: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new QueryError(`${name} must be a positive integer`);
  return Number(v);
}

function oneOf<T extends string>(v: string, allowed: readonly T[], name: string): T {
  if (!allowed.includes(v as T)) throw new QueryError(`${name} must be one of ${allowed.join(', ')}`);
  return v as T;
}

function isoTime(v: string, name: string): string {
  const ms = /^\d+(\.\d+)?$/.test(v) ? Number(v) * 1000 : Date.parse(v);
  if (Number.isNaN(ms)) throw new QueryError(`${name} must be RFC 3339 or epoch seconds`);
  return new Date(ms).toISOString();
}

export function traceId(v: string): string {
  const id = v.replaceAll('-', '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(id)) throw new QueryError('trace id must be 32 hex digits');
  return id;
}

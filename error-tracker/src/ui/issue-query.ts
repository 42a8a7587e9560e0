// The issue list's URL state → the store's IssueFilter. The search box takes free text plus
// Sentry-style `key:value` tokens: is:unresolved|resolved|ignored|regressed, level:, env:/environment:,
// release:, trace:; any other key is a tag condition. The URL keeps the raw text so views bookmark.
import {
  ISSUE_SORTS,
  ISSUE_STATUSES,
  type IssueFilter,
  type IssueSort,
  type IssueStatus,
  LEVELS,
  type Level,
} from '../model.js';

export type StatusTab = IssueStatus | 'all';
export const STATUS_TABS: readonly StatusTab[] = ['unresolved', 'resolved', 'ignored', 'all'];

/** Quick ranges for "last seen within". */
export const SINCE_RANGES: Record<string, number> = {
  '1h': 3600_000,
  '24h': 86400_000,
  '7d': 7 * 86400_000,
  '30d': 30 * 86400_000,
};

export interface IssueListState {
  query: string;
  /** A key of SINCE_RANGES, or '' for any time. */
  since: string;
  status: StatusTab;
  sort: IssueSort;
  level: Level | '';
  projectId: number | null;
  cursor: string | null;
}

export const PAGE_SIZE = 50;

function one(value: unknown): string {
  if (Array.isArray(value)) return one(value[0]);
  return typeof value === 'string' ? value : '';
}

/** Reads the list state from a parsed query string; unknown values fall back to defaults. */
export function readListState(params: Record<string, unknown>): IssueListState {
  const status = one(params.status);
  const sort = one(params.sort);
  const level = one(params.level);
  const project = Number(one(params.project));
  return {
    query: one(params.query).slice(0, 500),
    since: one(params.since) in SINCE_RANGES ? one(params.since) : '',
    status: (STATUS_TABS as readonly string[]).includes(status) ? (status as StatusTab) : 'unresolved',
    sort: (ISSUE_SORTS as readonly string[]).includes(sort) ? (sort as IssueSort) : 'last_seen',
    level: (LEVELS as readonly string[]).includes(level) ? (level as Level) : '',
    projectId: Number.isSafeInteger(project) && project > 0 ? project : null,
    cursor: one(params.cursor) || null,
  };
}

/** Splits on whitespace, keeping `key:"quoted value"` and `"quoted text"` together. */
export function tokenize(query: string): string[] {
  const tokens: string[] = [];
  const re = /(?:[^\s"]+:)?"[^"]*"?|\S+/g;
  for (const m of query.matchAll(re)) tokens.push(m[0]);
  return tokens;
}

function unquote(value: string): string {
  return value.replace(/^"/, '').replace(/"$/, '');
}

/** The store filter for a list state; a `is:` token in the text overrides the status tab. */
export function toIssueFilter(state: IssueListState, nowMs: number): IssueFilter {
  const filter: IssueFilter = { sort: state.sort, cursor: state.cursor, limit: PAGE_SIZE };
  if (state.since) filter.lastSeenFrom = new Date(nowMs - SINCE_RANGES[state.since]).toISOString();
  if (state.status !== 'all') filter.status = state.status;
  if (state.level) filter.level = state.level;
  if (state.projectId !== null) filter.projectId = state.projectId;
  const text: string[] = [];
  for (const token of tokenize(state.query)) {
    const colon = token.indexOf(':');
    if (colon <= 0 || token.startsWith('"')) {
      text.push(unquote(token));
      continue;
    }
    const key = token.slice(0, colon).toLowerCase();
    const value = unquote(token.slice(colon + 1));
    if (key === 'is' && (ISSUE_STATUSES as readonly string[]).includes(value))
      filter.status = value as IssueStatus;
    else if (key === 'is' && value === 'regressed') filter.isRegressed = true;
    else if (key === 'level' && (LEVELS as readonly string[]).includes(value)) filter.level = value as Level;
    else if (key === 'env' || key === 'environment') filter.environment = value;
    else if (key === 'release') filter.release = value;
    else if (key === 'trace' || key === 'trace_id') filter.traceId = value.toLowerCase();
    else if (value !== '') {
      filter.tags = [...(filter.tags ?? []), { key: token.slice(0, colon), value }];
    } else text.push(token);
  }
  if (text.length > 0) filter.text = text.join(' ');
  return filter;
}

/** Builds `/?…` for the list with some state changed; defaults are left out to keep URLs short. */
export function listUrl(state: IssueListState, change: Partial<IssueListState> = {}): string {
  const s = { ...state, cursor: null, ...change };
  const params = new URLSearchParams();
  if (s.query) params.set('query', s.query);
  if (s.status !== 'unresolved') params.set('status', s.status);
  if (s.sort !== 'last_seen') params.set('sort', s.sort);
  if (s.level) params.set('level', s.level);
  if (s.since) params.set('since', s.since);
  if (s.projectId !== null) params.set('project', String(s.projectId));
  if (s.cursor) params.set('cursor', s.cursor);
  const qs = params.toString();
  return qs ? `/?${qs}` : '/';
}

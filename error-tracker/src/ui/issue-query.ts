// The issue list's URL state → the store's IssueFilter. The search box speaks the same language
// as the API's `query` parameter (query/issue-search.ts: is:, level:, trace:, tag:value,
// tag:"quoted", tag:[a,b], !tag:value, has:tag, free text); the URL keeps the raw text so every
// view bookmarks.
import {
  ISSUE_SORTS,
  type IssueFilter,
  type IssueSort,
  type IssueStatus,
  LEVELS,
  type Level,
} from '../model.js';
import { applySearch } from '../query/issue-search.js';

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

/** The store filter for a list state; an `is:` token overrides the status tab. Throws QueryError. */
export function toIssueFilter(state: IssueListState, nowMs: number): IssueFilter {
  const filter: IssueFilter = { sort: state.sort, cursor: state.cursor, limit: PAGE_SIZE };
  if (state.since) filter.lastSeenFrom = new Date(nowMs - SINCE_RANGES[state.since]).toISOString();
  if (state.status !== 'all') filter.status = state.status;
  if (state.level) filter.level = state.level;
  if (state.projectId !== null) filter.projectId = state.projectId;
  applySearch(filter, state.query, nowMs);
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

// Issue list parameters → IssueFilter. Pure. The `query` parameter is a small search language
// after Sentry's, tokenized by search-tokens.ts:
//   is:unresolved|resolved|ignored|regressed  level:<l>  trace:<32 hex>  message:<text>
//   <tag>:<value>  <tag>:"quoted \"value\""  <tag>:[a, "b c"]  !<tag>:<v> or -<tag>:<v>
//   has:<tag>  !has:<tag>   (env:, environment: and release: are the tags they name)
//   "<any tag key>":<value>  (a quoted key is that tag's key, never a built-in or alias)
//   <tag>:""  the tag is empty or not set, as in Sentry (empty values are not indexed, so !has:)
//   and any other words or "quoted phrases" as free text over title, culprit and message.
// Sentry's own issue keys: times_seen:>N, age:-24h, firstSeen:/lastSeen: (-1h, +2d, >2026-11-25),
// firstRelease:, error.type:, user.id: (the `user` tag's id:), user.email:/user.username:/user.ip:
// (any user of the issue's events with that value, not only the one the `user` tag names); the
// Sentry keys with no counterpart here (assigned:, bookmarks:...) are a 422 naming them rather than
// tag names that match nothing.
import {
  ISSUE_SORTS,
  ISSUE_STATUSES,
  type IssueFilter,
  type IssueSort,
  type IssueStatus,
  LEVELS,
  type Level,
  type TagTerm,
} from '../model.js';
import { hasRealCalendarFields } from './calendar-date.js';
import {
  formatSearchKey,
  formatSearchValue,
  QueryError,
  type SearchToken,
  tokenizeSearch,
} from './search-tokens.js';

export { QueryError, QuerySyntaxError } from './search-tokens.js';

/** Each tag term is a subquery: bounds keep one search from building an unbounded statement. */
export const MAX_TAG_TERMS = 20;
export const MAX_LIST_VALUES = 100;
const MAX_DATE_MS = 8.64e15;

const TAG_ALIASES: Record<string, string> = {
  env: 'environment',
  environment: 'environment',
  release: 'release',
};
const BUILT_IN_KEYS = new Set([
  'is',
  'level',
  'trace',
  'trace_id',
  'message',
  'times_seen',
  'timesseen',
  'age',
  'firstseen',
  'lastseen',
  'firstrelease',
  'error.type',
]);
/** Sentry issue-search keys that have nothing to match here (no assignees, owners, bookmarks...). */
const UNSUPPORTED_SENTRY_KEYS = new Set([
  'assigned',
  'assigned_or_suggested',
  'bookmarks',
  'subscribed',
  'owner',
  'issue.category',
  'issue.type',
  'issue.priority',
  'issue.seer_actionability',
  'detector',
]);
const USER_FIELDS: Record<string, 'id' | 'email' | 'username' | 'ip'> = {
  'user.id': 'id',
  'user.email': 'email',
  'user.username': 'username',
  'user.ip': 'ip',
};
const IS_VALUES = [...ISSUE_STATUSES, 'regressed'];
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
type Term = SearchToken & { kind: 'term' };

export type QueryParams = Record<string, string | undefined>;

/** `nowMs`: the clock that relative times (`age:-24h`, `lastSeen:-1h`) count back from. */
export function parseIssueParams(params: QueryParams, nowMs?: number): IssueFilter {
  // a parameter given twice arrives as a list, which no filter takes
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && typeof value !== 'string') throw new QueryError(`${key} must be given once`);
  }
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
  if (params.is_regressed !== undefined) {
    filter.isRegressed = oneOf(params.is_regressed, ['true', 'false'], 'is_regressed') === 'true';
  }
  if (params.trace_id) filter.traceId = traceId(params.trace_id);
  if (params.sort) filter.sort = oneOf(params.sort, ISSUE_SORTS, 'sort') as IssueSort;
  if (params.cursor) filter.cursor = params.cursor;
  if (params.limit !== undefined) filter.limit = positiveInt(params.limit, 'limit');
  if (params.query) applySearch(filter, params.query, nowMs);
  return filter;
}

export function applySearch(filter: IssueFilter, query: string, nowMs?: number): void {
  const words: string[] = [];
  const tags: TagTerm[] = [];
  const seen: { status?: IssueStatus } = {};
  for (const token of tokenizeSearch(query)) {
    if (token.kind === 'text') words.push(token.value);
    else if (token.quotedKey) tags.push(tagTerm(token));
    else if (token.key.toLowerCase() === 'has') tags.push(hasTerm(token));
    else if (BUILT_IN_KEYS.has(token.key.toLowerCase())) applyBuiltIn(filter, token, words, seen, nowMs);
    else if (USER_FIELDS[token.key.toLowerCase()]) tags.push(userTerm(token));
    else if (UNSUPPORTED_SENTRY_KEYS.has(token.key.toLowerCase())) {
      throw new QueryError(
        `${token.key}: is a Sentry search key this tracker does not support; write "${token.key}":value for a tag of that name`,
      );
    } else tags.push(tagTerm(token));
  }
  if (tags.length > MAX_TAG_TERMS) throw new QueryError(`a search holds at most ${MAX_TAG_TERMS} tag terms`);
  if (tags.length) filter.tags = tags;
  const text = words.join(' ').trim();
  if (text) filter.text = text;
}

function tagTerm(token: Term): TagTerm {
  if (token.values.length > MAX_LIST_VALUES) {
    throw new QueryError(`${token.key}: a list holds at most ${MAX_LIST_VALUES} values`);
  }
  const key = token.quotedKey ? token.key : (TAG_ALIASES[token.key.toLowerCase()] ?? token.key);
  if (!token.list && token.values[0] === '') return { key, values: [], negated: !token.negated };
  return { key, values: token.values, negated: token.negated };
}

/**
 * `user.id:u1` is the `user` tag's `id:u1` (as userKeyOf() in service/prepare.ts writes it: the id
 * comes first, so the tag names every user with one). The tag holds only the first of id, email,
 * username and IP, so the other three search each field (store/user-values.ts), as Sentry does.
 */
function userTerm(token: Term): TagTerm {
  const field = USER_FIELDS[token.key.toLowerCase()];
  if (field !== 'id') return { ...tagTerm({ ...token, quotedKey: true }), userField: field };
  const term = tagTerm({ ...token, quotedKey: true, key: 'user' });
  return { ...term, values: term.values.map((v) => `id:${v}`) };
}

/** `key:value` that applySearch() reads back as exactly this tag key and value (for links). */
export function formatTagTerm(key: string, value: string): string {
  const lower = key.toLowerCase();
  const literal = !BUILT_IN_KEYS.has(lower) && lower !== 'has' && (TAG_ALIASES[lower] ?? key) === key;
  return `${formatSearchKey(key, !literal)}:${formatSearchValue(value)}`;
}

function hasTerm(token: Term): TagTerm {
  const key = token.values[0];
  if (token.list || !key) throw new QueryError('has: takes one tag name, e.g. has:browser');
  // the user fields are not tags (a tag named "user.email" never exists): as userTerm() reads them
  const field = USER_FIELDS[key.toLowerCase()];
  if (field === 'id') return { key: 'user', values: ['id:*'], negated: token.negated };
  if (field) return { key, values: [], negated: token.negated, userField: field };
  return { key: TAG_ALIASES[key.toLowerCase()] ?? key, values: [], negated: token.negated };
}

function applyBuiltIn(
  filter: IssueFilter,
  token: Term,
  words: string[],
  seen: { status?: IssueStatus },
  nowMs: number | undefined,
): void {
  const key = token.key.toLowerCase();
  if (token.negated) throw new QueryError(`${key}: cannot be negated, only tag terms and has: can`);
  if (token.list) throw new QueryError(`${key}: takes one value, not a list`);
  const value = token.values[0];
  if (key === 'times_seen' || key === 'timesseen') applyTimesSeen(filter, token.key, value);
  else if (key === 'age') applyTime(filter, 'firstSeen', token.key, value, nowMs, true);
  else if (key === 'firstseen') applyTime(filter, 'firstSeen', token.key, value, nowMs, false);
  else if (key === 'lastseen') applyTime(filter, 'lastSeen', token.key, value, nowMs, false);
  else if (key === 'firstrelease') filter.firstRelease = value;
  else if (key === 'error.type') filter.type = value;
  else if (key === 'is') {
    if (value === 'regressed') filter.isRegressed = true;
    else {
      const status = oneOf(value, IS_VALUES, 'is') as IssueStatus;
      // Terms are ANDed: the last of two statuses won, where an issue has only one. (An is: term
      // still overrides the status tab or parameter, set before the search is applied.)
      if (seen.status !== undefined && seen.status !== status)
        throw new QueryError(
          `is:${seen.status} and is:${status} together match nothing: an issue has one status`,
        );
      seen.status = status;
      filter.status = status;
    }
  } else if (key === 'level') filter.level = oneOf(value, LEVELS, 'level') as Level;
  else if (key === 'message') words.push(value);
  else filter.traceId = traceId(value);
}

/** `times_seen:>N`, `>=N`, `<N`, `<=N`, `N` (Sentry's numeric filter) as inclusive event-count bounds. */
function applyTimesSeen(filter: IssueFilter, key: string, value: string): void {
  const m = /^(>=|<=|>|<|=)?(\d{1,15})$/.exec(value);
  if (!m) throw new QueryError(`${key}: takes a count with an optional >, >=, < or <=, e.g. ${key}:>10`);
  const [op, n] = [m[1] ?? '=', Number(m[2])];
  const min = op === '>' ? n + 1 : op === '>=' || op === '=' ? n : undefined;
  const max = op === '<' ? n - 1 : op === '<=' || op === '=' ? n : undefined;
  if (min !== undefined) filter.eventCountMin = Math.max(filter.eventCountMin ?? 0, min);
  if (max !== undefined)
    filter.eventCountMax = Math.min(filter.eventCountMax ?? Number.MAX_SAFE_INTEGER, max);
}

/**
 * Sentry's time filters: `-24h` within the last 24 hours, `+24h` longer ago (units s m h d w), or a
 * comparison with a date (`>2026-11-25`, `<=2026-11-25T10:00:00`). `age:` is first seen, relative
 * only. Several terms narrow the range.
 */
function applyTime(
  filter: IssueFilter,
  field: 'firstSeen' | 'lastSeen',
  key: string,
  value: string,
  nowMs: number | undefined,
  relativeOnly: boolean,
): void {
  const rel = /^([-+])(\d{1,9})([smhdw])$/.exec(value);
  let bound: 'From' | 'To';
  let iso: string;
  if (rel) {
    if (nowMs === undefined) throw new Error("a relative time needs the caller's clock");
    bound = rel[1] === '-' ? 'From' : 'To';
    iso = new Date(nowMs - Number(rel[2]) * UNIT_MS[rel[3]]).toISOString();
  } else {
    const cmp = relativeOnly ? null : /^(>=|<=|>|<)(.+)$/.exec(value);
    if (!cmp) {
      throw new QueryError(
        `${key}: takes ${relativeOnly ? '' : 'a comparison with a date (>2026-11-25) or '}a relative time such as -24h or +7d`,
      );
    }
    bound = cmp[1][0] === '>' ? 'From' : 'To';
    const ms = Date.parse(isoTime(cmp[2], key)) + (cmp[1] === '>' ? 1 : cmp[1] === '<' ? -1 : 0);
    iso = new Date(ms).toISOString();
  }
  const name = `${field}${bound}` as const;
  const current = filter[name];
  const narrower = current === undefined || (bound === 'From' ? iso > current : iso < current);
  if (narrower) filter[name] = iso;
}

function positiveInt(v: string, name: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1 || !Number.isSafeInteger(Number(v)))
    throw new QueryError(`${name} must be a positive integer`);
  return Number(v);
}

function oneOf<T extends string>(v: string, allowed: readonly T[], name: string): T {
  if (!allowed.includes(v as T)) throw new QueryError(`${name} must be one of ${allowed.join(', ')}`);
  return v as T;
}

function isoTime(v: string, name: string): string {
  // a date-time without a zone is UTC, as on ingest (Date.parse would read it in the server's zone)
  // (RFC 3339 allows a space for the T)
  if (!hasRealCalendarFields(v)) throw new QueryError(`${name}: ${v} is not a date (no such day or hour)`);
  const zoned = /[T ]\d\d:\d\d(:\d\d(\.\d+)?)?$/i.test(v) ? `${v}Z` : v;
  const ms = /^\d+(\.\d+)?$/.test(v) ? Number(v) * 1000 : Date.parse(zoned);
  // epoch seconds beyond a Date's range (±8.64e15 ms) would make toISOString() throw
  if (!(Math.abs(ms) <= MAX_DATE_MS)) throw new QueryError(`${name} must be RFC 3339 or epoch seconds`);
  return new Date(ms).toISOString();
}

export function traceId(v: string): string {
  const id = v.replaceAll('-', '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(id)) throw new QueryError('trace id must be 32 hex digits');
  return id;
}

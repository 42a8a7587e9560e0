// Read queries over issues and events: filters, sorts and keyset (cursor) paging. Every statement
// here is checked to use an index in test/store-indexes.test.ts.
import type { Statement } from 'better-sqlite3';
import type { Db } from '@flowrent/shared/db';
import { BadRequest } from '@flowrent/shared/errors';
import type { EventSummary, Issue, IssueFilter, IssueSort, Page } from '../model.js';
import { wildcardParts } from '../query/search-tokens.js';
import { EVENT_SUMMARY_COLUMNS, type EventRow, type IssueRow, toEventSummary, toIssue } from './rows.js';

const SORT_COLUMNS: Record<IssueSort, string> = {
  last_seen: 'last_seen',
  first_seen: 'first_seen',
  events: 'event_count',
  users: 'user_count',
};
const SORT_INDEX: Record<IssueSort, number> = { last_seen: 0, first_seen: 1, events: 2, users: 3 };
export const DEFAULT_PAGE = 25;
export const MAX_PAGE = 100;
const MAX_CACHED_STATEMENTS = 200;

export function clampLimit(limit: number | undefined): number {
  if (!limit || !Number.isFinite(limit) || limit < 1) return DEFAULT_PAGE;
  return Math.min(Math.floor(limit), MAX_PAGE);
}

export function encodeCursor(parts: (number | string)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

function decodeCursor(cursor: string): number[] | null {
  try {
    const parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    return Array.isArray(parts) && parts.every((p) => Number.isFinite(p)) ? parts : null;
  } catch {
    return null;
  }
}

/**
 * The `parts` numbers of a cursor this list gave out. Anything else is a 400, not the first page:
 * a client that mangled its cursor would otherwise loop over page one forever.
 */
function readCursor(cursor: string, parts: number): number[] {
  const values = decodeCursor(cursor);
  if (values?.length !== parts) {
    throw new BadRequest('cursor is not one that this list returned as next_cursor', { param: 'cursor' });
  }
  return values;
}

const ms = (isoTime: string) => Date.parse(isoTime);

/** Builds the SQL and parameters of an issue list query (exported for the index test). */
export function buildIssueQuery(filter: IssueFilter, limit: number): { sql: string; params: unknown[] } {
  const sortCol = SORT_COLUMNS[filter.sort ?? 'last_seen'];
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, ...values: unknown[]) => {
    where.push(clause);
    params.push(...values);
  };
  if (filter.projectId !== undefined) add('project_id = ?', filter.projectId);
  if (filter.status) add('status = ?', filter.status);
  if (filter.level) add('level = ?', filter.level);
  if (filter.isRegressed !== undefined) add('is_regressed = ?', filter.isRegressed ? 1 : 0);
  if (filter.firstSeenFrom) add('first_seen >= ?', ms(filter.firstSeenFrom));
  if (filter.firstSeenTo) add('first_seen <= ?', ms(filter.firstSeenTo));
  if (filter.lastSeenFrom) add('last_seen >= ?', ms(filter.lastSeenFrom));
  if (filter.lastSeenTo) add('last_seen <= ?', ms(filter.lastSeenTo));
  if (filter.eventCountMin !== undefined) add('event_count >= ?', filter.eventCountMin);
  if (filter.eventCountMax !== undefined) add('event_count <= ?', filter.eventCountMax);
  if (filter.type !== undefined) add('type = ?', filter.type);
  if (filter.firstRelease !== undefined) {
    // the release tag value first seen on the issue (tag rows keep their first sighting)
    add(
      `id IN (SELECT issue_id FROM issue_tags t WHERE key = 'release' AND value = ? AND first_seen =
        (SELECT MIN(first_seen) FROM issue_tags WHERE issue_id = t.issue_id AND key = 'release'))`,
      filter.firstRelease,
    );
  }
  if (filter.environment) {
    add(
      "id IN (SELECT issue_id FROM issue_tags WHERE key = 'environment' AND value = ?)",
      filter.environment,
    );
  }
  if (filter.release) {
    add("id IN (SELECT issue_id FROM issue_tags WHERE key = 'release' AND value = ?)", filter.release);
  }
  for (const tag of filter.tags ?? []) {
    // NOT IN rather than a NOT EXISTS join: both probe idx_issue_tags_kv once per query, and the
    // issue scan stays on the sort's index.
    const parts = tag.values.map(wildcardParts);
    const exact = parts.filter((p) => p.length === 1).map((p) => p[0]);
    // GLOB, not LIKE: case-sensitive as `=` is, so a pattern's fixed prefix is an index range
    const globs = parts.filter((p) => p.length > 1).map((p) => p.map(escapeGlob).join('*'));
    const alternatives = [
      ...(exact.length ? [`value IN (${exact.map(() => '?').join(', ')})`] : []),
      ...globs.map(() => 'value GLOB ?'),
    ];
    const values = alternatives.length ? ` AND (${alternatives.join(' OR ')})` : '';
    // a user field is its own table of the same shape (field, value, issue_id): store/user-values.ts
    const from = tag.userField ? 'issue_user_values WHERE field' : 'issue_tags WHERE key';
    add(
      `id ${tag.negated ? 'NOT IN' : 'IN'} (SELECT issue_id FROM ${from} = ?${values})`,
      tag.userField ?? tag.key,
      ...exact,
      ...globs,
    );
  }
  if (filter.traceId) add('id IN (SELECT issue_id FROM events WHERE trace_id = ?)', filter.traceId);
  if (filter.text) {
    const pattern = wildcardParts(filter.text)
      .map((part) => part.replace(/[\\%_]/g, (c) => `\\${c}`))
      .join('%');
    // SQLite's LIKE folds ASCII letters only: a needle with other letters (Ошибка, Über) compares
    // through fold(), JS's Unicode toLowerCase, on both sides; ASCII needles keep the cheaper LIKE
    const unicode = /[^\x00-\x7f]/.test(pattern);
    const like = `%${unicode ? pattern.toLowerCase() : pattern}%`;
    const col = (name: string) => (unicode ? `${FOLD}(${name})` : name);
    add(
      `(${col('title')} LIKE ? ESCAPE '\\' OR ${col('culprit')} LIKE ? ESCAPE '\\' OR ${col('message')} LIKE ? ESCAPE '\\')`,
      like,
      like,
      like,
    );
  }
  if (filter.cursor) {
    // [sort value, id, sort]: a cursor of one sort read as another's would page from a wrong place
    const [value, id, sort] = readCursor(filter.cursor, 3);
    if (sort !== SORT_INDEX[filter.sort ?? 'last_seen']) {
      throw new BadRequest('cursor belongs to a list with another sort', { param: 'cursor' });
    }
    add(`(${sortCol}, id) < (?, ?)`, value, id);
  }
  const sql =
    `SELECT * FROM issues ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ` +
    `ORDER BY ${sortCol} DESC, id DESC LIMIT ?`;
  params.push(limit + 1);
  return { sql, params };
}

/** A literal for GLOB: its `*`, `?` and `[` each in a one-character set. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[]/g, '[$&]');
}

/** Unicode lower case for the free-text search (registered on each connection that lists issues). */
const FOLD = 'unicode_lower';

export function createIssueQueries(db: Db) {
  db.function(FOLD, { deterministic: true }, (text: unknown) =>
    typeof text === 'string' ? text.toLowerCase() : text,
  );
  const cache = new Map<string, Statement<unknown[]>>();
  const prepared = (sql: string) => {
    let stmt = cache.get(sql);
    if (!stmt) {
      // Searches with lists and several tag terms make many distinct statements: bound the cache.
      if (cache.size >= MAX_CACHED_STATEMENTS) cache.clear();
      stmt = db.prepare<unknown[]>(sql);
      cache.set(sql, stmt);
    }
    return stmt;
  };
  const traceEvents = db.prepare(
    `SELECT ${EVENT_SUMMARY_COLUMNS} FROM events WHERE trace_id = ? AND id < ? ORDER BY id DESC LIMIT ?`,
  );
  // by the events' time, then arrival, as the issue page's latest event and older/newer
  const issueEvents = db.prepare(
    `SELECT ${EVENT_SUMMARY_COLUMNS} FROM events WHERE issue_id = ? AND (timestamp, id) < (?, ?)
     ORDER BY timestamp DESC, id DESC LIMIT ?`,
  );

  return {
    listIssues(filter: IssueFilter): Page<Issue> {
      const limit = clampLimit(filter.limit);
      const { sql, params } = buildIssueQuery(filter, limit);
      const rows = prepared(sql).all(...params) as IssueRow[];
      const sort = filter.sort ?? 'last_seen';
      const sortCol = SORT_COLUMNS[sort] as keyof IssueRow;
      const more = rows.length > limit;
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        data: page.map(toIssue),
        nextCursor: more && last ? encodeCursor([last[sortCol] as number, last.id, SORT_INDEX[sort]]) : null,
      };
    },
    listTraceEvents(traceId: string, cursor: string | null | undefined, limit: number): Page<EventSummary> {
      const rows = traceEvents.all(
        traceId,
        cursor ? readCursor(cursor, 1)[0] : Number.MAX_SAFE_INTEGER,
        limit + 1,
      );
      return eventPage(rows as EventRow[], limit, (last) => [last.id]);
    },
    listIssueEvents(
      issueId: number,
      cursor: string | null | undefined,
      limitIn?: number,
    ): Page<EventSummary> {
      const limit = clampLimit(limitIn);
      // [timestamp, id] of the page's last event; the one-part cursors of the arrival order are a 400
      const [time, id] = cursor ? readCursor(cursor, 2) : [Number.MAX_SAFE_INTEGER, 0];
      const rows = issueEvents.all(issueId, time, id, limit + 1) as EventRow[];
      return eventPage(rows, limit, (last) => [last.timestamp, last.id]);
    },
  };
}

/** A page of events newest first by id: `read(before)` returns up to limit + 1 rows with id < before. */
/** `rows`: up to limit + 1 rows; `keyOf` gives the next cursor's parts from a page's last row. */
function eventPage(rows: EventRow[], limit: number, keyOf: (last: EventRow) => number[]): Page<EventSummary> {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    data: page.map(toEventSummary),
    nextCursor: rows.length > limit && last ? encodeCursor(keyOf(last)) : null,
  };
}

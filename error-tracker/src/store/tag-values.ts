// An issue's tag distributions: each key's top values for the issue page, and one key's values
// paged (GET /api/issues/:id/tags/:key). Most events first, then by value; the page's cursor is
// the last row's (count, value), so a page reads from the primary key (issue_id, key, …) and
// never skips or repeats a value that does not change count between pages.
import { BadRequest } from '@flowrent/shared/errors';
import type { Db } from '@flowrent/shared/db';
import type { TagSummary, TagValueCount, TagValuePage } from '../model.js';
import { encodeCursor } from './issue-queries.js';
import { iso } from './rows.js';

interface TagRow {
  key: string;
  value: string;
  count: number;
  first_seen: number;
  last_seen: number;
}

const toTagValue = (r: TagRow): TagValueCount => ({
  key: r.key,
  value: r.value,
  count: r.count,
  firstSeen: iso(r.first_seen),
  lastSeen: iso(r.last_seen),
});

/** The (count, value) of a cursor this list gave out; anything else is a 400, not page one. */
function readTagCursor(cursor: string): [number, string] {
  try {
    const parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(parts) &&
      parts.length === 2 &&
      Number.isSafeInteger(parts[0]) &&
      typeof parts[1] === 'string'
    )
      return [parts[0], parts[1]];
  } catch {
    // not base64url JSON: the same 400
  }
  throw new BadRequest('cursor is not one that this list returned as next_cursor', { param: 'cursor' });
}

export function createTagValues(db: Db) {
  const q = {
    keys: db.prepare(
      'SELECT key, sum(count) AS total FROM issue_tags WHERE issue_id = ? GROUP BY key ORDER BY key',
    ),
    top: db.prepare(
      'SELECT * FROM issue_tags WHERE issue_id = ? AND key = ? ORDER BY count DESC, value LIMIT ?',
    ),
    after: db.prepare(
      `SELECT * FROM issue_tags WHERE issue_id = ? AND key = ? AND (count < ? OR (count = ? AND value > ?))
       ORDER BY count DESC, value LIMIT ?`,
    ),
    totals: db.prepare(
      'SELECT count(*) AS uniqueValues, coalesce(sum(count), 0) AS totalCount FROM issue_tags WHERE issue_id = ? AND key = ?',
    ),
  };
  return {
    listIssueTags(issueId: number, topN: number): TagSummary[] {
      const keys = q.keys.all(issueId) as { key: string; total: number }[];
      return keys.map((k) => ({
        key: k.key,
        totalCount: k.total,
        topValues: (q.top.all(issueId, k.key, topN) as TagRow[]).map(toTagValue),
      }));
    },
    getTagValues(
      issueId: number,
      key: string,
      page: { limit: number; cursor?: string | null },
    ): TagValuePage {
      const rows = (
        page.cursor
          ? q.after.all(issueId, key, ...repeatCount(readTagCursor(page.cursor)), page.limit + 1)
          : q.top.all(issueId, key, page.limit + 1)
      ) as TagRow[];
      const data = rows.slice(0, page.limit);
      const last = data[data.length - 1];
      const totals = q.totals.get(issueId, key) as { uniqueValues: number; totalCount: number };
      return {
        data: data.map(toTagValue),
        nextCursor: rows.length > page.limit && last ? encodeCursor([last.count, last.value]) : null,
        ...totals,
      };
    },
  };
}

const repeatCount = ([count, value]: [number, string]) => [count, count, value] as const;

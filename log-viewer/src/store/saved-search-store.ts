// Saved searches: one statement per function over the saved_searches table (migration 0002).
// Kept in its own folder rather than store/, which holds the log block store of another owner.
import type { Db } from '@flowrent/shared/db';
import { Conflict } from '@flowrent/shared/errors';

export interface SavedSearch {
  id: number;
  name: string;
  query: string;
  /** As the API takes it: `24h`, RFC 3339, epoch ms; '' = the default range. */
  from: string;
  to: string;
  createdAtMs: number;
  updatedAtMs: number;
}

export interface SavedSearchInput {
  name: string;
  query: string;
  from: string;
  to: string;
}

interface Row {
  id: number;
  name: string;
  query: string;
  range_from: string;
  range_to: string;
  created_at_ms: number;
  updated_at_ms: number;
}

const COLUMNS = 'id, name, query, range_from, range_to, created_at_ms, updated_at_ms';

function toSavedSearch(r: Row): SavedSearch {
  return {
    id: r.id,
    name: r.name,
    query: r.query,
    from: r.range_from,
    to: r.range_to,
    createdAtMs: r.created_at_ms,
    updatedAtMs: r.updated_at_ms,
  };
}

function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE';
}

export class SavedSearchStore {
  constructor(private readonly db: Db) {}

  list(): SavedSearch[] {
    const rows = this.db
      .prepare(`SELECT ${COLUMNS} FROM saved_searches ORDER BY name COLLATE NOCASE`)
      .all() as Row[];
    return rows.map(toSavedSearch);
  }

  get(id: number): SavedSearch | undefined {
    const row = this.db.prepare(`SELECT ${COLUMNS} FROM saved_searches WHERE id = ?`).get(id) as
      | Row
      | undefined;
    return row && toSavedSearch(row);
  }

  create(input: SavedSearchInput, nowMs: number): SavedSearch {
    try {
      const row = this.db
        .prepare(
          `INSERT INTO saved_searches (name, query, range_from, range_to, created_at_ms, updated_at_ms)
           VALUES (?, ?, ?, ?, ?, ?) RETURNING ${COLUMNS}`,
        )
        .get(input.name, input.query, input.from, input.to, nowMs, nowMs) as Row;
      return toSavedSearch(row);
    } catch (err) {
      if (isUniqueViolation(err))
        throw new Conflict(`a saved search named '${input.name}' exists`, { name: input.name });
      throw err;
    }
  }

  update(id: number, input: SavedSearchInput, nowMs: number): SavedSearch | undefined {
    try {
      const row = this.db
        .prepare(
          `UPDATE saved_searches SET name = ?, query = ?, range_from = ?, range_to = ?, updated_at_ms = ?
           WHERE id = ? RETURNING ${COLUMNS}`,
        )
        .get(input.name, input.query, input.from, input.to, nowMs, id) as Row | undefined;
      return row && toSavedSearch(row);
    } catch (err) {
      if (isUniqueViolation(err))
        throw new Conflict(`a saved search named '${input.name}' exists`, { name: input.name });
      throw err;
    }
  }

  delete(id: number): boolean {
    return this.db.prepare('DELETE FROM saved_searches WHERE id = ?').run(id).changes > 0;
  }
}

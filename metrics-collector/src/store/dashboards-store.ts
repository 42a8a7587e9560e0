// SQL for saved dashboards (the UI's only table). Kept beside the UI rather than in store/, which holds
// the sample storage engine; one function per statement, synchronous like better-sqlite3.
import type { Db } from '@flowrent/shared/db';
import { type Dashboard, parseStoredDashboard } from '../dashboards/dashboard-model.js';

export interface DashboardSummary {
  id: number;
  title: string;
  panelCount: number;
  updatedMs: number;
}

export interface StoredDashboard {
  id: number;
  dashboard: Dashboard;
  createdMs: number;
  updatedMs: number;
}

interface Row {
  id: number;
  title: string;
  definition: string;
  created_ms: number;
  updated_ms: number;
}

export class DashboardsStore {
  constructor(private readonly db: Db) {}

  list(): DashboardSummary[] {
    const rows = this.db
      .prepare(
        'SELECT id, title, definition, created_ms, updated_ms FROM ui_dashboards ORDER BY title COLLATE NOCASE, id',
      )
      .all() as Row[];
    return rows.map((r) => ({
      id: r.id,
      title: r.title,
      panelCount: (JSON.parse(r.definition) as Dashboard).panels.length,
      updatedMs: r.updated_ms,
    }));
  }

  get(id: number): StoredDashboard | undefined {
    const row = this.db
      .prepare('SELECT id, title, definition, created_ms, updated_ms FROM ui_dashboards WHERE id = ?')
      .get(id) as Row | undefined;
    if (!row) return undefined;
    // Stored definitions were validated on the way in; parsing again keeps old rows in today's shape.
    return {
      id: row.id,
      dashboard: parseStoredDashboard(JSON.parse(row.definition)),
      createdMs: row.created_ms,
      updatedMs: row.updated_ms,
    };
  }

  create(dashboard: Dashboard, nowMs: number): number {
    const result = this.db
      .prepare('INSERT INTO ui_dashboards (title, definition, created_ms, updated_ms) VALUES (?, ?, ?, ?)')
      .run(dashboard.title, JSON.stringify(dashboard), nowMs, nowMs);
    return Number(result.lastInsertRowid);
  }

  update(id: number, dashboard: Dashboard, nowMs: number): boolean {
    const result = this.db
      .prepare('UPDATE ui_dashboards SET title = ?, definition = ?, updated_ms = ? WHERE id = ?')
      .run(dashboard.title, JSON.stringify(dashboard), nowMs, id);
    return result.changes > 0;
  }

  delete(id: number): boolean {
    return this.db.prepare('DELETE FROM ui_dashboards WHERE id = ?').run(id).changes > 0;
  }
}

-- Web UI dashboards (owned by src/ui/). `definition` is the dashboard JSON validated by
-- src/ui/dashboard-model.ts (title, range, refresh, panels); the title is duplicated for listing.
CREATE TABLE ui_dashboards (
  id INTEGER PRIMARY KEY,
  title TEXT NOT NULL,
  definition TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL
);
CREATE INDEX ui_dashboards_by_title ON ui_dashboards (title COLLATE NOCASE);

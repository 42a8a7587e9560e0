-- Saved searches of the log viewer UI and API (issue 4, item 4): a named query with its time range.
CREATE TABLE saved_searches (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  query TEXT NOT NULL,
  range_from TEXT NOT NULL DEFAULT '',
  range_to TEXT NOT NULL DEFAULT '',
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);

-- The inbox file (errors-inbox.db next to errors.db): accepted requests waiting to be grouped.
-- Only the main thread writes it (group commits of the accept path, and removing what the digest
-- consumed); the digest reads it. Rows are either an event (event_id, facts, payload) or the
-- item counts and session updates of one group commit for one project (counts), or both.
CREATE TABLE inbox (
  -- given by the appender, increasing and never reused, also when the file is emptied or replaced:
  -- errors.db's inbox_progress.digested_through refers to these ids
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL,
  event_id TEXT,
  received_at INTEGER,
  -- JSON of the precomputed grouping and summary (EventFacts)
  facts TEXT,
  payload BLOB,
  -- JSON {"items":{"<type>":n,...},"sessions":[SessionUpdate,...]}
  counts TEXT
);

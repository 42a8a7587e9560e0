-- Inbox entries the digest can never apply (a constraint or a value the schema refuses, facts that do
-- not parse: written by a version that accepted what it should have refused). Kept here as they
-- were, with the error, instead of being retried forever: one such entry stopped every later event
-- from being grouped (src/store/digest.ts). For an operator to inspect; nothing reads them back.
CREATE TABLE digest_quarantine (
  inbox_id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL,
  event_id TEXT,
  received_at INTEGER,
  facts TEXT,
  payload BLOB,
  counts TEXT,
  error TEXT NOT NULL,
  quarantined_at INTEGER NOT NULL
);

-- Who deleted an issue, and when: the delete takes the issue's history with it, so nothing said
-- who removed it (black-box 10 #66; Sentry keeps it in its audit log). One small row per deleted
-- issue, kept; its id then answers a 404 that names the actor and time.
CREATE TABLE deleted_issues (
  issue_id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL,
  title TEXT NOT NULL,
  event_count INTEGER NOT NULL,
  deleted_by TEXT NOT NULL,
  deleted_at INTEGER NOT NULL
);

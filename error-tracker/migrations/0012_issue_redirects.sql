-- A merged-away issue's id leads to the issue it was merged into, as Sentry's GroupRedirect: links
-- in alerts, tickets and bookmarks keep working after a merge (they answered 404). One row per
-- merged-away id, kept flat: when a target is merged away in turn, its rows move on to the new
-- target (store/workflow.ts). Deleting the target deletes them: the ids are then a plain 404.
CREATE TABLE issue_redirects (
  issue_id INTEGER PRIMARY KEY,
  target_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE
);
CREATE INDEX idx_issue_redirects_target ON issue_redirects(target_id);

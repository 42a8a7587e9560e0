-- Sessions counted as errored, per project and sid (store/digest.ts applySessions): a session is
-- errored when any of its updates reports errors > 0 (SDKs start a session clean and send the error
-- in a later update), counted once, and taken back when the session ends crashed or abnormal
-- (Sentry's errored excludes them). counted = 1 while the release's errored column holds it; 0 for
-- a sid that ended crashed/abnormal. Rows not seen for the retention's window are forgotten.
CREATE TABLE session_errored (
  project_id INTEGER NOT NULL,
  sid TEXT NOT NULL,
  counted INTEGER NOT NULL,
  seen_at INTEGER NOT NULL,
  UNIQUE (project_id, sid)
);
CREATE INDEX session_errored_seen ON session_errored (seen_at);

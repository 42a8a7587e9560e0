-- user.email:, user.username: and user.ip: search each field of the users of an issue's events, as
-- Sentry does: the `user` tag (and issue_users) hold one identifier per user, the first of id,
-- email, username and IP address, so a user sent with an id was not found by email. One row per
-- issue and distinct value of each of the three fields (the id stays the `user` tag's `id:…`).
-- The digest adds an event's values from its facts; the events stored before this migration are
-- filled by a background pass from their payloads (store/user-values.ts, progress in _meta), a
-- separate step because it needs the payloads decoded, which SQL cannot do.
CREATE TABLE issue_user_values (
  issue_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
  field TEXT NOT NULL CHECK (field IN ('email', 'username', 'ip')),
  value TEXT NOT NULL,
  PRIMARY KEY (issue_id, field, value)
) WITHOUT ROWID;
CREATE INDEX idx_issue_user_values_fv ON issue_user_values(field, value, issue_id);

-- Schema of the error tracker. Times are epoch milliseconds (INTEGER). Event payloads are stored
-- compressed (see src/store/codec.ts). Every list query has an index; see test/store-indexes.test.ts.
CREATE TABLE service_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE projects (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  slug TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  quota_per_minute INTEGER NOT NULL DEFAULT 0,
  quota_per_hour INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE project_keys (
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  public_key TEXT NOT NULL UNIQUE,
  label TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX idx_project_keys_project ON project_keys(project_id);

-- Accepted, not yet grouped events: appended in the request's transaction (durable before the 200),
-- consumed in order by the digest loop. `facts` is the JSON of the precomputed grouping and summary.
CREATE TABLE inbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id INTEGER NOT NULL,
  event_id TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  facts TEXT NOT NULL,
  payload BLOB NOT NULL
);

CREATE TABLE issues (
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  grouping_version INTEGER NOT NULL,
  title TEXT NOT NULL,
  culprit TEXT NOT NULL,
  type TEXT NOT NULL,
  message TEXT NOT NULL,
  level TEXT NOT NULL,
  platform TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'unresolved',
  is_regressed INTEGER NOT NULL DEFAULT 0,
  resolved_in_release TEXT,
  resolved_at INTEGER,
  ignore_until_events INTEGER,
  ignore_until_time INTEGER,
  ignore_until_users INTEGER,
  ignored_at_events INTEGER,
  ignored_at_users INTEGER,
  is_ignored_forever INTEGER NOT NULL DEFAULT 0,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  event_count INTEGER NOT NULL DEFAULT 0,
  user_count INTEGER NOT NULL DEFAULT 0,
  stored_count INTEGER NOT NULL DEFAULT 0,
  last_release TEXT,
  last_environment TEXT,
  latest_event_id TEXT
);
CREATE INDEX idx_issues_last_seen ON issues(last_seen, id);
CREATE INDEX idx_issues_first_seen ON issues(first_seen, id);
CREATE INDEX idx_issues_events ON issues(event_count, id);
CREATE INDEX idx_issues_users ON issues(user_count, id);
CREATE INDEX idx_issues_project_last_seen ON issues(project_id, last_seen, id);
CREATE INDEX idx_issues_project_status_last_seen ON issues(project_id, status, last_seen, id);
CREATE INDEX idx_issues_status_ignore_time ON issues(status, ignore_until_time)
  WHERE ignore_until_time IS NOT NULL;
CREATE INDEX idx_issues_stored ON issues(stored_count);

-- Grouping key → issue. Many keys may point at one issue (merges).
CREATE TABLE groupings (
  project_id INTEGER NOT NULL,
  hash TEXT NOT NULL,
  version INTEGER NOT NULL,
  issue_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
  PRIMARY KEY (project_id, hash)
) WITHOUT ROWID;
CREATE INDEX idx_groupings_issue ON groupings(issue_id);

CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL,
  event_id TEXT NOT NULL,
  issue_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
  timestamp INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  level TEXT NOT NULL,
  title TEXT NOT NULL,
  message TEXT NOT NULL,
  release TEXT,
  environment TEXT,
  trace_id TEXT,
  user_key TEXT,
  payload BLOB NOT NULL
);
CREATE UNIQUE INDEX idx_events_event_id ON events(event_id, project_id);
CREATE INDEX idx_events_issue ON events(issue_id, id);
CREATE INDEX idx_events_issue_received ON events(issue_id, received_at);
CREATE INDEX idx_events_received ON events(received_at);
CREATE INDEX idx_events_trace ON events(trace_id) WHERE trace_id IS NOT NULL;

CREATE TABLE issue_tags (
  issue_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  count INTEGER NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  PRIMARY KEY (issue_id, key, value)
) WITHOUT ROWID;
CREATE INDEX idx_issue_tags_kv ON issue_tags(key, value, issue_id);

CREATE TABLE issue_users (
  issue_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
  user_key TEXT NOT NULL,
  PRIMARY KEY (issue_id, user_key)
) WITHOUT ROWID;

CREATE TABLE issue_hourly (
  issue_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
  hour INTEGER NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (issue_id, hour)
) WITHOUT ROWID;

CREATE TABLE status_changes (
  id INTEGER PRIMARY KEY,
  issue_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
  from_status TEXT,
  to_status TEXT NOT NULL,
  actor TEXT NOT NULL,
  at INTEGER NOT NULL,
  details TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX idx_status_changes_issue ON status_changes(issue_id, id);

CREATE TABLE releases (
  project_id INTEGER NOT NULL,
  release TEXT NOT NULL,
  first_seen INTEGER NOT NULL,
  PRIMARY KEY (project_id, release)
) WITHOUT ROWID;

CREATE TABLE release_health (
  project_id INTEGER NOT NULL,
  release TEXT NOT NULL,
  environment TEXT NOT NULL,
  sessions INTEGER NOT NULL DEFAULT 0,
  crashed INTEGER NOT NULL DEFAULT 0,
  errored INTEGER NOT NULL DEFAULT 0,
  abnormal INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (project_id, release, environment)
) WITHOUT ROWID;

CREATE TABLE item_counts (
  project_id INTEGER NOT NULL,
  type TEXT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (project_id, type)
) WITHOUT ROWID;

CREATE TABLE alert_rules (
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  trigger TEXT NOT NULL,
  url TEXT NOT NULL,
  format TEXT NOT NULL DEFAULT 'json',
  threshold INTEGER,
  window_minutes INTEGER,
  enabled INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL
);
CREATE INDEX idx_alert_rules_project ON alert_rules(project_id);

-- Last time a frequency rule fired for an issue, so it fires once per window.
CREATE TABLE alert_state (
  rule_id INTEGER NOT NULL REFERENCES alert_rules(id) ON DELETE CASCADE,
  issue_id INTEGER NOT NULL,
  last_fired_at INTEGER NOT NULL,
  PRIMARY KEY (rule_id, issue_id)
) WITHOUT ROWID;

-- Outbox of webhook deliveries, written in the digest transaction, sent by the alert loop.
CREATE TABLE alert_deliveries (
  id INTEGER PRIMARY KEY,
  rule_id INTEGER NOT NULL REFERENCES alert_rules(id) ON DELETE CASCADE,
  project_id INTEGER NOT NULL,
  issue_id INTEGER NOT NULL,
  trigger TEXT NOT NULL,
  url TEXT NOT NULL,
  body TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  last_error TEXT,
  response_status INTEGER,
  created_at INTEGER NOT NULL,
  delivered_at INTEGER
);
CREATE INDEX idx_alert_deliveries_due ON alert_deliveries(status, next_attempt_at);
CREATE INDEX idx_alert_deliveries_project ON alert_deliveries(project_id, id);

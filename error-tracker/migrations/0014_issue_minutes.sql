-- Events per issue per minute (received time), for "more than N events in M minutes" rules: they
-- counted the stored events, so once retention pruned an issue (MAX_EVENTS_PER_ISSUE) a rule at or
-- above the cap never fired (black-box 10 #67). Sentry counts from its time series, which event
-- retention does not touch. Written only for projects with a frequency rule; rows older than the
-- longest window are pruned by the maintenance pass. No backfill: a window counts from the upgrade.
CREATE TABLE issue_minutes (
  issue_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
  minute INTEGER NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (issue_id, minute)
) WITHOUT ROWID;

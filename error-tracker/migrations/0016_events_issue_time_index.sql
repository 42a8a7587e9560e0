-- An issue's events, its latest event and older/newer run by the events' time, then arrival, as in
-- Sentry (black-box 10 #74: a late-delivered event from 20 days ago was listed first and opened as
-- the latest). idx_events_issue_received served the frequency alert's window count, which counts
-- issue_minutes since migration 0014: it becomes this index, so the digest writes no more indexes.
DROP INDEX IF EXISTS idx_events_issue_received;
CREATE INDEX IF NOT EXISTS idx_events_issue_time ON events(issue_id, timestamp, id);

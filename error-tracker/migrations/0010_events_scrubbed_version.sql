-- Superseded before release (same session): this migration marked a database with no events as
-- scrubbed, but it cannot see the inbox (its own database) where entries an older version accepted
-- may wait. The service does it instead at start (service/maintenance.ts start(): the rescrub pass
-- begins, and on an empty events table ends at once, only when the inbox is empty). Kept as a
-- no-op so that databases already at schema 10 stay readable.
SELECT 1;

-- First schema of the metrics collector. The domain tables arrive with the service's own issue.
CREATE TABLE service_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);

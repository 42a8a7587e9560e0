-- Drops the `inbox` table of 0001, which no version since 0002 writes (the inbox has its own file,
-- errors-inbox.db). Rows an older version left in it (accepted, never grouped: only a crash of a
-- schema-1 version leaves any) used to be moved to the inbox file at start-up; the start-up runs
-- after every migration, so this one groups them itself, here, before the drop: a migration cannot
-- reach the other file. The same steps as store/digest.ts, set-wise, from the facts computed on
-- accept: an event_id the project already has is skipped (and later copies of one in the table),
-- an unknown grouping key makes an issue, then events, issue counters and latest event, users,
-- tag counts, hourly series and releases. Not done for these rows: regressions of resolved issues,
-- ignore expiry and alerts (the events are history by now); their item counts were applied when
-- they were accepted.
CREATE TEMP TABLE legacy AS
SELECT i.id, i.project_id, i.event_id, i.received_at, i.payload,
  json_extract(i.facts, '$.groupingHash') AS hash,
  json_extract(i.facts, '$.groupingVersion') AS version,
  json_extract(i.facts, '$.timestampMs') AS timestamp,
  json_extract(i.facts, '$.title') AS title,
  json_extract(i.facts, '$.culprit') AS culprit,
  json_extract(i.facts, '$.type') AS type,
  json_extract(i.facts, '$.message') AS message,
  json_extract(i.facts, '$.level') AS level,
  json_extract(i.facts, '$.platform') AS platform,
  json_extract(i.facts, '$.release') AS release,
  json_extract(i.facts, '$.environment') AS environment,
  json_extract(i.facts, '$.traceId') AS trace_id,
  json_extract(i.facts, '$.userKey') AS user_key,
  json_extract(i.facts, '$.tags') AS tags
FROM inbox i
WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.event_id = i.event_id AND e.project_id = i.project_id)
  AND i.id = (SELECT min(j.id) FROM inbox j WHERE j.event_id = i.event_id AND j.project_id = i.project_id);

-- one new issue per unknown grouping key, numbered after the existing ones, made from its first
-- event as the digest makes it (type, platform and grouping version stay those; the UPDATE below
-- sets title, culprit, message and level from the latest event, as the digest does)
CREATE TEMP TABLE legacy_new_issues AS
SELECT (SELECT coalesce(max(id), 0) FROM issues) + row_number() OVER (ORDER BY k.first_id) AS issue_id, k.*
FROM (
  SELECT project_id, hash, min(id) AS first_id
  FROM legacy l
  WHERE NOT EXISTS (SELECT 1 FROM groupings g WHERE g.project_id = l.project_id AND g.hash = l.hash)
  GROUP BY project_id, hash
) k;

INSERT INTO issues (id, project_id, grouping_version, title, culprit, type, message, level, platform,
  first_seen, last_seen)
SELECT n.issue_id, n.project_id, l.version, l.title, l.culprit, l.type, l.message, l.level, l.platform,
  l.received_at, l.received_at
FROM legacy_new_issues n JOIN legacy l ON l.id = n.first_id;

INSERT INTO groupings (project_id, hash, version, issue_id)
SELECT n.project_id, n.hash, l.version, n.issue_id
FROM legacy_new_issues n JOIN legacy l ON l.id = n.first_id;

INSERT INTO events (project_id, event_id, issue_id, timestamp, received_at, level, title, message,
  release, environment, trace_id, user_key, payload)
SELECT l.project_id, l.event_id, g.issue_id, l.timestamp, l.received_at, l.level, l.title, l.message,
  l.release, l.environment, l.trace_id, l.user_key, l.payload
FROM legacy l JOIN groupings g ON g.project_id = l.project_id AND g.hash = l.hash
ORDER BY l.id;

INSERT OR IGNORE INTO issue_users (issue_id, user_key)
SELECT g.issue_id, l.user_key
FROM legacy l JOIN groupings g ON g.project_id = l.project_id AND g.hash = l.hash
WHERE l.user_key IS NOT NULL;

CREATE TEMP TABLE legacy_issue_events AS
SELECT g.issue_id, count(*) AS n, min(l.received_at) AS first_seen, max(l.received_at) AS last_seen,
  max(l.id) AS last_id
FROM legacy l JOIN groupings g ON g.project_id = l.project_id AND g.hash = l.hash
GROUP BY g.issue_id;

UPDATE issues SET
  event_count = event_count + (SELECT n FROM legacy_issue_events x WHERE x.issue_id = issues.id),
  stored_count = stored_count + (SELECT n FROM legacy_issue_events x WHERE x.issue_id = issues.id),
  user_count = (SELECT count(*) FROM issue_users u WHERE u.issue_id = issues.id),
  first_seen = min(first_seen, (SELECT first_seen FROM legacy_issue_events x WHERE x.issue_id = issues.id)),
  last_seen = max(last_seen, (SELECT last_seen FROM legacy_issue_events x WHERE x.issue_id = issues.id)),
  title = (SELECT l.title FROM legacy_issue_events x JOIN legacy l ON l.id = x.last_id WHERE x.issue_id = issues.id),
  culprit = (SELECT l.culprit FROM legacy_issue_events x JOIN legacy l ON l.id = x.last_id WHERE x.issue_id = issues.id),
  message = (SELECT l.message FROM legacy_issue_events x JOIN legacy l ON l.id = x.last_id WHERE x.issue_id = issues.id),
  level = (SELECT l.level FROM legacy_issue_events x JOIN legacy l ON l.id = x.last_id WHERE x.issue_id = issues.id),
  last_release = coalesce((SELECT l.release FROM legacy_issue_events x JOIN legacy l ON l.id = x.last_id
    WHERE x.issue_id = issues.id), last_release),
  last_environment = coalesce((SELECT l.environment FROM legacy_issue_events x JOIN legacy l ON l.id = x.last_id
    WHERE x.issue_id = issues.id), last_environment),
  latest_event_id = (SELECT event_id FROM events e WHERE e.issue_id = issues.id ORDER BY e.id DESC LIMIT 1)
WHERE id IN (SELECT issue_id FROM legacy_issue_events);

-- as the digest leaves them, which takes the events in inbox order: a tag's first and last seen
-- are those of its first and last event in that order
WITH tagged AS (
  SELECT g.issue_id, json_extract(t.value, '$[0]') AS key, json_extract(t.value, '$[1]') AS value, l.id
  FROM legacy l JOIN groupings g ON g.project_id = l.project_id AND g.hash = l.hash, json_each(l.tags) t
), counted AS (
  SELECT issue_id, key, value, count(*) AS n, min(id) AS first_id, max(id) AS last_id
  FROM tagged WHERE key IS NOT NULL AND value IS NOT NULL GROUP BY issue_id, key, value
)
INSERT INTO issue_tags (issue_id, key, value, count, first_seen, last_seen)
SELECT c.issue_id, c.key, c.value, c.n, f.received_at, z.received_at
FROM counted c JOIN legacy f ON f.id = c.first_id JOIN legacy z ON z.id = c.last_id
WHERE true
ON CONFLICT (issue_id, key, value) DO UPDATE SET count = count + excluded.count,
  last_seen = excluded.last_seen;

INSERT INTO issue_hourly (issue_id, hour, count)
SELECT g.issue_id, (l.received_at / 3600000) * 3600000, count(*)
FROM legacy l JOIN groupings g ON g.project_id = l.project_id AND g.hash = l.hash
WHERE true
GROUP BY 1, 2
ON CONFLICT (issue_id, hour) DO UPDATE SET count = count + excluded.count;

INSERT OR IGNORE INTO releases (project_id, release, first_seen)
SELECT l.project_id, l.release, l.received_at
FROM legacy l
WHERE l.release IS NOT NULL
  AND l.id = (SELECT min(f.id) FROM legacy f WHERE f.project_id = l.project_id AND f.release = l.release);

DROP TABLE legacy_issue_events;
DROP TABLE legacy_new_issues;
DROP TABLE legacy;
DROP TABLE inbox;

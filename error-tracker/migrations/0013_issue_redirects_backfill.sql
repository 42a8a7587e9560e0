-- Redirects for the merges made before 0012, from each remaining issue's history, which lists the
-- ids merged into it (details.merged). An id merged into an issue that was itself merged away
-- later is not found: that issue's history went with it.
INSERT OR IGNORE INTO issue_redirects (issue_id, target_id)
  SELECT CAST(merged.value AS INTEGER), s.issue_id
  FROM status_changes s, json_each(s.details, '$.merged') merged
  WHERE s.details LIKE '%"merged"%' AND json_type(s.details, '$.merged') = 'array';

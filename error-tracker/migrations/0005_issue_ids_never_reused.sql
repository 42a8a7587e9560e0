-- Issue ids are never handed out twice. Without AUTOINCREMENT SQLite gives a new row the largest
-- id + 1, so deleting (or merging away) the newest issue gave its id to the next new issue: links
-- to it (alert bodies, the UI, the API) then showed another issue, and its frequency-alert state
-- (alert_state) suppressed the new issue's first alert. Rebuilding `issues` with AUTOINCREMENT
-- needs foreign keys off, which a migration's transaction cannot switch, so instead the highest id
-- ever removed is kept here and the digest numbers new issues above it (store/digest.ts).
CREATE TABLE issue_id_floor (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  max_removed_id INTEGER NOT NULL
);
INSERT INTO issue_id_floor (id, max_removed_id) VALUES (1, 0);

CREATE TRIGGER issues_removed AFTER DELETE ON issues BEGIN
  UPDATE issue_id_floor SET max_removed_id = max(max_removed_id, OLD.id) WHERE id = 1;
  DELETE FROM alert_state WHERE issue_id = OLD.id;
END;

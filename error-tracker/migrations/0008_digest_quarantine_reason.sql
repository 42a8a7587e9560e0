-- Why an entry is in digest_quarantine (store/digest.ts classify()): 'bad_entry' (it can never apply:
-- facts or counts without the shape the digest wrote, a value the schema refuses) or
-- 'repeated_failure' (an error that looks like a bug in the digest, met MAX_BUG_ATTEMPTS times with
-- pauses between: it may apply once the bug is fixed). Entries quarantined before were all the first
-- kind by the rule of that version (which also counted a TypeError so). The admin API lists, retries
-- and discards them (GET /api/quarantine).
ALTER TABLE digest_quarantine ADD COLUMN reason TEXT NOT NULL DEFAULT 'bad_entry';
CREATE INDEX digest_quarantine_project ON digest_quarantine (project_id, inbox_id);

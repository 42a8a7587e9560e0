-- Deletes by query run block by block (src/store/delete-runs.ts). A delete is recorded before its
-- first block is rewritten, with the blocks it has still to visit; each block's rewrite removes its
-- row here in the same transaction, so after a crash the delete resumes exactly where it stopped.
-- Times are decimal nanoseconds (TEXT: they do not fit a double).
CREATE TABLE delete_jobs (
  id INTEGER PRIMARY KEY,
  query TEXT NOT NULL,
  from_ns TEXT NOT NULL,
  to_ns TEXT NOT NULL,
  matched INTEGER NOT NULL DEFAULT 0,
  created_ms INTEGER NOT NULL
);

-- A block a delete has still to visit. A block rewritten by another delete or by retention passes
-- its rows here on to the blocks that replace it; a dropped block leaves (ON DELETE CASCADE).
CREATE TABLE delete_pending (
  job_id INTEGER NOT NULL REFERENCES delete_jobs (id) ON DELETE CASCADE,
  block_id INTEGER NOT NULL REFERENCES blocks (id) ON DELETE CASCADE,
  PRIMARY KEY (job_id, block_id)
) WITHOUT ROWID;
CREATE INDEX delete_pending_by_block ON delete_pending (block_id);

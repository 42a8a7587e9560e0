-- The inbox moved to its own database file (errors-inbox.db, schema in migrations/inbox/), so that
-- accepting never waits for a digest batch's write lock on this file. A digest batch records here,
-- in its own transaction, the last inbox id it consumed; entries up to it are removed from the
-- inbox file afterwards. A crash between the two commits leaves them in the inbox, and the next
-- digest skips them instead of storing or counting them twice (src/store/inbox.ts).
-- The `inbox` table of 0001 is no longer written: rows an older version left in it are moved to
-- the inbox file at start-up (store/sqlite-store.ts); a later migration can drop it.
CREATE TABLE inbox_progress (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  digested_through INTEGER NOT NULL
);
INSERT INTO inbox_progress (id, digested_through) VALUES (1, 0);

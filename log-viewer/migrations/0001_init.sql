-- Log viewer storage: compressed column blocks (see src/store/block-codec.ts) with per-block
-- summaries. Metadata, data and token index live in separate tables so that start-up reads only
-- the small summaries and a query reads a bloom filter without walking a data blob's overflow pages.
CREATE TABLE blocks (
  id            INTEGER PRIMARY KEY,
  service       TEXT    NOT NULL,
  min_ms        INTEGER NOT NULL,
  max_ms        INTEGER NOT NULL,
  row_count     INTEGER NOT NULL,
  min_seq       INTEGER NOT NULL,
  max_seq       INTEGER NOT NULL,
  level_counts  TEXT    NOT NULL,  -- JSON array of 6 counts, trace..fatal
  minute_counts TEXT    NOT NULL,  -- JSON array of (minute since epoch, level, count) triples
  raw_bytes     INTEGER NOT NULL,
  stored_bytes  INTEGER NOT NULL,
  generation    INTEGER NOT NULL,  -- 0 = sealed from the inbox, n = result of a merge
  format        INTEGER NOT NULL   -- BLOCK_FORMAT_VERSION
) STRICT;

CREATE INDEX blocks_by_service_time ON blocks (service, max_ms);

CREATE TABLE block_data (
  block_id INTEGER PRIMARY KEY REFERENCES blocks (id) ON DELETE CASCADE,
  data     BLOB NOT NULL
) STRICT;

CREATE TABLE block_blooms (
  block_id INTEGER PRIMARY KEY REFERENCES blocks (id) ON DELETE CASCADE,
  bloom    BLOB NOT NULL
) STRICT;

-- Highest inbox seq sealed into a block, per service: inbox replay skips rows at or below it.
CREATE TABLE seal_marks (
  service TEXT PRIMARY KEY,
  max_seq INTEGER NOT NULL
) STRICT;

CREATE TABLE service_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);

-- Series rows and head-chunk snapshots packed per stripe of 1024 series ids (src/store/
-- series-block.ts, head-block.ts): at 60 samples per series a row per series in `series` and
-- `head_chunks` cost ~40 bytes per series of row overhead, key and repeated timestamps.
-- `stripe` is floor(series id / 1024). Rows of `series` and `head_chunks` written before this
-- migration stay readable; the store moves a stripe's rows into these tables (and deletes them
-- there) at the first checkpoint after start-up, in the checkpoint's transaction.
CREATE TABLE series_blocks (
  stripe INTEGER PRIMARY KEY,
  data BLOB NOT NULL
);
CREATE TABLE head_blocks (
  stripe INTEGER PRIMARY KEY,
  data BLOB NOT NULL
);

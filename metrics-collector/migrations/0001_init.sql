-- Metrics collector storage. Samples live in compressed chunks (see src/store/chunk-codec.ts);
-- the open head chunk of each series is snapshotted at every checkpoint so the write-ahead log
-- can be truncated without cutting chunks short.

CREATE TABLE series (
  id INTEGER PRIMARY KEY,
  metric TEXT NOT NULL,
  labels TEXT NOT NULL,            -- JSON array of [name, value] pairs sorted by name, incl. __name__
  created_ms INTEGER NOT NULL,
  expires_ms INTEGER               -- pushed series with a TTL: hidden from reads after this time
);
CREATE INDEX series_by_metric ON series (metric);

CREATE TABLE chunks (
  series_id INTEGER NOT NULL,
  min_t INTEGER NOT NULL,
  max_t INTEGER NOT NULL,
  seq INTEGER NOT NULL,            -- write order: for equal timestamps the higher seq wins
  encoding INTEGER NOT NULL,
  count INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (series_id, min_t, seq)
) WITHOUT ROWID;
CREATE INDEX chunks_by_max_t ON chunks (max_t);

CREATE TABLE head_chunks (
  series_id INTEGER PRIMARY KEY,
  app_seq INTEGER NOT NULL,
  app_encoding INTEGER NOT NULL,   -- the open chunk, compressed like a sealed one (chunk-codec.ts)
  app_data BLOB,
  ooo_seq INTEGER NOT NULL,
  ooo_data BLOB                    -- out-of-order buffer (encoding 1)
);

-- Downsampled aggregates per series and bucket; resolution in ms (300000 = 5m, 3600000 = 1h).
CREATE TABLE rollups (
  resolution INTEGER NOT NULL,
  series_id INTEGER NOT NULL,
  bucket_t INTEGER NOT NULL,
  min REAL NOT NULL,
  max REAL NOT NULL,
  sum REAL NOT NULL,
  count INTEGER NOT NULL,
  last REAL NOT NULL,
  last_t INTEGER NOT NULL,
  PRIMARY KEY (resolution, series_id, bucket_t)
) WITHOUT ROWID;
CREATE INDEX rollups_by_bucket ON rollups (resolution, bucket_t);

-- Progress of the rollup job per series: raw samples up to this time are aggregated.
CREATE TABLE rollup_watermarks (
  series_id INTEGER PRIMARY KEY,
  done_t INTEGER NOT NULL
);

CREATE TABLE metric_metadata (
  metric TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  help TEXT NOT NULL,
  unit TEXT NOT NULL
);

CREATE TABLE store_state (
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);

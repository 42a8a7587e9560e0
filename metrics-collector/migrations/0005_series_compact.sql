-- After 0004 the series table keeps only what is read back: pair ids and the TTL expiry. The
-- metric column and its index (never queried: the label index lives in memory) and created_ms
-- (never read) go.
CREATE TABLE series_compact (
  id INTEGER PRIMARY KEY,
  pairs TEXT NOT NULL,             -- label_pairs ids in label-name order, comma-separated
  expires_ms INTEGER               -- pushed series with a TTL: hidden from reads after this time
);
INSERT INTO series_compact (id, pairs, expires_ms) SELECT id, pairs, expires_ms FROM series;
DROP TABLE series;
ALTER TABLE series_compact RENAME TO series;

-- Backfill of 0003: every distinct pair of the JSON labels, then each series' pair ids in order.
INSERT OR IGNORE INTO label_pairs (name, value)
  SELECT j.value ->> 0, j.value ->> 1 FROM series, json_each(series.labels) AS j ORDER BY series.id, j.key;
UPDATE series SET pairs = (
  SELECT group_concat(p.id, ',' ORDER BY j.key)
  FROM json_each(series.labels) AS j
  JOIN label_pairs AS p ON p.name = j.value ->> 0 AND p.value = j.value ->> 1
);

-- Series labels stored once per distinct label pair instead of once per series: a series row
-- becomes its pair ids ("3,17,40", in label-name order). At 60 samples per series the JSON label
-- string and the metric index cost 2.8 bytes per sample, more than the samples themselves.
CREATE TABLE label_pairs (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  UNIQUE (name, value)
);
ALTER TABLE series ADD COLUMN pairs TEXT;

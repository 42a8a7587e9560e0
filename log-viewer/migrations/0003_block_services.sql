-- Block format 3: one block stream for all services. A block's `service` is '' when it holds
-- several; `services` lists them (JSON array). Format 3 blocks keep `minute_counts` as
-- (minute, level, count, index into services) quadruples (format 4 too); format 2 rows keep their triples and
-- are read as blocks of their one `service`.
ALTER TABLE blocks ADD COLUMN services TEXT NOT NULL DEFAULT '';

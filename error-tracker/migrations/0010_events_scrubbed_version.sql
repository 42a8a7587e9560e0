-- The background pass that rewrites stored events scrubbed (store/rescrub.ts) has nothing to do on
-- a database that holds no event yet: every event it will store is scrubbed when accepted, with the
-- rules of scrub.ts version 2 (SCRUB_VERSION when this migration was written; a later version
-- rescans every event anyway). A database upgraded with events keeps no marker: the pass runs.
INSERT OR REPLACE INTO _meta (key, value)
  SELECT 'events_scrubbed_version', '2' WHERE NOT EXISTS (SELECT 1 FROM events);

-- Item counts of an envelope applied once per project, envelope key and item type, so that an SDK
-- retrying an envelope is not counted twice, as its event is not stored twice. The key is the
-- envelope header's event_id, or for an envelope without one and without events or session
-- aggregates the sha256 of its bytes (service/prepare-payload.ts). Kept for a day
-- (ITEM_DEDUPE_WINDOW_MS in store/retention.ts), longer than SDKs retry.
CREATE TABLE counted_envelopes (
  project_id INTEGER NOT NULL,
  envelope_key TEXT NOT NULL,
  type TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, envelope_key, type)
);
CREATE INDEX idx_counted_envelopes_received ON counted_envelopes(received_at);

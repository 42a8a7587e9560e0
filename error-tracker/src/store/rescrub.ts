// Events stored before the scrubber's current rules were in place (before 20afe39 events were
// stored as sent and scrubbed only on read; 61db27c added Relay's value rules and more fields) keep
// their secrets in the database. A background pass (service/maintenance.ts) rewrites them scrubbed:
// one small transaction per batch that updates the payloads that change and the progress marker in
// _meta together, so a crash leaves each event either as it was or scrubbed, and the pass goes on
// from its marker; when it ends, the payloads of entries in digest_quarantine are rewritten too.
// It begins once everything an older version accepted is in the events table (the digest has
// passed the highest inbox id there was when the store opened): the events stored after that were
// scrubbed.
import type { Db } from '@flowrent/shared/db';
import { parseJsonObject } from '../ingest/envelope.js';
import { SCRUB_VERSION, scrubEvent } from '../ingest/scrub.js';
import { compressPayload, decompressPayload } from './codec.js';

/** _meta keys: the scrubber version every stored event has been through, and a running pass. */
const DONE_KEY = 'events_scrubbed_version';
const PASS_KEY = 'events_scrub_pass';

interface Pass {
  version: number;
  /** The last event id done. */
  throughId: number;
  /** The newest event id when the pass began: later ones were scrubbed when accepted. */
  untilId: number;
}

/**
 * Whether every inbox entry an older version accepted is digested, so that the events table holds
 * all it stored: the digest has passed the highest inbox id there was when this process opened the
 * inbox (`inboxIdAtOpen`; an empty inbox at open passes at once). Exact, where comparing
 * events.received_at with the wall clock at start read an older event as this process's when the
 * clock had been stepped back.
 */
export function probeOlderEntriesDigested(db: Db, inboxIdAtOpen: number): () => boolean {
  const through = db.prepare('SELECT digested_through FROM inbox_progress WHERE id = 1').pluck();
  return () => (through.get() as number) >= inboxIdAtOpen;
}

export interface RescrubStep {
  scanned: number;
  rewritten: number;
  /** Nothing is left to rewrite (until the scrubber's version changes). */
  done: boolean;
}

export function createRescrub(db: Db, inboxIdAtOpen: number) {
  const q = {
    meta: db.prepare('SELECT value FROM _meta WHERE key = ?').pluck(),
    setMeta: db.prepare('INSERT OR REPLACE INTO _meta (key, value) VALUES (?, ?)'),
    deleteMeta: db.prepare('DELETE FROM _meta WHERE key = ?'),
    maxId: db.prepare('SELECT coalesce(max(id), 0) FROM events').pluck(),
    batch: db.prepare('SELECT id, payload FROM events WHERE id > ? AND id <= ? ORDER BY id LIMIT ?'),
    setPayload: db.prepare('UPDATE events SET payload = ? WHERE id = ?'),
    quarantined: db.prepare('SELECT inbox_id, payload FROM digest_quarantine WHERE payload IS NOT NULL'),
    setQuarantined: db.prepare('UPDATE digest_quarantine SET payload = ? WHERE inbox_id = ?'),
  };

  const olderEntriesDigested = probeOlderEntriesDigested(db, inboxIdAtOpen);
  const isDone = () => Number(q.meta.get(DONE_KEY) ?? 0) >= SCRUB_VERSION;

  const step = db.transaction((batchSize: number): RescrubStep => {
    if (isDone()) return { scanned: 0, rewritten: 0, done: true };
    const saved = q.meta.get(PASS_KEY) as string | undefined;
    let pass = saved ? (JSON.parse(saved) as Pass) : null;
    if (pass?.version !== SCRUB_VERSION) {
      if (!olderEntriesDigested()) return { scanned: 0, rewritten: 0, done: false };
      pass = { version: SCRUB_VERSION, throughId: 0, untilId: q.maxId.get() as number };
    }
    const rows = q.batch.all(pass.throughId, pass.untilId, batchSize) as { id: number; payload: Buffer }[];
    let rewritten = 0;
    for (const row of rows) {
      const scrubbed = rescrubbed(row.payload);
      if (scrubbed) {
        q.setPayload.run(scrubbed, row.id);
        rewritten++;
      }
    }
    const done = rows.length < batchSize;
    if (done) {
      // entries set aside by the digest hold their payload as accepted too (a retry stores it):
      // few, so all at once
      for (const entry of q.quarantined.all() as { inbox_id: number; payload: Buffer }[]) {
        const scrubbed = rescrubbed(entry.payload);
        if (scrubbed) q.setQuarantined.run(scrubbed, entry.inbox_id);
      }
      q.setMeta.run(DONE_KEY, String(SCRUB_VERSION));
      q.deleteMeta.run(PASS_KEY);
    } else {
      pass.throughId = rows[rows.length - 1].id;
      q.setMeta.run(PASS_KEY, JSON.stringify(pass));
    }
    return { scanned: rows.length, rewritten, done };
  });

  return {
    /** One batch of the pass: the next `batchSize` events, each rewritten if scrubbing changes it.
     * A pass begins only once the inbox holds nothing an older version accepted (the events stored
     * when it begins are all it has to cover): probeOlderEntriesDigested(). */
    rescrubStoredEvents: (batchSize: number): RescrubStep =>
      isDone() ? { scanned: 0, rewritten: 0, done: true } : step.immediate(batchSize),
  };
}

/** The payload scrubbed, or null when scrubbing changes nothing (or it cannot be read: left as is,
 * as the read path would show it). The stored JSON is as sent or normalized: scrubEvent reads both.
 * Also for a quarantined entry's payload when it is retried (quarantine.ts). */
export function rescrubbed(payload: Buffer): Buffer | null {
  let event: ReturnType<typeof parseJsonObject>;
  try {
    event = parseJsonObject(decompressPayload(payload), 'stored event');
  } catch {
    return null;
  }
  const scrubbed = scrubEvent(event);
  return scrubbed === event ? null : compressPayload(JSON.stringify(scrubbed));
}

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
import { createEventPass, type EventPassStep } from './event-pass.js';

export interface RescrubStep extends EventPassStep {
  rewritten: number;
}

export function createRescrub(db: Db, inboxIdAtOpen: number) {
  const setPayload = db.prepare('UPDATE events SET payload = ? WHERE id = ?');
  const quarantined = db.prepare('SELECT inbox_id, payload FROM digest_quarantine WHERE payload IS NOT NULL');
  const setQuarantined = db.prepare('UPDATE digest_quarantine SET payload = ? WHERE inbox_id = ?');
  let rewritten = 0;
  const step = createEventPass<{ id: number; payload: Buffer }>(db, inboxIdAtOpen, {
    // the scrubber version every stored event has been through, and a running pass
    doneKey: 'events_scrubbed_version',
    passKey: 'events_scrub_pass',
    version: SCRUB_VERSION,
    columns: 'id, payload',
    visit(rows) {
      for (const row of rows) {
        const scrubbed = rescrubbed(row.payload);
        if (scrubbed) {
          setPayload.run(scrubbed, row.id);
          rewritten++;
        }
      }
    },
    finish() {
      // entries set aside by the digest hold their payload as accepted too (a retry stores it):
      // few, so all at once
      for (const entry of quarantined.all() as { inbox_id: number; payload: Buffer }[]) {
        const scrubbed = rescrubbed(entry.payload);
        if (scrubbed) setQuarantined.run(scrubbed, entry.inbox_id);
      }
    },
  });

  return {
    /** One batch of the pass: the next `batchSize` events, each rewritten if scrubbing changes it.
     * A pass begins only once the inbox holds nothing an older version accepted (the events stored
     * when it begins are all it has to cover): see event-pass.ts. */
    rescrubStoredEvents(batchSize: number): RescrubStep {
      rewritten = 0;
      return { ...step(batchSize), rewritten };
    },
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

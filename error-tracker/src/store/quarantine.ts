// Inbox entries the digest set aside (digest_quarantine, store/digest.ts): listed for an operator,
// retried (applied now, on this connection, as the digest would have: once fixed, a bug's entry
// goes through; a bad entry fails again and stays) or discarded. SQL only.
import type { Db } from '@flowrent/shared/db';
import { classify, entryAppliers } from './digest.js';
import type { InboxRow } from './inbox.js';
import { rescrubbed } from './rescrub.js';
import type { DigestOutcome, QuarantinedEntry, QuarantineRetry } from './store.js';

interface QuarantineRow {
  inbox_id: number;
  project_id: number;
  event_id: string | null;
  received_at: number | null;
  facts: string | null;
  payload: Buffer | null;
  counts: string | null;
  error: string;
  quarantined_at: number;
  reason: 'bad_entry' | 'repeated_failure';
}

const LIST_COLUMNS = `inbox_id, project_id, event_id, received_at, error, quarantined_at, reason,
  facts IS NOT NULL AS has_event, counts IS NOT NULL AS has_counts`;

export function createQuarantine(db: Db) {
  const { digestOne, applyCounts, rulesInBatch } = entryAppliers(db);
  const q = {
    list: db.prepare(
      `SELECT ${LIST_COLUMNS} FROM digest_quarantine WHERE inbox_id < ? ORDER BY inbox_id DESC LIMIT ?`,
    ),
    listProject: db.prepare(
      `SELECT ${LIST_COLUMNS} FROM digest_quarantine WHERE project_id = ? AND inbox_id < ?
       ORDER BY inbox_id DESC LIMIT ?`,
    ),
    count: db.prepare('SELECT count(*) FROM digest_quarantine').pluck(),
    countProject: db.prepare('SELECT count(*) FROM digest_quarantine WHERE project_id = ?').pluck(),
    get: db.prepare('SELECT * FROM digest_quarantine WHERE inbox_id = ?'),
    remove: db.prepare('DELETE FROM digest_quarantine WHERE inbox_id = ?'),
    failedAgain: db.prepare('UPDATE digest_quarantine SET error = ?, quarantined_at = ? WHERE inbox_id = ?'),
  };

  const toEntry = (
    r: Omit<QuarantineRow, 'facts' | 'payload' | 'counts'> & { has_event: number; has_counts: number },
  ): QuarantinedEntry => ({
    id: r.inbox_id,
    projectId: r.project_id,
    eventId: r.event_id,
    receivedAt: r.received_at === null ? null : new Date(r.received_at).toISOString(),
    quarantinedAt: new Date(r.quarantined_at).toISOString(),
    reason: r.reason,
    error: r.error,
    hasEvent: r.has_event === 1,
    hasCounts: r.has_counts === 1,
  });

  /** The entry applied whole (event and counts) and removed, in one transaction; throws what failed. */
  const apply = db.transaction((row: QuarantineRow, nowMs: number): DigestOutcome[] => {
    rulesInBatch.clear();
    const entry: InboxRow = {
      id: row.inbox_id,
      project_id: row.project_id,
      event_id: row.facts === null ? null : row.event_id,
      received_at: row.received_at,
      facts: row.facts,
      // set aside by an older version, the payload may predate the scrubber's rules: scrubbed now
      payload: row.payload === null ? null : (rescrubbed(row.payload) ?? row.payload),
      counts: row.counts,
    };
    const outcomes: DigestOutcome[] = [];
    if (entry.event_id !== null) outcomes.push(digestOne(entry as Parameters<typeof digestOne>[0], nowMs));
    applyCounts([entry], outcomes, nowMs);
    q.remove.run(row.inbox_id);
    return outcomes;
  });

  return {
    listQuarantined(filter: { projectId?: number; beforeId?: number; limit: number }): QuarantinedEntry[] {
      const before = filter.beforeId ?? Number.MAX_SAFE_INTEGER;
      const rows =
        filter.projectId === undefined
          ? q.list.all(before, filter.limit)
          : q.listProject.all(filter.projectId, before, filter.limit);
      return (rows as Parameters<typeof toEntry>[0][]).map(toEntry);
    },
    quarantineCount(projectId?: number): number {
      return (projectId === undefined ? q.count.get() : q.countProject.get(projectId)) as number;
    },
    retryQuarantined(id: number, nowMs: number): QuarantineRetry | null {
      const row = q.get.get(id) as QuarantineRow | undefined;
      if (!row) return null;
      try {
        const outcomes = apply.immediate(row, nowMs);
        return { applied: true, outcome: outcomes[0] ?? null };
      } catch (err) {
        // the disk, a busy database: nothing recorded, the caller may retry later
        if (classify(db, err) === 'transient') throw err;
        const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        q.failedAgain.run(error.slice(0, 1000), nowMs, id);
        return { applied: false, error };
      }
    },
    discardQuarantined(id: number): boolean {
      return q.remove.run(id).changes > 0;
    },
  };
}

// Retention: events older than the max age and beyond the per-issue cap are deleted, oldest first,
// in small transactions; issue counters (event_count, first_seen) are kept, stored_count follows.
// Freed pages are returned to the file system by incremental vacuum (auto_vacuum = INCREMENTAL).
import type { Db } from '@flowrent/shared/db';
import type { PruneResult, RetentionPolicy } from './store.js';

/** How long an envelope's event_id keeps its retry from being counted again (counted_envelopes):
 * SDKs retry within minutes; Sentry's own duplicate check of events lasts about as long. */
export const ITEM_DEDUPE_WINDOW_MS = 24 * 3_600_000;

/** How long a session's errored mark (session_errored) is kept after its last update: Relay drops
 * session updates started more than 5 days ago (max_session_secs_in_past). */
export const SESSION_ERRORED_WINDOW_MS = 5 * 24 * 3_600_000;

export function createRetention(db: Db) {
  const q = {
    oldEvents: db.prepare(
      'SELECT id, issue_id FROM events WHERE received_at < ? ORDER BY received_at LIMIT ?',
    ),
    overCap: db.prepare(
      'SELECT id, stored_count FROM issues WHERE stored_count > ? ORDER BY stored_count DESC LIMIT 20',
    ),
    oldestOfIssue: db.prepare('SELECT id, issue_id FROM events WHERE issue_id = ? ORDER BY id LIMIT ?'),
    deleteEvent: db.prepare('DELETE FROM events WHERE id = ?'),
    forgetCounted: db.prepare(
      `DELETE FROM counted_envelopes WHERE rowid IN
       (SELECT rowid FROM counted_envelopes WHERE received_at < ? ORDER BY received_at LIMIT ?)`,
    ),
    forgetSessions: db.prepare(
      `DELETE FROM session_errored WHERE rowid IN
       (SELECT rowid FROM session_errored WHERE seen_at < ? ORDER BY seen_at LIMIT ?)`,
    ),
    // minutes no frequency rule looks at any more (all of them when there is no such rule)
    forgetMinutes: db.prepare(
      `DELETE FROM issue_minutes WHERE minute < ? - 60000 * (1 + coalesce(
         (SELECT max(window_minutes) FROM alert_rules WHERE trigger = 'frequency'), 0))`,
    ),
    decStored: db.prepare('UPDATE issues SET stored_count = max(stored_count - 1, 0) WHERE id = ?'),
    fixLatest: db.prepare(
      `UPDATE issues SET latest_event_id = (SELECT event_id FROM events WHERE issue_id = issues.id ORDER BY id DESC LIMIT 1)
       WHERE id = ?`,
    ),
  };

  const deleteRows = (rows: { id: number; issue_id: number }[]) => {
    const touched = new Set<number>();
    for (const row of rows) {
      q.deleteEvent.run(row.id);
      q.decStored.run(row.issue_id);
      touched.add(row.issue_id);
    }
    for (const issueId of touched) q.fixLatest.run(issueId);
  };

  const pruneStep = db.transaction(
    (policy: RetentionPolicy, nowMs: number, batchSize: number): PruneResult => {
      const old = q.oldEvents.all(nowMs - policy.maxEventAgeMs, batchSize) as {
        id: number;
        issue_id: number;
      }[];
      deleteRows(old);
      let deleted = old.length;
      const forgotten =
        q.forgetCounted.run(nowMs - ITEM_DEDUPE_WINDOW_MS, batchSize).changes +
        q.forgetSessions.run(nowMs - SESSION_ERRORED_WINDOW_MS, batchSize).changes;
      q.forgetMinutes.run(nowMs);
      let budget = batchSize - deleted;
      if (budget > 0 && policy.maxEventsPerIssue > 0) {
        const issues = q.overCap.all(policy.maxEventsPerIssue) as { id: number; stored_count: number }[];
        for (const issue of issues) {
          if (budget <= 0) break;
          const n = Math.min(budget, issue.stored_count - policy.maxEventsPerIssue);
          const rows = q.oldestOfIssue.all(issue.id, n) as { id: number; issue_id: number }[];
          deleteRows(rows);
          deleted += rows.length;
          budget -= rows.length;
        }
      }
      return { deletedEvents: deleted, more: deleted >= batchSize || forgotten >= batchSize };
    },
  );

  return {
    prune: (policy: RetentionPolicy, nowMs: number, batchSize: number): PruneResult =>
      pruneStep.immediate(policy, nowMs, batchSize),
    vacuumStep(pages: number): void {
      db.pragma(`incremental_vacuum(${Math.max(1, Math.floor(pages))})`);
    },
  };
}

/** Switches a database to incremental auto-vacuum once (needs a full VACUUM when tables exist). */
export function enableIncrementalVacuum(db: Db): void {
  const mode = db.pragma('auto_vacuum', { simple: true }) as number;
  if (mode === 2) return;
  db.pragma('auto_vacuum = INCREMENTAL');
  db.exec('VACUUM');
}

// Issue workflow writes: status changes (with history), merge and delete. Each public function is
// one transaction.
import type { Db } from '@flowrent/shared/db';
import { NotFound, ValidationError } from '@flowrent/shared/errors';
import type { IssueAction, IssueStatus } from '../model.js';
import { compareVersions, parseReleaseVersion } from './release-order.js';
import type { IssueRow } from './rows.js';

export function createWorkflow(db: Db) {
  const q = {
    issue: db.prepare('SELECT * FROM issues WHERE id = ?'),
    releases: db.prepare<[number], { release: string; first_seen: number }>(
      'SELECT release, first_seen FROM releases WHERE project_id = ? ORDER BY first_seen DESC, release DESC',
    ),
    setUnresolved: db.prepare(
      `UPDATE issues SET status = 'unresolved', is_regressed = 0, resolved_in_release = NULL, resolved_at = NULL,
        ignore_until_events = NULL, ignore_until_time = NULL, ignore_until_users = NULL,
        ignored_at_events = NULL, ignored_at_users = NULL, is_ignored_forever = 0 WHERE id = ?`,
    ),
    setResolved: db.prepare(
      `UPDATE issues SET status = 'resolved', is_regressed = 0, resolved_in_release = ?, resolved_at = ?,
        ignore_until_events = NULL, ignore_until_time = NULL, ignore_until_users = NULL,
        ignored_at_events = NULL, ignored_at_users = NULL, is_ignored_forever = 0 WHERE id = ?`,
    ),
    setIgnored: db.prepare(
      `UPDATE issues SET status = 'ignored', resolved_in_release = NULL, resolved_at = NULL,
        ignore_until_events = ?, ignore_until_time = ?, ignore_until_users = ?,
        ignored_at_events = event_count, ignored_at_users = user_count, is_ignored_forever = ? WHERE id = ?`,
    ),
    statusChange: db.prepare(
      'INSERT INTO status_changes (issue_id, from_status, to_status, actor, at, details) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    moveGroupings: db.prepare('UPDATE groupings SET issue_id = ? WHERE issue_id = ?'),
    // ids merged into the source lead on to the target: redirects stay one hop
    moveRedirects: db.prepare('UPDATE issue_redirects SET target_id = ? WHERE target_id = ?'),
    redirect: db.prepare('INSERT OR REPLACE INTO issue_redirects (target_id, issue_id) VALUES (?, ?)'),
    moveEvents: db.prepare('UPDATE events SET issue_id = ? WHERE issue_id = ?'),
    mergeTags: db.prepare(
      `INSERT INTO issue_tags (issue_id, key, value, count, first_seen, last_seen)
         SELECT ?, key, value, count, first_seen, last_seen FROM issue_tags WHERE issue_id = ? AND true
       ON CONFLICT (issue_id, key, value) DO UPDATE SET count = count + excluded.count,
         first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen)`,
    ),
    mergeUsers: db.prepare(
      'INSERT OR IGNORE INTO issue_users (issue_id, user_key) SELECT ?, user_key FROM issue_users WHERE issue_id = ?',
    ),
    mergeUserValues: db.prepare(
      `INSERT OR IGNORE INTO issue_user_values (issue_id, field, value)
         SELECT ?, field, value FROM issue_user_values WHERE issue_id = ?`,
    ),
    mergeHourly: db.prepare(
      `INSERT INTO issue_hourly (issue_id, hour, count) SELECT ?, hour, count FROM issue_hourly WHERE issue_id = ? AND true
       ON CONFLICT (issue_id, hour) DO UPDATE SET count = count + excluded.count`,
    ),
    mergeMinutes: db.prepare(
      `INSERT INTO issue_minutes (issue_id, minute, count) SELECT ?, minute, count FROM issue_minutes WHERE issue_id = ? AND true
       ON CONFLICT (issue_id, minute) DO UPDATE SET count = count + excluded.count`,
    ),
    countUsers: db.prepare('SELECT count(*) FROM issue_users WHERE issue_id = ?').pluck(),
    mergeCounters: db.prepare(
      `UPDATE issues SET event_count = event_count + ?, stored_count = stored_count + ?, user_count = ?,
        first_seen = min(first_seen, ?), last_seen = max(last_seen, ?),
        latest_event_id = CASE WHEN ? > last_seen THEN ? ELSE latest_event_id END WHERE id = ?`,
    ),
    deleteIssue: db.prepare('DELETE FROM issues WHERE id = ?'),
    recordDeleted: db.prepare(
      `INSERT OR REPLACE INTO deleted_issues (issue_id, project_id, title, event_count, deleted_by, deleted_at)
       SELECT id, project_id, title, event_count, ?, ? FROM issues WHERE id = ?`,
    ),
    deleteEvents: db.prepare('DELETE FROM events WHERE issue_id = ?'),
    // a queued alert is about something that happened: a merge sends it with the merged issue, a
    // delete logs it as failed; they were deleted unsent, gone from the log (black-box 10 #65)
    moveDeliveries: db.prepare('UPDATE alert_deliveries SET issue_id = ? WHERE issue_id = ?'),
    dropDeliveries: db.prepare(
      `UPDATE alert_deliveries SET status = 'failed', next_attempt_at = NULL, last_error = 'issue deleted'
       WHERE issue_id = ? AND status = 'pending'`,
    ),
    expiredIgnores: db.prepare(
      "SELECT id, ignore_until_time AS until FROM issues WHERE status = 'ignored' AND ignore_until_time IS NOT NULL AND ignore_until_time <= ?",
    ),
    // one probe of idx_issues_status_ignore_time: reads ask it before each page or answer
    anyExpiredIgnore: db
      .prepare(
        "SELECT 1 FROM issues WHERE status = 'ignored' AND ignore_until_time IS NOT NULL AND ignore_until_time <= ? LIMIT 1",
      )
      .pluck(),
  };

  const record = (
    id: number,
    from: IssueStatus | null,
    to: IssueStatus,
    actor: string,
    at: number,
    details: object,
  ) => q.statusChange.run(id, from, to, actor, at, JSON.stringify(details));

  /**
   * The release "resolved in next release" means, as Sentry's get_release_to_resolve_by(): the
   * project's greatest version when its newest release is a version, else its newest release;
   * not the issue's last release, whose later events from a newer deployed release were regressions.
   * Null when the project has no release.
   */
  function releaseToResolveBy(projectId: number): string | null {
    const rows = q.releases.all(projectId);
    if (rows.length === 0 || !parseReleaseVersion(rows[0].release)) return rows[0]?.release ?? null;
    let best = rows[0].release;
    let bestVersion = parseReleaseVersion(best) as NonNullable<ReturnType<typeof parseReleaseVersion>>;
    for (const r of rows) {
      const v = parseReleaseVersion(r.release);
      if (v && compareVersions(v, bestVersion) > 0) [best, bestVersion] = [r.release, v];
    }
    return best;
  }

  /** Each project's release to resolve by, read once per bulk change (a project can have
   * thousands of CI releases, and this runs inside the write transaction). As Sentry, a project
   * with no release refuses it: there is nothing to form a basis for "next release". */
  function releasesToResolveBy(rows: IssueRow[]): Map<number, string> {
    const byProject = new Map<number, string | null>();
    for (const row of rows) {
      if (!byProject.has(row.project_id)) byProject.set(row.project_id, releaseToResolveBy(row.project_id));
    }
    const without = [...byProject].filter(([, r]) => r === null).map(([id]) => id);
    if (without.length > 0) {
      throw new ValidationError(
        `${without.length === 1 ? 'project' : 'projects'} ${without.join(', ')} ${without.length === 1 ? 'has' : 'have'} no release data to form a basis for "next release" (no event carried a release): resolve without it`,
      );
    }
    return byProject as Map<number, string>;
  }

  function applyOne(
    row: IssueRow,
    action: IssueAction,
    actor: string,
    nowMs: number,
    releases: Map<number, string> | null,
  ): void {
    const from = row.status as IssueStatus;
    if (action.status === 'unresolved') {
      q.setUnresolved.run(row.id);
      record(row.id, from, 'unresolved', actor, nowMs, {});
    } else if (action.status === 'resolved') {
      const inRelease = releases?.get(row.project_id) ?? null;
      q.setResolved.run(inRelease, nowMs, row.id);
      record(
        row.id,
        from,
        'resolved',
        actor,
        nowMs,
        action.inNextRelease ? { inNextRelease: true, release: inRelease } : {},
      );
    } else {
      const ig = action.ignore ?? {};
      const untilTime = ig.untilTime ? Date.parse(ig.untilTime) : null;
      const untilEvents = ig.untilEvents ?? null;
      const untilUsers = ig.untilUsers ?? null;
      const forever = untilTime === null && untilEvents === null && untilUsers === null ? 1 : 0;
      q.setIgnored.run(untilEvents, untilTime, untilUsers, forever, row.id);
      record(row.id, from, 'ignored', actor, nowMs, {
        untilEvents,
        untilTime: ig.untilTime ?? null,
        untilUsers,
      });
    }
  }

  const tx = {
    applyActionTx: db.transaction(
      (ids: number[], action: IssueAction, actor: string, nowMs: number): number[] => {
        const rows = ids.map((id) => q.issue.get(id) as IssueRow | undefined).filter((r) => r !== undefined);
        const releases =
          action.status === 'resolved' && action.inNextRelease ? releasesToResolveBy(rows) : null;
        for (const row of rows) applyOne(row, action, actor, nowMs, releases);
        return rows.map((r) => r.id);
      },
    ),
    mergeIssuesTx: db.transaction(
      (targetId: number, sourceIds: number[], actor: string, nowMs: number): void => {
        const target = q.issue.get(targetId) as IssueRow | undefined;
        if (!target) throw new NotFound(`issue ${targetId} not found`);
        // every source is checked before anything moves: a merge is all or nothing, also when a
        // source was deleted or merged elsewhere a moment ago
        const sources: IssueRow[] = [];
        for (const sourceId of new Set(sourceIds)) {
          if (sourceId === targetId)
            throw new ValidationError(`issue ${targetId} cannot be merged into itself`);
          const src = q.issue.get(sourceId) as IssueRow | undefined;
          if (!src) throw new NotFound(`issue ${sourceId} not found`);
          if (src.project_id !== target.project_id)
            throw new ValidationError(`issue ${sourceId} belongs to another project than issue ${targetId}`);
          sources.push(src);
        }
        const merged: number[] = [];
        for (const src of sources) {
          const sourceId = src.id;
          q.moveGroupings.run(targetId, sourceId);
          q.moveEvents.run(targetId, sourceId);
          q.mergeTags.run(targetId, sourceId);
          q.mergeUsers.run(targetId, sourceId);
          q.mergeUserValues.run(targetId, sourceId);
          q.mergeHourly.run(targetId, sourceId);
          q.mergeMinutes.run(targetId, sourceId);
          const users = q.countUsers.get(targetId) as number;
          q.mergeCounters.run(
            src.event_count,
            src.stored_count,
            users,
            src.first_seen,
            src.last_seen,
            src.last_seen,
            src.latest_event_id,
            targetId,
          );
          q.moveDeliveries.run(targetId, sourceId);
          q.moveRedirects.run(targetId, sourceId);
          q.redirect.run(targetId, sourceId);
          q.deleteIssue.run(sourceId);
          merged.push(sourceId);
        }
        const status = target.status as IssueStatus;
        record(targetId, status, status, actor, nowMs, { merged });
      },
    ),
    deleteIssueTx: db.transaction((id: number, actor: string, nowMs: number): boolean => {
      q.recordDeleted.run(actor, nowMs, id);
      q.deleteEvents.run(id);
      q.dropDeliveries.run(id);
      return q.deleteIssue.run(id).changes > 0;
    }),
    expireIgnoresTx: db.transaction((nowMs: number): number[] => {
      const rows = q.expiredIgnores.all(nowMs) as { id: number; until: number }[];
      for (const { id, until } of rows) {
        q.setUnresolved.run(id);
        // it turned back at its time, whenever this runs (a read, the maintenance pass)
        record(id, 'ignored', 'unresolved', 'system', until, { reason: 'ignore_expired' });
      }
      return rows.map((r) => r.id);
    }),
  };
  return {
    releaseToResolveBy,
    /** ValidationError, and nothing changes, when "in next release" meets a project without releases. */
    applyAction: (ids: number[], action: IssueAction, actor: string, nowMs: number): number[] =>
      tx.applyActionTx.immediate(ids, action, actor, nowMs),
    /** Throws NotFound (target or a source missing) or ValidationError (itself, another project). */
    mergeIssues: (targetId: number, sourceIds: number[], actor: string, nowMs: number): void =>
      tx.mergeIssuesTx.immediate(targetId, sourceIds, actor, nowMs),
    deleteIssue: (id: number, actor: string, nowMs: number): boolean =>
      tx.deleteIssueTx.immediate(id, actor, nowMs),
    /** Ignores whose time has come turn unresolved: a read-only probe when none has (the common case). */
    expireIgnores: (nowMs: number): number[] =>
      q.anyExpiredIgnore.get(nowMs) === undefined ? [] : tx.expireIgnoresTx.immediate(nowMs),
  };
}

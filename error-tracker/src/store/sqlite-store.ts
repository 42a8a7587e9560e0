// SQLite implementation of ErrorStore over errors.db and the inbox file (store/inbox.ts).
// Composes the per-area statement sets; keeps the remaining small reads here.
import type { Db } from '@flowrent/shared/db';
import type {
  HourlyCount,
  Issue,
  IssueAction,
  ItemTypeCount,
  ReleaseHealth,
  StatusChange,
  StoredEvent,
} from '../model.js';
import { createAlerts } from './alerts.js';
import { parseJsonObject } from '../ingest/envelope.js';
import { normalizeEvent } from '../ingest/normalize.js';
import { decompressPayload } from './codec.js';
import { createDigest } from './digest.js';
import { createQuarantine } from './quarantine.js';
import { createInbox, createInboxReader, WalSync } from './inbox.js';
import { createIssueQueries } from './issue-queries.js';
import { createProjects } from './projects.js';
import { createRescrub } from './rescrub.js';
import { createRetention, enableIncrementalVacuum } from './retention.js';
import { createTagValues } from './tag-values.js';
import { createUserValues } from './user-values.js';
import {
  type EventRow,
  type IssueRow,
  iso,
  type StatusChangeRow,
  toEventSummary,
  toIssue,
  toStatusChange,
} from './rows.js';
import type { ErrorStore, EventPageQuery } from './store.js';
import { createWorkflow } from './workflow.js';

const HOUR_MS = 3_600_000;

/** `inboxDb`: the inbox file's connection (store/inbox.ts openInbox), written only through this store. */
export function createSqliteStore(db: Db, inboxDb: Db): ErrorStore {
  enableIncrementalVacuum(db);
  // 8 MB of page cache (better-sqlite3 defaults to 16 MB): the hot set is the inbox, the newest
  // events and the issue rows; payload pages are written once and rarely read back.
  db.pragma('cache_size = -8000');
  const projects = createProjects(db);
  const queries = createIssueQueries(db);
  const workflow = createWorkflow(db);
  const alerts = createAlerts(db);
  const retention = createRetention(db);
  const digest = createDigest(db, createInboxReader(inboxDb));
  const digestedThrough = db.prepare('SELECT digested_through FROM inbox_progress WHERE id = 1').pluck();
  const inbox = createInbox(inboxDb, digestedThrough.get() as number);
  const inboxSync = WalSync.forInbox(inboxDb);
  const q = {
    issue: db.prepare('SELECT * FROM issues WHERE id = ?'),
    redirect: db.prepare('SELECT target_id FROM issue_redirects WHERE issue_id = ?').pluck(),
    deleted: db.prepare('SELECT title, deleted_by, deleted_at FROM deleted_issues WHERE issue_id = ?'),
    event: db.prepare('SELECT * FROM events WHERE event_id = ? ORDER BY id LIMIT 1'),
    eventOfProject: db.prepare('SELECT * FROM events WHERE event_id = ? AND project_id = ?'),
    // an issue's events run by their time, then arrival (Sentry's order): a late-delivered old
    // event is not the latest (idx_events_issue_time)
    latestEvent: db.prepare(
      'SELECT * FROM events WHERE issue_id = ? ORDER BY timestamp DESC, id DESC LIMIT 1',
    ),
    eventKeyOf: db.prepare('SELECT timestamp, id FROM events WHERE event_id = ? AND issue_id = ?').raw(),
    older: db
      .prepare(
        'SELECT event_id FROM events WHERE issue_id = ? AND (timestamp, id) < (?, ?) ORDER BY timestamp DESC, id DESC LIMIT 1',
      )
      .pluck(),
    newer: db
      .prepare(
        'SELECT event_id FROM events WHERE issue_id = ? AND (timestamp, id) > (?, ?) ORDER BY timestamp, id LIMIT 1',
      )
      .pluck(),
    hourly: db.prepare(
      'SELECT hour, count FROM issue_hourly WHERE issue_id = ? AND hour >= ? AND hour <= ? ORDER BY hour',
    ),
    statusChanges: db.prepare('SELECT * FROM status_changes WHERE issue_id = ? ORDER BY id'),
    releaseHealth: db.prepare(
      'SELECT * FROM release_health WHERE project_id = ? ORDER BY release, environment',
    ),
    itemCounts: db.prepare('SELECT * FROM item_counts WHERE project_id = ? ORDER BY type'),
  };

  const toStored = (row: EventRow): StoredEvent => ({
    ...toEventSummary(row),
    // payloads are stored as sent; normalization is pure and idempotent, so it is repeated here
    data: normalizeEvent(parseJsonObject(decompressPayload(row.payload as Buffer), 'stored event'), {
      receivedAtMs: row.received_at,
      envelopeEventId: row.event_id,
      newEventId: () => row.event_id,
    }),
  });
  const getIssue = (id: number): Issue | null => {
    const row = q.issue.get(id) as IssueRow | undefined;
    return row ? toIssue(row) : null;
  };

  const hourlySeries = (issueId: number, fromMs: number, toMs: number): HourlyCount[] => {
    const start = Math.floor(fromMs / HOUR_MS) * HOUR_MS;
    const rows = q.hourly.all(issueId, start, toMs) as { hour: number; count: number }[];
    const byHour = new Map(rows.map((r) => [r.hour, r.count]));
    const out: HourlyCount[] = [];
    for (let h = start; h <= toMs; h += HOUR_MS) out.push({ hour: iso(h), count: byHour.get(h) ?? 0 });
    return out;
  };

  return {
    ...projects,
    acceptMany: inbox.append,
    syncAccepted: () => inboxSync.sync(),
    close: () => inboxSync.close(),
    pendingCount: () => inbox.pendingEvents(digestedThrough.get() as number),
    digest,
    trimInbox: inbox.trim,
    ...createQuarantine(db),
    listIssues: queries.listIssues,
    getIssue,
    issueMergedInto: (id: number) => (q.redirect.get(id) as number | undefined) ?? null,
    issueDeleted(id: number) {
      const r = q.deleted.get(id) as { title: string; deleted_by: string; deleted_at: number } | undefined;
      return r
        ? { title: r.title, deletedBy: r.deleted_by, deletedAt: new Date(r.deleted_at).toISOString() }
        : null;
    },
    listIssueEvents: (issueId: number, page: EventPageQuery) =>
      queries.listIssueEvents(issueId, page.cursor, page.limit),
    getEvent(eventId: string, projectId?: number): StoredEvent | null {
      const id = eventId.replaceAll('-', '').toLowerCase();
      const row = (projectId === undefined ? q.event.get(id) : q.eventOfProject.get(id, projectId)) as
        | EventRow
        | undefined;
      return row ? toStored(row) : null;
    },
    getLatestEvent(issueId: number): StoredEvent | null {
      const row = q.latestEvent.get(issueId) as EventRow | undefined;
      return row ? toStored(row) : null;
    },
    getAdjacentEvents(issueId: number, eventId: string) {
      const key = q.eventKeyOf.get(eventId, issueId) as [number, number] | undefined;
      if (key === undefined) return { older: null, newer: null };
      return {
        older: (q.older.get(issueId, ...key) as string | undefined) ?? null,
        newer: (q.newer.get(issueId, ...key) as string | undefined) ?? null,
      };
    },
    listEventsByTrace: (traceId: string, cursor: string | null | undefined, limit: number) =>
      queries.listTraceEvents(traceId.toLowerCase(), cursor, limit),
    ...createTagValues(db),
    hourlyCounts: hourlySeries,
    hourlyCountsFor(issueIds: number[], fromMs: number, toMs: number) {
      return new Map(issueIds.map((id) => [id, hourlySeries(id, fromMs, toMs)]));
    },
    listStatusChanges: (issueId: number): StatusChange[] =>
      (q.statusChanges.all(issueId) as StatusChangeRow[]).map(toStatusChange),
    listReleaseHealth(projectId: number): ReleaseHealth[] {
      const rows = q.releaseHealth.all(projectId) as {
        release: string;
        environment: string;
        sessions: number;
        crashed: number;
        errored: number;
        abnormal: number;
      }[];
      return rows.map((r) => ({
        projectId,
        ...r,
        crashFreeRate: r.sessions > 0 ? Math.max(0, 1 - r.crashed / r.sessions) : null,
      }));
    },
    listItemCounts: (projectId: number): ItemTypeCount[] =>
      (q.itemCounts.all(projectId) as { type: string; count: number }[]).map((r) => ({ projectId, ...r })),
    applyAction(ids: number[], action: IssueAction, actor: string, nowMs: number): Issue[] {
      const done = workflow.applyAction(ids, action, actor, nowMs);
      return done.map((id) => getIssue(id) as Issue);
    },
    mergeIssues(targetId: number, sourceIds: number[], actor: string, nowMs: number): Issue {
      workflow.mergeIssues(targetId, sourceIds, actor, nowMs);
      return getIssue(targetId) as Issue;
    },
    releaseToResolveBy: (projectId: number) => workflow.releaseToResolveBy(projectId),
    deleteIssue: (id: number, actor: string, nowMs: number) => workflow.deleteIssue(id, actor, nowMs),
    expireIgnores: (nowMs: number) => workflow.expireIgnores(nowMs),
    ...alerts,
    ...retention,
    // the other background pass over stored events: rewriting those stored before the scrubber's rules
    ...createRescrub(db, inbox.idAtOpen),
    ...createUserValues(db, inbox.idAtOpen),
  };
}

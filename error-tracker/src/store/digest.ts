// The digest: moves inbox entries (store/inbox.ts, their own file) into issues and events in one
// short write transaction on errors.db per batch. SQL only; grouping keys and summaries were
// computed on accept (see ingest/prepare.ts). The batch is read from the inbox before the write
// transaction starts, so the lock is held for the writes only.
// Per event: dedupe by event_id, find or create the issue through its grouping key (the current
// grouping version's key first, then the keys older versions gave the event: findIssue), apply the
// workflow (regression, resolved-in-next-release, ignore conditions), count users, tags and the
// hourly series, and queue alert deliveries in the same transaction (an outbox). Item counts and
// session updates of the batch are summed and applied once per key. The transaction also records
// the last inbox id consumed (inbox_progress), which makes a repeated batch a no-op.
// Item counts agree with what is stored: `event` counts the events stored (a duplicate event_id
// is not), and the counts of an envelope with an event_id in its header (or, without one, the
// hash of its bytes) are applied once per project, key and item type (counted_envelopes), so a
// retried envelope counts once.
import type { Db } from '@flowrent/shared/db';
import { isWrongClock } from '../ingest/normalize.js';
import type { InboxCounts, InboxReader, InboxRow } from './inbox.js';
import { isNewerRelease } from './release-order.js';
import type { AlertRuleRow, IssueRow } from './rows.js';
import type { DigestOutcome, DigestResult, EventFacts, SessionUpdate } from './store.js';

const HOUR_MS = 3_600_000;
/** How long after this database first grouped with a version the keys of older versions are looked
 * up: Sentry's secondary grouping expiry (SENTRY_GROUPING_UPDATE_MIGRATION_PHASE, 90 days). */
const GROUPING_TRANSITION_MS = 90 * 86_400_000;
const MINUTE_MS = 60_000;

/** An inbox row that holds an event. */
type EventRow = InboxRow & { event_id: string; received_at: number; facts: string; payload: Buffer };

/** The columns the workflow reads (the full row has 27). */
type WorkflowRow = Pick<
  IssueRow,
  | 'id'
  | 'project_id'
  | 'status'
  | 'resolved_in_release'
  | 'is_ignored_forever'
  | 'event_count'
  | 'user_count'
  | 'ignored_at_events'
  | 'ignored_at_users'
  | 'ignore_until_events'
  | 'ignore_until_users'
  | 'ignore_until_time'
>;

/** The statements and steps that apply inbox entries: the digest's, and a quarantined entry's retry. */
function createAppliers(db: Db) {
  const q = {
    digestedThrough: db.prepare('SELECT digested_through FROM inbox_progress WHERE id = 1').pluck(),
    setDigestedThrough: db.prepare('UPDATE inbox_progress SET digested_through = ? WHERE id = 1'),
    countOnce: db.prepare(
      'INSERT OR IGNORE INTO counted_envelopes (project_id, envelope_key, type, received_at) VALUES (?, ?, ?, ?)',
    ),
    countItem: db.prepare(
      `INSERT INTO item_counts (project_id, type, count) VALUES (?, ?, ?)
       ON CONFLICT (project_id, type) DO UPDATE SET count = count + excluded.count`,
    ),
    session: db.prepare(
      `INSERT INTO release_health (project_id, release, environment, sessions, crashed, errored, abnormal)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (project_id, release, environment) DO UPDATE SET
       sessions = sessions + excluded.sessions, crashed = crashed + excluded.crashed,
       errored = errored + excluded.errored, abnormal = abnormal + excluded.abnormal`,
    ),
    erroredSid: db.prepare('SELECT counted FROM session_errored WHERE project_id = ? AND sid = ?').pluck(),
    markSid: db.prepare(
      `INSERT INTO session_errored (project_id, sid, counted, seen_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (project_id, sid) DO UPDATE SET counted = excluded.counted, seen_at = excluded.seen_at`,
    ),
    eventExists: db.prepare('SELECT 1 FROM events WHERE event_id = ? AND project_id = ?').pluck(),
    grouping: db.prepare('SELECT issue_id FROM groupings WHERE project_id = ? AND hash = ?').pluck(),
    groupingSince: db.prepare('SELECT value FROM _meta WHERE key = ?').pluck(),
    setGroupingSince: db.prepare('INSERT OR IGNORE INTO _meta (key, value) VALUES (?, ?)'),
    issue: db.prepare(
      `SELECT id, project_id, status, resolved_in_release, is_ignored_forever, event_count, user_count,
        ignored_at_events, ignored_at_users, ignore_until_events, ignore_until_users, ignore_until_time
       FROM issues WHERE id = ?`,
    ),
    insertIssue: db.prepare(
      // numbered above every id a deleted or merged issue had (migrations/0005): never reused
      `INSERT INTO issues (id, project_id, grouping_version, title, culprit, type, message, level, platform,
        first_seen, last_seen) VALUES (max(coalesce((SELECT max(id) FROM issues), 0),
        (SELECT max_removed_id FROM issue_id_floor WHERE id = 1)) + 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertGrouping: db.prepare(
      'INSERT INTO groupings (project_id, hash, version, issue_id) VALUES (?, ?, ?, ?)',
    ),
    insertEvent: db.prepare(
      `INSERT INTO events (project_id, event_id, issue_id, timestamp, received_at, level, title, message,
        release, environment, trace_id, user_key, payload)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertUser: db.prepare('INSERT OR IGNORE INTO issue_users (issue_id, user_key) VALUES (?, ?)'),
    insertUserValue: db.prepare(
      'INSERT OR IGNORE INTO issue_user_values (issue_id, field, value) VALUES (?, ?, ?)',
    ),
    updateIssue: db.prepare(
      `UPDATE issues SET event_count = event_count + 1, stored_count = stored_count + 1,
        user_count = user_count + ?, last_seen = max(last_seen, ?), first_seen = min(first_seen, ?),
        title = ?, culprit = ?, type = ?, message = ?, level = ?, last_release = coalesce(?, last_release),
        last_environment = coalesce(?, last_environment), latest_event_id = ? WHERE id = ?`,
    ),
    reopen: db.prepare(
      `UPDATE issues SET status = 'unresolved', is_regressed = ?, resolved_in_release = NULL, resolved_at = NULL,
        ignore_until_events = NULL, ignore_until_time = NULL, ignore_until_users = NULL,
        ignored_at_events = NULL, ignored_at_users = NULL, is_ignored_forever = 0 WHERE id = ?`,
    ),
    statusChange: db.prepare(
      'INSERT INTO status_changes (issue_id, from_status, to_status, actor, at, details) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    tag: db.prepare(
      `INSERT INTO issue_tags (issue_id, key, value, count, first_seen, last_seen) VALUES (?, ?, ?, 1, ?, ?)
       ON CONFLICT (issue_id, key, value) DO UPDATE SET count = count + 1, last_seen = excluded.last_seen`,
    ),
    hourly: db.prepare(
      `INSERT INTO issue_hourly (issue_id, hour, count) VALUES (?, ?, 1)
       ON CONFLICT (issue_id, hour) DO UPDATE SET count = count + 1`,
    ),
    release: db.prepare('INSERT OR IGNORE INTO releases (project_id, release, first_seen) VALUES (?, ?, ?)'),
    releaseFirstSeen: db
      .prepare('SELECT first_seen FROM releases WHERE project_id = ? AND release = ?')
      .pluck(),
    rules: db.prepare('SELECT * FROM alert_rules WHERE project_id = ? AND enabled = 1'),
    minute: db.prepare(
      `INSERT INTO issue_minutes (issue_id, minute, count) VALUES (?, ?, 1)
       ON CONFLICT (issue_id, minute) DO UPDATE SET count = count + 1`,
    ),
    // the minutes that overlap the window: a rule may count up to a minute more, never fewer
    eventsInWindow: db
      .prepare('SELECT coalesce(sum(count), 0) FROM issue_minutes WHERE issue_id = ? AND minute > ?')
      .pluck(),
    alertState: db
      .prepare('SELECT last_fired_at FROM alert_state WHERE rule_id = ? AND issue_id = ?')
      .pluck(),
    setAlertState: db.prepare(
      `INSERT INTO alert_state (rule_id, issue_id, last_fired_at) VALUES (?, ?, ?)
       ON CONFLICT (rule_id, issue_id) DO UPDATE SET last_fired_at = excluded.last_fired_at`,
    ),
    quarantine: db.prepare(
      `INSERT OR REPLACE INTO digest_quarantine (inbox_id, project_id, event_id, received_at, facts, payload,
        counts, error, quarantined_at, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    delivery: db.prepare(
      `INSERT INTO alert_deliveries (rule_id, project_id, issue_id, trigger, url, body, next_attempt_at, created_at)
       VALUES (?, ?, ?, ?, ?, '', ?, ?)`,
    ),
  };

  // alert rules are read once per project and batch
  const rulesInBatch = new Map<number, AlertRuleRow[]>();

  const firstSeenIn = (projectId: number) => (release: string) =>
    q.releaseFirstSeen.get(projectId, release) as number | undefined;

  function applyWorkflow(
    issue: WorkflowRow,
    facts: EventFacts,
    nowMs: number,
    newUser: number,
  ): 'regression' | 'ignore_expired' | null {
    if (issue.status === 'resolved') {
      if (
        issue.resolved_in_release &&
        (facts.release === null ||
          !isNewerRelease(facts.release, issue.resolved_in_release, firstSeenIn(issue.project_id)))
      ) {
        return null;
      }
      q.reopen.run(1, issue.id);
      q.statusChange.run(
        issue.id,
        'resolved',
        'unresolved',
        'system',
        nowMs,
        JSON.stringify({ reason: 'regression', release: facts.release }),
      );
      return 'regression';
    }
    if (issue.status === 'ignored' && issue.is_ignored_forever === 0) {
      const events = issue.event_count + 1 - (issue.ignored_at_events ?? 0);
      const users = issue.user_count + newUser - (issue.ignored_at_users ?? 0);
      const expired =
        (issue.ignore_until_events !== null && events >= issue.ignore_until_events) ||
        (issue.ignore_until_users !== null && users >= issue.ignore_until_users) ||
        (issue.ignore_until_time !== null && nowMs >= issue.ignore_until_time);
      if (expired) {
        q.reopen.run(0, issue.id);
        q.statusChange.run(
          issue.id,
          'ignored',
          'unresolved',
          'system',
          nowMs,
          JSON.stringify({ reason: 'ignore_expired' }),
        );
        return 'ignore_expired';
      }
    }
    return null;
  }

  function rulesOf(projectId: number): AlertRuleRow[] {
    let rules = rulesInBatch.get(projectId);
    if (!rules) {
      rules = q.rules.all(projectId) as AlertRuleRow[];
      rulesInBatch.set(projectId, rules);
    }
    return rules;
  }

  function queueAlerts(
    projectId: number,
    issueId: number,
    isNew: boolean,
    isRegression: boolean,
    nowMs: number,
  ) {
    for (const rule of rulesOf(projectId)) {
      let fire = false;
      if (rule.trigger === 'new_issue') fire = isNew;
      else if (rule.trigger === 'regression') fire = isRegression;
      else if (rule.trigger === 'frequency' && rule.threshold !== null && rule.window_minutes !== null) {
        const windowMs = rule.window_minutes * 60_000;
        const count = q.eventsInWindow.get(issueId, nowMs - windowMs - MINUTE_MS) as number;
        const last = q.alertState.get(rule.id, issueId) as number | undefined;
        if (count > rule.threshold && (last === undefined || nowMs - last >= windowMs)) {
          fire = true;
          q.setAlertState.run(rule.id, issueId, nowMs);
        }
      }
      if (fire) q.delivery.run(rule.id, projectId, issueId, rule.trigger, rule.url, nowMs, nowMs);
    }
  }

  /**
   * The issue of the event's current grouping key, else of its older keys, newest first, as Sentry's
   * secondary grouping during a config transition: an older key that finds an issue gets the
   * current key attached to that issue, so the next such event finds it at once and the older keys
   * are no longer needed for it. The current key goes first so that once an issue holds it, events
   * whose older keys still point elsewhere (issues split under the older version, e.g. one per
   * parameter value under version 1) join it rather than scattering. Issues merged under an older
   * version stay merged: each of their events' new keys is attached to the merged issue. As in
   * Sentry, the older keys count for a transition period only (from the first event this database
   * grouped with the version): after it, an error no issue holds by its current key is a new issue,
   * even if an old issue (say one that version 2 merged with others) holds its older key.
   */
  function findIssue(projectId: number, facts: EventFacts, nowMs: number): number | undefined {
    const transitionEndMs = groupingSince(facts.groupingVersion, nowMs) + GROUPING_TRANSITION_MS;
    const current = q.grouping.get(projectId, facts.groupingHash) as number | undefined;
    if (current !== undefined) return current;
    if (nowMs >= transitionEndMs) return undefined;
    const older =
      facts.legacyGroupingHashes ??
      (facts.legacyGroupingHash === undefined ? [] : [facts.legacyGroupingHash]);
    for (const hash of older) {
      const issueId = q.grouping.get(projectId, hash) as number | undefined;
      if (issueId !== undefined) {
        q.insertGrouping.run(projectId, facts.groupingHash, facts.groupingVersion, issueId);
        return issueId;
      }
    }
    return undefined;
  }

  const since = new Map<number, number>();
  /** When this database first grouped an event with `version` (kept in _meta, set on first use). */
  function groupingSince(version: number, nowMs: number): number {
    let ms = since.get(version);
    if (ms === undefined) {
      const key = `grouping_v${version}_since_ms`;
      q.setGroupingSince.run(key, String(nowMs));
      ms = Number(q.groupingSince.get(key));
      since.set(version, ms);
    }
    return ms;
  }

  function digestOne(row: EventRow, nowMs: number): DigestOutcome {
    const facts = parseFacts(row.facts);
    const projectId = row.project_id;
    const base = {
      eventId: facts.eventId,
      projectId,
      isNewIssue: false,
      isRegression: false,
      duplicate: false,
    };
    if (q.eventExists.get(facts.eventId, projectId)) return { ...base, issueId: 0, duplicate: true };
    const seen = row.received_at;
    let issueId = findIssue(projectId, facts, nowMs);
    let isNew = false;
    if (issueId === undefined) {
      const info = q.insertIssue.run(
        projectId,
        facts.groupingVersion,
        facts.title,
        facts.culprit,
        facts.type,
        facts.message,
        facts.level,
        facts.platform,
        seen,
        seen,
      );
      issueId = Number(info.lastInsertRowid);
      q.insertGrouping.run(projectId, facts.groupingHash, facts.groupingVersion, issueId);
      isNew = true;
    }
    if (facts.release) q.release.run(projectId, facts.release, seen);
    const newUser = facts.userKey ? q.insertUser.run(issueId, facts.userKey).changes : 0;
    for (const [field, value] of facts.userValues ?? []) q.insertUserValue.run(issueId, field, value);
    const issue = q.issue.get(issueId) as WorkflowRow;
    const transition = isNew ? null : applyWorkflow(issue, facts, nowMs, newUser);
    q.insertEvent.run(
      projectId,
      facts.eventId,
      issueId,
      // the read path's clock rule against the stored received time: a no-op for what this version
      // accepted, the received time for an event an older version left in the inbox unclamped
      isWrongClock(facts.timestampMs, seen) ? seen : facts.timestampMs,
      seen,
      facts.level,
      facts.title,
      facts.message,
      facts.release,
      facts.environment,
      facts.traceId,
      facts.userKey,
      row.payload,
    );
    q.updateIssue.run(
      newUser,
      seen,
      seen,
      facts.title,
      facts.culprit,
      // the type follows the latest event with the title it is part of (merged issues: black-box #53)
      facts.type,
      facts.message,
      facts.level,
      facts.release,
      facts.environment,
      facts.eventId,
      issueId,
    );
    for (const [key, value] of facts.tags) q.tag.run(issueId, key, value, seen, seen);
    q.hourly.run(issueId, Math.floor(seen / HOUR_MS) * HOUR_MS);
    // every event counts toward frequency rules, also while the issue is ignored or resolved
    if (rulesOf(projectId).some((r) => r.trigger === 'frequency'))
      q.minute.run(issueId, Math.floor(seen / MINUTE_MS) * MINUTE_MS);
    const isRegression = transition === 'regression';
    // as Sentry's RuleProcessor, rules apply to unresolved issues only: a frequency rule does not
    // page for an ignored issue, nor for a resolved one's events that do not reopen it
    if (issue.status === 'unresolved' || transition !== null) {
      queueAlerts(projectId, issueId, isNew, isRegression, nowMs);
    }
    return { ...base, issueId, isNewIssue: isNew, isRegression };
  }

  /** How one update of session `sid` changes its release's errored count: +1 the first time it
   * reports errors, -1 when a session counted so ends crashed or abnormal (Sentry's errored is the
   * set of sids with errors minus the crashed and abnormal ones), else 0. */
  function erroredOnce(projectId: number, sid: string, s: SessionUpdate, nowMs: number): number {
    const counted = q.erroredSid.get(projectId, sid) as number | undefined;
    if (s.crashed > 0 || s.abnormal > 0) {
      q.markSid.run(projectId, sid, 0, nowMs);
      return counted === 1 ? -1 : 0;
    }
    if (s.errored === 0 || counted !== undefined) return 0;
    q.markSid.run(projectId, sid, 1, nowMs);
    return 1;
  }

  function applyCounts(rows: InboxRow[], outcomes: DigestOutcome[], nowMs: number): void {
    const items = new Map<string, [projectId: number, type: string, n: number]>();
    const add = (projectId: number, type: string, n: number) => {
      const key = `${projectId}\n${type}`;
      const sum = items.get(key);
      if (sum) sum[2] += n;
      else items.set(key, [projectId, type, n]);
    };
    const applySessions = (projectId: number, sessions: SessionUpdate[]) => {
      for (const s of sessions) {
        // an update an older version let through (1e309 was stored as null, 1e20 as is) is dropped
        // and counted like the item it came from would be now (ingest/sessions.ts)
        if (!isSessionUpdate(s)) {
          add(projectId, 'invalid', 1);
          continue;
        }
        const errored = s.sid === undefined ? s.errored : erroredOnce(projectId, s.sid, s, nowMs);
        q.session.run(projectId, s.release, s.environment, s.started, s.crashed, errored, s.abnormal);
      }
    };
    for (const row of rows) {
      if (row.counts === null) continue;
      const counts = parseCounts(row.counts);
      // `event` items are counted below, from the events stored
      for (const [type, n] of Object.entries(counts.items))
        if (type !== 'event') add(row.project_id, type, n);
      applySessions(row.project_id, counts.sessions);
      for (const keyed of counts.keyed ?? []) {
        const eventId = countsKeyOf(keyed.key);
        let sessionsNew = eventId === null;
        for (const [type, n] of Object.entries(keyed.items)) {
          if (
            eventId !== null &&
            q.countOnce.run(row.project_id, eventId, type, row.received_at ?? nowMs).changes === 0
          )
            continue;
          if (type === 'session' || type === 'sessions') sessionsNew = true;
          if (type !== 'event') add(row.project_id, type, n);
        }
        // the session updates come from the envelope's session items: applied when those are new,
        // not when another of its items is (an envelope whose event was refused over quota kept its
        // session; its retry stores the event and must not apply the session again)
        if (sessionsNew) applySessions(row.project_id, keyed.sessions);
      }
    }
    for (const o of outcomes) if (!o.duplicate) add(o.projectId, 'event', 1);
    for (const [projectId, type, n] of items.values()) q.countItem.run(projectId, type, n);
  }

  return { q, digestOne, applyCounts, rulesInBatch };
}

/** The steps that apply one entry, for a quarantined entry's retry (store/quarantine.ts). */
export function entryAppliers(db: Db) {
  const { digestOne, applyCounts, rulesInBatch } = createAppliers(db);
  return { digestOne, applyCounts, rulesInBatch };
}

export function createDigest(db: Db, inbox: InboxReader) {
  const { q, digestOne, applyCounts, rulesInBatch } = createAppliers(db);
  const batch = db.transaction((rows: InboxRow[], nowMs: number) => {
    rulesInBatch.clear();
    // only one digest runs at a time, so this matches what the rows were read after; checked in
    // the transaction all the same, so a batch repeated after a crash is skipped, not re-applied
    const done = q.digestedThrough.get() as number;
    const fresh = rows.filter((r) => r.id > done);
    const outcomes: DigestOutcome[] = [];
    for (const row of fresh) if (row.event_id !== null) outcomes.push(digestOne(row as EventRow, nowMs));
    applyCounts(fresh, outcomes, nowMs);
    if (fresh.length > 0) q.setDigestedThrough.run(fresh[fresh.length - 1].id);
    return outcomes;
  });

  // nested in a transaction, a savepoint: a part that throws is rolled back alone
  const savepoint = db.transaction(<T>(fn: () => T): T => fn());
  /** Runs `fn` in a savepoint; an error that keeps the entry from ever applying is returned instead
   * of thrown (a bug's error too once `bugsToo`: it failed MAX_BUG_ATTEMPTS times). */
  const tryApart = (fn: () => void, bugsToo: boolean): unknown => {
    try {
      savepoint(fn);
      return null;
    } catch (err) {
      if (!settles(classify(db, err), bugsToo)) throw err;
      return err;
    }
  };

  /** An entry that failed alone. It holds an event and the counts of every request its group commit
   * held for the project (store/inbox.ts): each is applied apart, and only what fails is quarantined,
   * so one request's bad event does not drop the others' counts and session updates, nor their bad
   * session update an event. */
  const settleAlone = db.transaction((row: InboxRow, nowMs: number, bugsToo: boolean): DigestOutcome[] => {
    rulesInBatch.clear();
    const outcomes: DigestOutcome[] = [];
    const eventError =
      row.event_id === null
        ? null
        : tryApart(() => outcomes.push(digestOne(row as EventRow, nowMs)), bugsToo);
    const countsError = row.counts === null ? null : tryApart(() => applyCounts([row], [], nowMs), bugsToo);
    applyCounts([], outcomes, nowMs);
    if (eventError !== null || countsError !== null) {
      const errors = [eventError, countsError].filter((e) => e !== null);
      const bug = errors.some((e) => classify(db, e) === 'bug');
      q.quarantine.run(
        row.id,
        row.project_id,
        eventError === null ? null : row.event_id,
        row.received_at,
        eventError === null ? null : row.facts,
        eventError === null ? null : row.payload,
        countsError === null ? null : row.counts,
        errors.map(describeError).join('; ').slice(0, 1000),
        nowMs,
        bug ? 'repeated_failure' : 'bad_entry',
      );
    }
    q.setDigestedThrough.run(row.id);
    return outcomes;
  });

  /** A batch that cannot apply whole is applied entry by entry (each in its own transaction, which
   * records it as digested); an entry that fails alone is settled part by part. */
  function oneByOne(rows: InboxRow[], nowMs: number, bugsToo: boolean): DigestOutcome[] {
    const outcomes: DigestOutcome[] = [];
    for (const row of rows) {
      try {
        outcomes.push(...batch.immediate([row], nowMs));
      } catch (err) {
        // an entry whose error is not yet settled stops here: the next run starts with it
        if (!settles(classify(db, err), bugsToo)) {
          if (row !== rows[0]) return outcomes;
          throw err;
        }
        outcomes.push(...settleAlone.immediate(row, nowMs, bugsToo));
      }
    }
    return outcomes;
  }

  /** Where the digest failed with what looks like a bug in this code, and when to try again. */
  let stuck: { after: number; attempts: number; retryAt: number } | null = null;

  return (limit: number, nowMs: number): DigestResult => {
    const after = q.digestedThrough.get() as number;
    // backing off after a bug's failure: nothing this run (the next timer tick tries again)
    if (stuck !== null && stuck.after === after && nowMs < stuck.retryAt)
      return { entries: 0, outcomes: [], digestedThrough: after };
    const rows = inbox.read(after, limit);
    if (rows.length === 0) return { entries: 0, outcomes: [], digestedThrough: after };
    // The caller trims the inbox up to digestedThrough, and the next accept's fdatasync makes that
    // trim survive a power loss; under synchronous=NORMAL this commit would not, and a power loss
    // would drop the batch from both files. So this one commit syncs errors.db's WAL (one fsync per
    // batch, on the store worker); the connection's other writes keep NORMAL.
    db.pragma('synchronous = FULL');
    try {
      let outcomes: DigestOutcome[];
      try {
        outcomes = batch.immediate(rows, nowMs);
        stuck = null;
      } catch (err) {
        // A busy or full disk is retried on the next run. An entry that can never be applied (a
        // bad stored entry) must not hold back every later one: quarantined at once (the batch
        // rolled back whole, so nothing is applied twice). Any other error is most likely a bug
        // here: retried with a growing pause, then quarantined too (kept for a retry once fixed).
        const kind = classify(db, err);
        if (kind === 'transient') throw err;
        const attempts = kind === 'bug' ? (stuck?.after === after ? stuck.attempts : 0) + 1 : 0;
        const bugsToo = attempts >= MAX_BUG_ATTEMPTS;
        if (kind === 'bug' && !bugsToo) {
          stuck = { after, attempts, retryAt: nowMs + bugBackoffMs(attempts) };
          throw err;
        }
        stuck = null;
        outcomes = oneByOne(rows, nowMs, bugsToo);
      }
      const last = q.digestedThrough.get() as number;
      return { entries: rows.filter((r) => r.id <= last).length, outcomes, digestedThrough: last };
    } finally {
      db.pragma('synchronous = NORMAL');
    }
  };
}

/** Failures at the same place, with a bug's error, before its entries are quarantined. */
export const MAX_BUG_ATTEMPTS = 5;

/** The pause after the n-th failure with a bug's error: 1 s, 4 s, 16 s, 64 s (about 1.5 min in all). */
export function bugBackoffMs(attempts: number): number {
  return 1000 * 4 ** (attempts - 1);
}

/** A stored entry the digest cannot read: facts or counts that do not have the shape it wrote. */
class BadEntry extends Error {}

/**
 * What an error says about the entry that raised it:
 * - 'bad_entry': the entry itself can never apply (facts or counts that do not parse or lack a field,
 *   a value or constraint the schema refuses);
 * - 'transient': the disk, the database or the process (busy, I/O, full, out of memory, closed): retried
 *   without end, the entries are safe in the inbox;
 * - 'bug': anything else (a TypeError, a RangeError…), most likely this code's fault, which the same
 *   entry may not meet after a fix: retried with a pause, a bounded number of times.
 */
export function classify(db: Db, err: unknown): 'bad_entry' | 'transient' | 'bug' {
  if (!db.open) return 'transient';
  if (err instanceof BadEntry || err instanceof SyntaxError) return 'bad_entry';
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('SQLITE_'))
    return /^SQLITE_(CONSTRAINT|MISMATCH|TOOBIG|RANGE)/.test(code) ? 'bad_entry' : 'transient';
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return 'transient'; // ENOSPC, EIO, …
  if (err instanceof RangeError && /allocation failed|out of memory/i.test(err.message)) return 'transient';
  return 'bug';
}

const settles = (kind: ReturnType<typeof classify>, bugsToo: boolean) =>
  kind === 'bad_entry' || (bugsToo && kind === 'bug');

function describeError(err: unknown): string {
  if (err instanceof BadEntry || err instanceof SyntaxError) return err.message;
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

const isString = (v: unknown) => typeof v === 'string';
const isStringOrNull = (v: unknown) => v === null || typeof v === 'string';
const FACT_FIELDS: [keyof EventFacts, (v: unknown) => boolean][] = [
  ['eventId', isString],
  ['timestampMs', Number.isFinite],
  ['level', isString],
  ['platform', isString],
  ['title', isString],
  ['culprit', isString],
  ['type', isString],
  ['message', isString],
  ['release', isStringOrNull],
  ['environment', isStringOrNull],
  ['traceId', isStringOrNull],
  ['userKey', isStringOrNull],
  [
    'userValues',
    (v) =>
      v === undefined ||
      (Array.isArray(v) && v.every((p) => Array.isArray(p) && isString(p[0]) && isString(p[1]))),
  ],
  ['groupingHash', isString],
  ['groupingVersion', Number.isInteger],
  ['legacyGroupingHashes', (v) => v === undefined || (Array.isArray(v) && v.every(isString))],
  ['legacyGroupingHash', (v) => v === undefined || isString(v)],
  ['tags', (v) => Array.isArray(v) && v.every((t) => Array.isArray(t) && isString(t[0]) && isString(t[1]))],
];

/** An entry's facts, checked field by field: a stored entry without the shape is a bad entry, not a
 * TypeError deep in the digest (which would look like a bug and be retried). */
function parseFacts(text: string): EventFacts {
  const facts = JSON.parse(text) as Record<string, unknown>;
  if (facts === null || typeof facts !== 'object') throw new BadEntry('facts are not an object');
  for (const [field, ok] of FACT_FIELDS)
    if (!ok(facts[field])) throw new BadEntry(`facts.${field} is missing or of the wrong type`);
  return facts as unknown as EventFacts;
}

const isCountMap = (v: unknown) =>
  v !== null && typeof v === 'object' && Object.values(v).every((n) => Number.isFinite(n));

function parseCounts(text: string): InboxCounts {
  const counts = JSON.parse(text) as InboxCounts;
  const ok =
    counts !== null &&
    typeof counts === 'object' &&
    isCountMap(counts.items) &&
    Array.isArray(counts.sessions) &&
    (counts.keyed === undefined ||
      (Array.isArray(counts.keyed) &&
        counts.keyed.every((k) => isString(k?.key) && isCountMap(k.items) && Array.isArray(k.sessions))));
  if (!ok) throw new BadEntry('counts do not have the shape of an inbox entry');
  return counts;
}

/** An envelope's event_id as the events table spells it (`:` and the hash of its attachments when
 * it has some), or the hash of an envelope without one; null when it is neither (such an envelope
 * is counted per request). */
function countsKeyOf(key: string): string | null {
  const [eventId, attachments] = key.split(':', 2);
  const id = eventId.replaceAll('-', '').toLowerCase();
  if (attachments !== undefined)
    return /^[0-9a-f]{32}$/.test(id) && /^[0-9a-f]{64}$/.test(attachments) ? `${id}:${attachments}` : null;
  return /^[0-9a-f]{32}$|^[0-9a-f]{64}$/.test(id) ? id : null;
}

// ingest/sessions.ts takes u32 counts; `started` sums four of them
const MAX_COUNT = 4 * (2 ** 32 - 1);
const isCount = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_COUNT;

function isSessionUpdate(s: SessionUpdate): boolean {
  return (
    isCount(s.started) &&
    isCount(s.crashed) &&
    isCount(s.errored) &&
    isCount(s.abnormal) &&
    (s.sid === undefined || typeof s.sid === 'string')
  );
}

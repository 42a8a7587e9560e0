// The narrow, synchronous storage interface of the error tracker. The SQLite implementation is
// in sqlite-store.ts; handlers, the digest loop and the UI only see this interface.
import type { RescrubStep } from './rescrub.js';
import type { FillStep, UserField } from './user-values.js';
import type {
  AlertDelivery,
  AlertRule,
  AlertTrigger,
  DeliveryStatus,
  EventSummary,
  HourlyCount,
  IgnoreCondition,
  Issue,
  IssueAction,
  IssueFilter,
  Level,
  ItemTypeCount,
  Page,
  Project,
  ProjectKey,
  ReleaseHealth,
  StatusChange,
  StoredEvent,
  TagSummary,
  TagValuePage,
} from '../model.js';

export interface NewProject {
  name: string;
  slug?: string;
  publicKey: string;
  nowMs: number;
  /** 0 (unlimited) when left out. */
  quotaPerMinute?: number;
  quotaPerHour?: number;
}

/** What the accept path computes once per event (pure CPU), so the digest is SQL only. */
export interface EventFacts {
  eventId: string;
  timestampMs: number;
  level: Level;
  platform: string;
  title: string;
  culprit: string;
  type: string;
  message: string;
  release: string | null;
  environment: string | null;
  traceId: string | null;
  userKey: string | null;
  /** The user's email, username and IP address (store/user-values.ts), for user.email: and the
   * like; absent when it has none, and in entries accepted before they were searched. */
  userValues?: [UserField, string][];
  /** Tag pairs counted per issue: the event's tags plus level, release, environment, server_name... */
  tags: [string, string][];
  groupingHash: string;
  groupingVersion: number;
  /** The keys older grouping versions gave this event, newest first, where they differ: the digest
   * looks them up when `groupingHash` is not known yet, so an issue made before the version change
   * keeps its events (store/digest.ts). */
  legacyGroupingHashes?: string[];
  /** The one older key of an entry accepted before version 3 (its version 1 key): read as the list. */
  legacyGroupingHash?: string;
}

/** One accepted event waiting in the inbox for grouping. */
export interface InboxEntry {
  projectId: number;
  receivedAtMs: number;
  eventId: string;
  /** The EventFacts as JSON, as the inbox stores them: made where the event was prepared, so with
   * ingest workers the main thread neither stringifies nor structured-clones an object per event. */
  factsJson: string;
  /** The event's JSON (as sent, or normalized when that used the client's IP) compressed, or the
   * compressed request body holding it as sent (store/codec.ts). */
  payload: Buffer;
}

export interface DeletedIssue {
  title: string;
  deletedBy: string;
  deletedAt: string;
}

export interface DeliveryPageQuery {
  limit: number;
  cursor?: string | null;
  status?: DeliveryStatus | null;
}

/** A webhook delivery that is due. */
export interface DueDelivery {
  id: number;
  ruleId: number;
  issueId: number;
  trigger: AlertTrigger;
  format: 'json' | 'slack';
  url: string;
  attempts: number;
  /** The rule's condition, for the body (frequency rules). */
  threshold: number | null;
  windowMinutes: number | null;
}

/** Due deliveries, oldest first: at most `perUrl` of each URL (so one dead receiver's backlog
 * does not fill the page), none of `skipIds` (those in flight). */
export interface DueQuery {
  nowMs: number;
  limit: number;
  perUrl: number;
  skipIds: readonly number[];
  /** Receivers that failed without an answer this tick: their rows wait for the next one. */
  skipUrls: readonly string[];
}

export interface DeliveryResult {
  ok: boolean;
  responseStatus: number | null;
  error: string | null;
  /** When to retry; null = give up (status 'failed') or delivered. */
  nextAttemptAtMs: number | null;
  nowMs: number;
}

/** Session updates accepted with an envelope, applied in the same transaction as the inbox append. */
export interface SessionUpdate {
  release: string;
  environment: string;
  /** Sessions started (init) by this update. */
  started: number;
  crashed: number;
  errored: number;
  abnormal: number;
  /** The session's id (a `session` item): `errored` is then whether this update reports errors, and
   * the digest counts the sid once. */
  sid?: string;
}

export interface AcceptBatch {
  projectId: number;
  events: InboxEntry[];
  /** Item types seen in the request, counted per project. */
  itemCounts: Record<string, number>;
  sessions: SessionUpdate[];
  /** The envelope header's event_id (or a hash of an envelope without one, see
   * service/prepare-payload.ts): the counts of a request with one are applied once per project,
   * key and item type, so an SDK's retry of the envelope does not count again. */
  countsKey?: string | null;
}

/** What grouping one inbox entry did, for alerts and metrics. */
export interface DigestOutcome {
  eventId: string;
  projectId: number;
  issueId: number;
  isNewIssue: boolean;
  isRegression: boolean;
  duplicate: boolean;
}

/** An inbox entry the digest set aside (digest_quarantine). */
export interface QuarantinedEntry {
  /** Its inbox id. */
  id: number;
  projectId: number;
  eventId: string | null;
  receivedAt: string | null;
  quarantinedAt: string;
  /** 'bad_entry': it can never apply as stored; 'repeated_failure': an error that looked like a bug in
   * the digest, met every time it was tried. */
  reason: 'bad_entry' | 'repeated_failure';
  error: string;
  /** It holds an event (else only item counts and session updates). */
  hasEvent: boolean;
  hasCounts: boolean;
}

export type QuarantineRetry =
  | { applied: true; outcome: DigestOutcome | null }
  | { applied: false; error: string };

/** What one digest batch did. */
export interface DigestResult {
  /** Inbox entries consumed (events and counter rows); fewer than asked for: the inbox is empty. */
  entries: number;
  /** One per event consumed, duplicates included (and flagged). */
  outcomes: DigestOutcome[];
  /** The last inbox id now digested: the inbox may be trimmed up to it (trimInbox). */
  digestedThrough: number;
}

export interface EventPageQuery {
  cursor?: string | null;
  limit?: number;
}

export interface PruneResult {
  deletedEvents: number;
  /** True when more work is pending (call again). */
  more: boolean;
}

export interface RetentionPolicy {
  maxEventAgeMs: number;
  maxEventsPerIssue: number;
}

export interface NewAlertRule {
  projectId: number;
  trigger: AlertTrigger;
  url: string;
  format?: 'json' | 'slack';
  threshold?: number | null;
  windowMinutes?: number | null;
}

export interface ErrorStore {
  // projects and keys
  listProjects(): Project[];
  getProject(id: number): Project | null;
  createProject(input: NewProject): Project;
  updateProject(
    id: number,
    patch: Partial<Pick<Project, 'name' | 'quotaPerMinute' | 'quotaPerHour'>>,
  ): Project;
  listKeys(projectId: number): ProjectKey[];
  addKey(projectId: number, publicKey: string, label: string, nowMs: number): ProjectKey;
  revokeKey(projectId: number, keyId: number, nowMs: number): ProjectKey;
  /** The active key with this public key for this project, or null. */
  findActiveKey(projectId: number, publicKey: string): ProjectKey | null;

  // ingest
  /** Appends several requests' events and counters to the inbox in one transaction (group
   * commit): they survive a process crash when it returns, a power loss once `syncAccepted()`
   * called after it resolves. Never waits for a digest batch (store/inbox.ts). */
  acceptMany(batches: AcceptBatch[]): void;
  /** Flushes every earlier `acceptMany` to stable storage (fdatasync off the main thread). */
  syncAccepted(): Promise<void>;
  /** Releases the store's own handles (the caller closes the databases). */
  close(): void;
  /** Events in the inbox, not yet digested. */
  pendingCount(): number;
  /** Groups up to `limit` inbox entries in one transaction. Does not trim the inbox. */
  digest(limit: number, nowMs: number): DigestResult;
  /** Removes inbox entries up to a digest's `digestedThrough` (on the inbox's writer). */
  trimInbox(throughId: number): void;
  /** Entries the digest set aside, newest first (before `beforeId` when paging). */
  listQuarantined(filter: { projectId?: number; beforeId?: number; limit: number }): QuarantinedEntry[];
  quarantineCount(projectId?: number): number;
  /** Applies a set-aside entry now and removes it; if it fails again it stays, with the new error.
   * Null when there is no such entry. */
  retryQuarantined(id: number, nowMs: number): QuarantineRetry | null;
  discardQuarantined(id: number): boolean;

  // reads
  listIssues(filter: IssueFilter): Page<Issue>;
  getIssue(id: number): Issue | null;
  /** The issue a merged-away id was merged into (migrations/0012), else null. */
  issueMergedInto(id: number): number | null;
  /** Who deleted the issue of this id and when (migrations/0015), else null. */
  issueDeleted(id: number): DeletedIssue | null;
  listIssueEvents(issueId: number, page: EventPageQuery): Page<EventSummary>;
  /** An event id is unique per project: with `projectId` that project's event, else the first stored. */
  getEvent(eventId: string, projectId?: number): StoredEvent | null;
  getLatestEvent(issueId: number): StoredEvent | null;
  /** Neighbours of an event within its issue (by receive order). */
  getAdjacentEvents(issueId: number, eventId: string): { older: string | null; newer: string | null };
  /** Newest first; `limit` is the caller's (the trace route allows more than other lists). */
  listEventsByTrace(traceId: string, cursor: string | null | undefined, limit: number): Page<EventSummary>;
  listIssueTags(issueId: number, topN: number): TagSummary[];
  /** One key's values, most events first: `cursor` is a page's nextCursor (else a 400). */
  getTagValues(issueId: number, key: string, page: { limit: number; cursor?: string | null }): TagValuePage;
  hourlyCounts(issueId: number, fromMs: number, toMs: number): HourlyCount[];
  /** Hourly counts for many issues at once (list sparklines). */
  hourlyCountsFor(issueIds: number[], fromMs: number, toMs: number): Map<number, HourlyCount[]>;
  listStatusChanges(issueId: number): StatusChange[];
  listReleaseHealth(projectId: number): ReleaseHealth[];
  listItemCounts(projectId: number): ItemTypeCount[];

  // workflow
  /** ValidationError, and nothing changes, when "in next release" meets a project with no release. */
  applyAction(issueIds: number[], action: IssueAction, actor: string, nowMs: number): Issue[];
  /** The release "resolved in next release" pins for the project's issues; null when it has none. */
  releaseToResolveBy(projectId: number): string | null;
  /** All or nothing: NotFound when the target or a source is missing, ValidationError when a
   * source is the target or in another project. */
  mergeIssues(targetId: number, sourceIds: number[], actor: string, nowMs: number): Issue;
  deleteIssue(id: number, actor: string, nowMs: number): boolean;
  /** Reopens ignored issues whose time condition passed (at that time). Returns reopened ids. */
  expireIgnores(nowMs: number): number[];
  /** One batch of the background pass that rewrites events stored before the scrubber's current
   * rules (store/rescrub.ts): one transaction, progress kept in _meta; it begins only once what
   * an older version accepted is digested (the digest passed the highest inbox id at open). */
  rescrubStoredEvents(batchSize: number): RescrubStep;
  /** One batch of the background pass that adds the user values of events stored before
   * issue_user_values existed (store/user-values.ts); it begins as the rescrub pass does. */
  fillUserValues(batchSize: number): FillStep;

  // alerts
  listAlertRules(projectId: number): AlertRule[];
  createAlertRule(rule: NewAlertRule, nowMs: number): AlertRule;
  deleteAlertRule(projectId: number, ruleId: number): boolean;
  /** Newest first; `cursor` is a page's nextCursor (else a BadRequest). */
  listDeliveries(projectId: number, page: DeliveryPageQuery): Page<AlertDelivery>;
  dueDeliveries(due: DueQuery): DueDelivery[];
  recordDelivery(id: number, result: DeliveryResult): void;

  // retention
  prune(policy: RetentionPolicy, nowMs: number, batchSize: number): PruneResult;
  vacuumStep(pages: number): void;
}

export type { IgnoreCondition };

// Domain types of the error tracker, shared by the store, the HTTP API and the web UI.
// Stable contract: extend, never rename. Timestamps are RFC 3339 strings (UTC, ms precision)
// unless the name ends in `Ms` (epoch milliseconds).

export type Level = 'fatal' | 'error' | 'warning' | 'info' | 'debug';
export const LEVELS: readonly Level[] = ['fatal', 'error', 'warning', 'info', 'debug'];

export type IssueStatus = 'unresolved' | 'resolved' | 'ignored';
export const ISSUE_STATUSES: readonly IssueStatus[] = ['unresolved', 'resolved', 'ignored'];

export interface Project {
  id: number;
  name: string;
  slug: string;
  createdAt: string;
  /** Events accepted per minute / hour before 429 (0 = unlimited). */
  quotaPerMinute: number;
  quotaPerHour: number;
}

export interface ProjectKey {
  id: number;
  projectId: number;
  publicKey: string;
  label: string;
  createdAt: string;
  revokedAt: string | null;
}

/** A project as the API and the settings page show it: with its active keys and DSNs. */
export interface ProjectWithKeys extends Project {
  keys: (ProjectKey & { dsn: string })[];
  /** DSN of the first active key, or null when every key is revoked. */
  dsn: string | null;
}

/** How an ignored issue comes back. All null = ignored forever. */
export interface IgnoreCondition {
  /** Reopen after this many more events (counted from the moment of ignoring). */
  untilEvents: number | null;
  /** Reopen after this time (RFC 3339). */
  untilTime: string | null;
  /** Reopen after this many more distinct users. */
  untilUsers: number | null;
}

export interface Issue {
  id: number;
  projectId: number;
  /** Version of the grouping algorithm that created the issue (see src/grouping/). */
  groupingVersion: number;
  title: string;
  culprit: string;
  /** Exception type of the main exception, or '' for message events. */
  type: string;
  /** First line of the exception value or the message. */
  message: string;
  level: Level;
  platform: string;
  status: IssueStatus;
  /** Set when a resolved issue received a new event (cleared when resolved again). */
  isRegressed: boolean;
  /** Resolved "in next release": the release that was current when resolving. */
  resolvedInRelease: string | null;
  ignore: IgnoreCondition | null;
  firstSeen: string;
  lastSeen: string;
  /** Total events ever grouped here (not reduced by retention pruning). */
  eventCount: number;
  /** Distinct users (user.id, email, username or ip) ever seen. */
  userCount: number;
  /** Events currently stored (retention may prune older ones). */
  storedEventCount: number;
  lastRelease: string | null;
  lastEnvironment: string | null;
  /** Event id of the newest stored event (null if all were pruned). */
  latestEventId: string | null;
}

export interface EventSummary {
  eventId: string;
  issueId: number;
  projectId: number;
  /** Client timestamp of the event. */
  timestamp: string;
  /** When the server accepted it. */
  receivedAt: string;
  level: Level;
  title: string;
  message: string;
  release: string | null;
  environment: string | null;
  traceId: string | null;
  /** user.id, email, username or ip_address: whichever is present first. */
  user: string | null;
}

/** The full normalized event as sent by the SDK (unknown fields kept). */
export type EventPayload = Record<string, unknown>;

export interface StoredEvent extends EventSummary {
  data: EventPayload;
}

export type IssueSort = 'last_seen' | 'first_seen' | 'events' | 'users';
export const ISSUE_SORTS: readonly IssueSort[] = ['last_seen', 'first_seen', 'events', 'users'];

/** `key:value`, `key:[a,b]` (any of), `has:key` (no values); negated: the issue must not match.
 * In values and free text, `*` matches any characters and `\*` is an asterisk (query/search-tokens.ts
 * wildcardParts). */
export interface TagTerm {
  key: string;
  values: string[];
  negated: boolean;
  /** user.email:, user.username:, user.ip:: a field of the issue's events' users (any of them), not
   * a tag; `key` is then the search key. */
  userField?: 'email' | 'username' | 'ip';
}

export interface IssueFilter {
  projectId?: number;
  status?: IssueStatus;
  level?: Level;
  environment?: string;
  release?: string;
  firstSeenFrom?: string;
  firstSeenTo?: string;
  lastSeenFrom?: string;
  lastSeenTo?: string;
  /** Inclusive bounds on the issue's event count (`times_seen:`). */
  eventCountMin?: number;
  eventCountMax?: number;
  /** The release of the issue's first event with one (`firstRelease:`). */
  firstRelease?: string;
  /** The issue's exception type (`error.type:`). */
  type?: string;
  /** Free text over title, culprit and message (case-insensitive substring). */
  text?: string;
  /** Tag conditions from the search language, all must hold. */
  tags?: TagTerm[];
  isRegressed?: boolean;
  /** Trace id: issues with an event of that trace. */
  traceId?: string;
  sort?: IssueSort;
  cursor?: string | null;
  limit?: number;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export interface TagValueCount {
  key: string;
  value: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
}

/** A page of one key's values, with how many distinct values and events carry the key in all. */
export interface TagValuePage extends Page<TagValueCount> {
  uniqueValues: number;
  totalCount: number;
}

/** Per tag key of an issue: total count and the most frequent values. */
export interface TagSummary {
  key: string;
  totalCount: number;
  topValues: TagValueCount[];
}

export interface HourlyCount {
  /** Start of the hour, RFC 3339. */
  hour: string;
  count: number;
}

export interface StatusChange {
  id: number;
  issueId: number;
  fromStatus: IssueStatus | null;
  toStatus: IssueStatus;
  /** Who made the change: 'api', 'ui', 'system' (regression / ignore expiry), ... */
  actor: string;
  at: string;
  /** Extra information: ignore condition, release, reason. */
  details: Record<string, unknown>;
}

export type IssueAction =
  | { status: 'unresolved' }
  | { status: 'resolved'; inNextRelease?: boolean }
  | { status: 'ignored'; ignore?: Partial<IgnoreCondition> };

export type AlertTrigger = 'new_issue' | 'regression' | 'frequency';
export type AlertFormat = 'json' | 'slack';

export interface AlertRule {
  id: number;
  projectId: number;
  trigger: AlertTrigger;
  url: string;
  format: AlertFormat;
  /** For 'frequency': more than `threshold` events within `windowMinutes`. */
  threshold: number | null;
  windowMinutes: number | null;
  enabled: boolean;
  createdAt: string;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface AlertDelivery {
  id: number;
  ruleId: number;
  /** The webhook it went to, a password in it masked, and the body format of its rule. */
  url: string;
  format: AlertFormat;
  issueId: number;
  trigger: AlertTrigger;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  responseStatus: number | null;
  createdAt: string;
  deliveredAt: string | null;
}

export interface ReleaseHealth {
  projectId: number;
  release: string;
  environment: string;
  sessions: number;
  crashed: number;
  errored: number;
  abnormal: number;
  /** 1 - crashed/sessions, null when no session was seen. */
  crashFreeRate: number | null;
}

export interface ItemTypeCount {
  projectId: number;
  type: string;
  count: number;
}

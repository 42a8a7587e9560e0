// Row shapes of the SQLite tables and their mapping to the domain model.
import type {
  AlertDelivery,
  AlertFormat,
  AlertRule,
  AlertTrigger,
  DeliveryStatus,
  EventSummary,
  Issue,
  IssueStatus,
  Level,
  Project,
  ProjectKey,
  StatusChange,
} from '../model.js';
import { redactWebhookUrl } from '../alerts/webhook-url.js';

export const iso = (ms: number): string => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

export interface ProjectRow {
  id: number;
  name: string;
  slug: string;
  created_at: number;
  quota_per_minute: number;
  quota_per_hour: number;
}

export function toProject(r: ProjectRow): Project {
  return {
    id: r.id,
    name: r.name,
    slug: r.slug,
    createdAt: iso(r.created_at),
    quotaPerMinute: r.quota_per_minute,
    quotaPerHour: r.quota_per_hour,
  };
}

export interface KeyRow {
  id: number;
  project_id: number;
  public_key: string;
  label: string;
  created_at: number;
  revoked_at: number | null;
}

export function toKey(r: KeyRow): ProjectKey {
  return {
    id: r.id,
    projectId: r.project_id,
    publicKey: r.public_key,
    label: r.label,
    createdAt: iso(r.created_at),
    revokedAt: isoOrNull(r.revoked_at),
  };
}

export interface IssueRow {
  id: number;
  project_id: number;
  grouping_version: number;
  title: string;
  culprit: string;
  type: string;
  message: string;
  level: string;
  platform: string;
  status: string;
  is_regressed: number;
  resolved_in_release: string | null;
  resolved_at: number | null;
  ignore_until_events: number | null;
  ignore_until_time: number | null;
  ignore_until_users: number | null;
  ignored_at_events: number | null;
  ignored_at_users: number | null;
  is_ignored_forever: number;
  first_seen: number;
  last_seen: number;
  event_count: number;
  user_count: number;
  stored_count: number;
  last_release: string | null;
  last_environment: string | null;
  latest_event_id: string | null;
}

export function toIssue(r: IssueRow): Issue {
  const ignored = r.status === 'ignored';
  return {
    id: r.id,
    projectId: r.project_id,
    groupingVersion: r.grouping_version,
    title: r.title,
    culprit: r.culprit,
    type: r.type,
    message: r.message,
    level: r.level as Level,
    platform: r.platform,
    status: r.status as IssueStatus,
    isRegressed: r.is_regressed === 1,
    resolvedInRelease: r.resolved_in_release,
    ignore: ignored
      ? {
          untilEvents: r.ignore_until_events,
          untilTime: isoOrNull(r.ignore_until_time),
          untilUsers: r.ignore_until_users,
        }
      : null,
    firstSeen: iso(r.first_seen),
    lastSeen: iso(r.last_seen),
    eventCount: r.event_count,
    userCount: r.user_count,
    storedEventCount: r.stored_count,
    lastRelease: r.last_release,
    lastEnvironment: r.last_environment,
    latestEventId: r.latest_event_id,
  };
}

export interface EventRow {
  id: number;
  project_id: number;
  event_id: string;
  issue_id: number;
  timestamp: number;
  received_at: number;
  level: string;
  title: string;
  message: string;
  release: string | null;
  environment: string | null;
  trace_id: string | null;
  user_key: string | null;
  payload?: Buffer;
}

export const EVENT_SUMMARY_COLUMNS =
  'id, project_id, event_id, issue_id, timestamp, received_at, level, title, message, release, environment, trace_id, user_key';

export function toEventSummary(r: EventRow): EventSummary {
  return {
    eventId: r.event_id,
    issueId: r.issue_id,
    projectId: r.project_id,
    timestamp: iso(r.timestamp),
    receivedAt: iso(r.received_at),
    level: r.level as Level,
    title: r.title,
    message: r.message,
    release: r.release,
    environment: r.environment,
    traceId: r.trace_id,
    user: r.user_key,
  };
}

export interface StatusChangeRow {
  id: number;
  issue_id: number;
  from_status: string | null;
  to_status: string;
  actor: string;
  at: number;
  details: string;
}

export function toStatusChange(r: StatusChangeRow): StatusChange {
  return {
    id: r.id,
    issueId: r.issue_id,
    fromStatus: r.from_status as IssueStatus | null,
    toStatus: r.to_status as IssueStatus,
    actor: r.actor,
    at: iso(r.at),
    details: JSON.parse(r.details) as Record<string, unknown>,
  };
}

export interface AlertRuleRow {
  id: number;
  project_id: number;
  trigger: string;
  url: string;
  format: string;
  threshold: number | null;
  window_minutes: number | null;
  enabled: number;
  created_at: number;
}

export function toAlertRule(r: AlertRuleRow): AlertRule {
  return {
    id: r.id,
    projectId: r.project_id,
    trigger: r.trigger as AlertTrigger,
    url: r.url,
    format: r.format as AlertFormat,
    threshold: r.threshold,
    windowMinutes: r.window_minutes,
    enabled: r.enabled === 1,
    createdAt: iso(r.created_at),
  };
}

export interface DeliveryRow {
  id: number;
  rule_id: number;
  url: string;
  format: string | null;
  issue_id: number;
  trigger: string;
  status: string;
  attempts: number;
  next_attempt_at: number | null;
  last_error: string | null;
  response_status: number | null;
  created_at: number;
  delivered_at: number | null;
}

export function toDelivery(r: DeliveryRow): AlertDelivery {
  return {
    id: r.id,
    ruleId: r.rule_id,
    url: redactWebhookUrl(r.url),
    format: r.format === 'slack' ? 'slack' : 'json',
    issueId: r.issue_id,
    trigger: r.trigger as AlertTrigger,
    status: r.status as DeliveryStatus,
    attempts: r.attempts,
    nextAttemptAt: isoOrNull(r.next_attempt_at),
    lastError: r.last_error,
    responseStatus: r.response_status,
    createdAt: iso(r.created_at),
    deliveredAt: isoOrNull(r.delivered_at),
  };
}

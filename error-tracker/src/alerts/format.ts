// Webhook bodies of alerts: our JSON shape, or a Slack-compatible {text, attachments} body that
// Slack, Mattermost and Rocket.Chat incoming webhooks accept. Pure.
import type { AlertFormat, AlertTrigger, Issue } from '../model.js';

const HEADLINES: Record<AlertTrigger, string> = {
  new_issue: 'New issue',
  regression: 'Regression',
  frequency: 'Frequent issue',
};

/** The rule that fired, so a receiver can tell why it was paged (black-box 10 #73), as Sentry's
 * webhook payload carries its triggering rules and its Slack message names the condition. */
export interface FiredRule {
  id: number;
  trigger: AlertTrigger;
  threshold: number | null;
  windowMinutes: number | null;
}

/** "more than 3 events in 1 minute" for a frequency rule, else null. */
export function ruleCondition(rule: FiredRule): string | null {
  if (rule.trigger !== 'frequency' || rule.threshold === null || rule.windowMinutes === null) return null;
  const events = rule.threshold === 1 ? 'event' : 'events';
  const minutes = rule.windowMinutes === 1 ? '1 minute' : `${rule.windowMinutes} minutes`;
  return `more than ${rule.threshold} ${events} in ${minutes}`;
}

export function alertBody(format: AlertFormat, rule: FiredRule, issue: Issue, issueUrl: string): string {
  const trigger = rule.trigger;
  const condition = ruleCondition(rule);
  const kind = condition ? `${HEADLINES[trigger]} (${condition})` : HEADLINES[trigger];
  const headline = `${kind}: ${issue.title}`;
  if (format === 'slack') {
    return JSON.stringify({
      text: `${kind}: ${escapeSlack(issue.title)} (${issueUrl})`,
      attachments: [
        {
          title: escapeSlack(issue.title),
          title_link: issueUrl,
          text: escapeSlack(issue.culprit),
          color: issue.level === 'warning' ? 'warning' : 'danger',
          fields: [
            { title: 'Events', value: String(issue.eventCount), short: true },
            { title: 'Users', value: String(issue.userCount), short: true },
            { title: 'Level', value: escapeSlack(issue.level), short: true },
            { title: 'Release', value: escapeSlack(issue.lastRelease ?? '-'), short: true },
            { title: 'Rule', value: `#${rule.id}${condition ? `: ${condition}` : ''}`, short: false },
          ],
        },
      ],
    });
  }
  return JSON.stringify({
    trigger,
    text: headline,
    url: issueUrl,
    rule: {
      id: rule.id,
      trigger,
      threshold: rule.threshold,
      window_minutes: rule.windowMinutes,
      condition,
    },
    issue: {
      id: issue.id,
      project_id: issue.projectId,
      title: issue.title,
      culprit: issue.culprit,
      level: issue.level,
      status: issue.status,
      is_regressed: issue.isRegressed,
      event_count: issue.eventCount,
      user_count: issue.userCount,
      first_seen: issue.firstSeen,
      last_seen: issue.lastSeen,
      last_release: issue.lastRelease,
    },
  });
}

/**
 * Slack's "Escaping text": `&`, `<`, `>` are its control characters (`<!channel>`, `<url|label>`), so
 * event text (exception messages carry user input) must not reach it raw. As Sentry's
 * escape_slack_text; `*` and `_` stay, as there.
 */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Delay before retry number `attempt` (1-based): 10 s, 20 s, 40 s... capped at one hour. */
export function backoffMs(attempt: number, baseMs = 10_000, maxMs = 3_600_000): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

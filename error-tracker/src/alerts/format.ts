// Webhook bodies of alerts: our JSON shape, or a Slack-compatible {text, attachments} body that
// Slack, Mattermost and Rocket.Chat incoming webhooks accept. Pure.
import type { AlertFormat, AlertTrigger, Issue } from '../model.js';

const HEADLINES: Record<AlertTrigger, string> = {
  new_issue: 'New issue',
  regression: 'Regression',
  frequency: 'Frequent issue',
};

export function alertBody(
  format: AlertFormat,
  trigger: AlertTrigger,
  issue: Issue,
  issueUrl: string,
): string {
  const headline = `${HEADLINES[trigger]}: ${issue.title}`;
  if (format === 'slack') {
    return JSON.stringify({
      text: `${HEADLINES[trigger]}: ${escapeSlack(issue.title)} (${issueUrl})`,
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
          ],
        },
      ],
    });
  }
  return JSON.stringify({
    trigger,
    text: headline,
    url: issueUrl,
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

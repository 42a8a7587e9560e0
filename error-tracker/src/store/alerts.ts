// Alert rules and the delivery outbox.
import type { Db } from '@flowrent/shared/db';
import { BadRequest, NotFound } from '@flowrent/shared/errors';
import type { AlertDelivery, AlertRule, AlertTrigger, Page } from '../model.js';
import { type AlertRuleRow, type DeliveryRow, toAlertRule, toDelivery } from './rows.js';
import type { DeliveryPageQuery, DeliveryResult, DueDelivery, DueQuery, NewAlertRule } from './store.js';

const deliveryCursor = (id: number) => Buffer.from(JSON.stringify([id]), 'utf8').toString('base64url');

/** The id a next_cursor of this list holds; anything else is a 400, not the first page again. */
function readDeliveryCursor(cursor: string): number {
  try {
    const parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parts) && parts.length === 1 && Number.isSafeInteger(parts[0])) return parts[0];
  } catch {
    // not base64url JSON
  }
  throw new BadRequest('cursor is not one that this list returned as next_cursor', { param: 'cursor' });
}

export function createAlerts(db: Db) {
  const q = {
    rules: db.prepare('SELECT * FROM alert_rules WHERE project_id = ? ORDER BY id'),
    rule: db.prepare('SELECT * FROM alert_rules WHERE id = ?'),
    insertRule: db.prepare(
      `INSERT INTO alert_rules (project_id, trigger, url, format, threshold, window_minutes, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    deleteRule: db.prepare('DELETE FROM alert_rules WHERE id = ? AND project_id = ?'),
    // newest first, from before the cursor's id, of one status or any (idx_alert_deliveries_project)
    deliveries: db.prepare(
      `SELECT d.*, r.format FROM alert_deliveries d LEFT JOIN alert_rules r ON r.id = d.rule_id
       WHERE d.project_id = @project AND d.id < @before AND (@status IS NULL OR d.status = @status)
       ORDER BY d.id DESC LIMIT @limit`,
    ),
    due: db.prepare(
      `SELECT d.id, d.rule_id, d.issue_id, d.trigger, d.url, d.attempts, r.format, r.threshold, r.window_minutes FROM (
         SELECT id, rule_id, issue_id, trigger, url, attempts, next_attempt_at,
           row_number() OVER (PARTITION BY url ORDER BY next_attempt_at, id) AS nth
         FROM (
           -- bounded: the main thread runs this after each delivery, and a backlog of 100,000 due
           -- rows took 149 ms to number (reviewer10); a dead receiver's rows move back by their
           -- backoff once tried, so the rows behind them come up
           SELECT * FROM alert_deliveries
           WHERE status = 'pending' AND next_attempt_at <= ? AND id NOT IN (SELECT value FROM json_each(?))
             AND url NOT IN (SELECT value FROM json_each(?))
           ORDER BY next_attempt_at LIMIT 1000
         )
       ) d JOIN alert_rules r ON r.id = d.rule_id
       WHERE d.nth <= ? ORDER BY d.next_attempt_at, d.id LIMIT ?`,
    ),
    record: db.prepare(
      `UPDATE alert_deliveries SET status = ?, attempts = attempts + 1, next_attempt_at = ?, last_error = ?,
        response_status = ?, delivered_at = ? WHERE id = ?`,
    ),
  };
  return {
    listAlertRules: (projectId: number): AlertRule[] =>
      (q.rules.all(projectId) as AlertRuleRow[]).map(toAlertRule),
    createAlertRule(rule: NewAlertRule, nowMs: number): AlertRule {
      const info = q.insertRule.run(
        rule.projectId,
        rule.trigger,
        rule.url,
        rule.format ?? 'json',
        rule.threshold ?? null,
        rule.windowMinutes ?? null,
        nowMs,
      );
      return toAlertRule(q.rule.get(Number(info.lastInsertRowid)) as AlertRuleRow);
    },
    deleteAlertRule(projectId: number, ruleId: number): boolean {
      const done = q.deleteRule.run(ruleId, projectId).changes > 0;
      if (!done) throw new NotFound(`alert rule ${ruleId} not found`);
      return done;
    },
    listDeliveries(projectId: number, page: DeliveryPageQuery): Page<AlertDelivery> {
      const before = page.cursor ? readDeliveryCursor(page.cursor) : Number.MAX_SAFE_INTEGER;
      const rows = q.deliveries.all({
        project: projectId,
        before,
        status: page.status ?? null,
        limit: page.limit + 1,
      }) as DeliveryRow[];
      const more = rows.length > page.limit;
      const data = rows.slice(0, page.limit).map(toDelivery);
      const last = data[data.length - 1];
      return { data, nextCursor: more && last ? deliveryCursor(last.id) : null };
    },
    dueDeliveries(due: DueQuery): DueDelivery[] {
      const rows = q.due.all(
        due.nowMs,
        JSON.stringify(due.skipIds),
        JSON.stringify(due.skipUrls),
        due.perUrl,
        due.limit,
      ) as {
        id: number;
        rule_id: number;
        issue_id: number;
        trigger: string;
        url: string;
        attempts: number;
        format: string;
        threshold: number | null;
        window_minutes: number | null;
      }[];
      return rows.map((r) => ({
        id: r.id,
        ruleId: r.rule_id,
        issueId: r.issue_id,
        trigger: r.trigger as AlertTrigger,
        url: r.url,
        attempts: r.attempts,
        format: r.format === 'slack' ? 'slack' : 'json',
        threshold: r.threshold,
        windowMinutes: r.window_minutes,
      }));
    },
    recordDelivery(id: number, r: DeliveryResult): void {
      const status = r.ok ? 'delivered' : r.nextAttemptAtMs === null ? 'failed' : 'pending';
      q.record.run(
        status,
        r.ok ? null : r.nextAttemptAtMs,
        r.error,
        r.responseStatus,
        r.ok ? r.nowMs : null,
        id,
      );
    },
  };
}

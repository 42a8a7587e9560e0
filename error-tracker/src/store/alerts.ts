// Alert rules and the delivery outbox.
import type { Db } from '@flowrent/shared/db';
import { NotFound } from '@flowrent/shared/errors';
import type { AlertDelivery, AlertRule, AlertTrigger } from '../model.js';
import { type AlertRuleRow, type DeliveryRow, toAlertRule, toDelivery } from './rows.js';
import type { DeliveryResult, DueDelivery, DueQuery, NewAlertRule } from './store.js';

export function createAlerts(db: Db) {
  const q = {
    rules: db.prepare('SELECT * FROM alert_rules WHERE project_id = ? ORDER BY id'),
    rule: db.prepare('SELECT * FROM alert_rules WHERE id = ?'),
    insertRule: db.prepare(
      `INSERT INTO alert_rules (project_id, trigger, url, format, threshold, window_minutes, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    deleteRule: db.prepare('DELETE FROM alert_rules WHERE id = ? AND project_id = ?'),
    deliveries: db.prepare(
      `SELECT d.*, r.format FROM alert_deliveries d LEFT JOIN alert_rules r ON r.id = d.rule_id
       WHERE d.project_id = ? ORDER BY d.id DESC LIMIT ?`,
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
    listDeliveries: (projectId: number, limit: number): AlertDelivery[] =>
      (q.deliveries.all(projectId, limit) as DeliveryRow[]).map(toDelivery),
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

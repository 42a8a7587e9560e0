// /api/v1/rules and /api/v1/alerts in Prometheus 2.42's shapes (web/api/v1/api.go RuleGroup,
// AlertingRule, RecordingRule, Alert): times RFC 3339, alert values in Go's 'e' float format.
import type { Alert } from '../rules/rule-eval.js';
import type { RuleManager, RuleStatus } from '../rules/rule-manager.js';
import { badData, type FormParams } from './api-params.js';

const ZERO_TIME = '0001-01-01T00:00:00Z';

function time(ms: number): string {
  return ms ? new Date(ms).toISOString() : ZERO_TIME;
}

/** strconv.FormatFloat(v, 'e', -1, 64): "1e+00", "1.5e+01", "NaN", "+Inf". */
export function formatAlertValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  return v.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
}

function alertView(a: Alert) {
  return {
    labels: a.labels,
    annotations: a.annotations,
    state: a.state,
    activeAt: time(a.activeAt),
    value: formatAlertValue(a.value),
  };
}

function ruleView(r: RuleStatus) {
  const common = {
    health: r.health,
    ...(r.lastError ? { lastError: r.lastError } : {}),
    evaluationTime: r.evaluationSeconds,
    lastEvaluation: time(r.lastEvaluation),
  };
  if (r.rule.kind === 'recording') {
    return {
      name: r.rule.name,
      query: r.rule.query,
      ...(Object.keys(r.rule.labels).length > 0 ? { labels: r.rule.labels } : {}),
      ...common,
      type: 'recording',
    };
  }
  const alerts = [...r.alerts.values()].filter((a) => a.state !== 'inactive');
  const state = alerts.some((a) => a.state === 'firing')
    ? 'firing'
    : alerts.length > 0
      ? 'pending'
      : 'inactive';
  return {
    state,
    name: r.rule.name,
    query: r.rule.query,
    duration: r.rule.forMs / 1000,
    keepFiringFor: r.rule.keepFiringForMs / 1000,
    labels: r.rule.labels,
    annotations: r.rule.annotations,
    alerts: alerts.map(alertView),
    ...common,
    type: 'alerting',
  };
}

export function listRules(manager: RuleManager | undefined, p: FormParams) {
  const type = p.get('type')?.toLowerCase();
  if (type && type !== 'alert' && type !== 'record')
    throw badData(`invalid parameter "type": not supported value "${type}"`);
  const names = new Set(p.getAll('rule_name[]'));
  const groupNames = new Set(p.getAll('rule_group[]'));
  const groups = (manager?.groups ?? [])
    .filter((g) => groupNames.size === 0 || groupNames.has(g.group.name))
    .map((g) => ({
      name: g.group.name,
      file: g.group.file,
      rules: g.rules
        .filter((r) => !type || (type === 'alert') === (r.rule.kind === 'alerting'))
        .filter((r) => names.size === 0 || names.has(r.rule.name))
        .map(ruleView),
      interval: g.group.intervalMs / 1000,
      limit: g.group.limit,
      evaluationTime: g.evaluationSeconds,
      lastEvaluation: time(g.lastEvaluation),
    }))
    .filter((g) => !type || g.rules.length > 0);
  return { groups };
}

export function listAlerts(manager: RuleManager | undefined) {
  return { alerts: (manager?.activeAlerts() ?? []).map(alertView) };
}

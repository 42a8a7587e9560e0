// Prometheus rule files (docs: configuration/recording_rules.md, alerting_rules.md, 2.42):
//   groups: [{ name, interval?, limit?, rules: [{ record | alert, expr, for?, labels?, annotations? }] }]
// Parsed and validated into typed groups; every expression is parsed up front so a bad file is
// refused at load with the group, rule and parser message.
import { parseYaml } from '../lazy-deps.js';
import type { Expr } from '../promql/ast.js';
import { parseDurationMs } from '../promql/literals.js';
import { templateProblem } from './template.js';
import { parseExpr } from '../promql/parse.js';
import { printExpr } from '../promql/print.js';

export interface RecordingRule {
  kind: 'recording';
  name: string;
  query: string;
  expr: Expr;
  labels: Record<string, string>;
}

export interface AlertingRule {
  kind: 'alerting';
  name: string;
  query: string;
  expr: Expr;
  forMs: number;
  /** Keep a firing alert firing this long after its series disappear (2.42's keep_firing_for). */
  keepFiringForMs: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export type Rule = RecordingRule | AlertingRule;

export interface RuleGroup {
  name: string;
  file: string;
  intervalMs: number;
  limit: number;
  rules: Rule[];
}

export class RuleFileError extends Error {
  override name = 'RuleFileError';
}

const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const GROUP_FIELDS = ['name', 'interval', 'limit', 'rules'];
const RULE_FIELDS = ['record', 'alert', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations'];

/** Prometheus decodes rule files strictly: an unknown key is an error, not ignored. */
function rejectUnknown(obj: Record<string, unknown>, allowed: string[], type: string, at: string): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) throw new RuleFileError(`${at}: field ${k} not found in type rulefmt.${type}`);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringMap(v: unknown, where: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isRecord(v)) throw new RuleFileError(`${where}: must be a map of strings`);
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (!LABEL_NAME_RE.test(k)) throw new RuleFileError(`${where}: invalid label name "${k}"`);
    out[k] = typeof val === 'string' ? val : String(val);
  }
  return out;
}

function duration(v: unknown, where: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  const ms = parseDurationMs(String(v));
  if (ms === undefined) throw new RuleFileError(`${where}: not a valid duration: "${String(v)}"`);
  return ms;
}

/** Parses one rule file's text; `defaultIntervalMs` is the global evaluation interval. */
export function parseRuleFile(text: string, file: string, defaultIntervalMs: number): RuleGroup[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new RuleFileError(`${file}: ${(e as Error).message}`);
  }
  if (doc === null || doc === undefined) return [];
  if (!isRecord(doc) || !Array.isArray(doc.groups))
    throw new RuleFileError(`${file}: expected a "groups" list`);
  rejectUnknown(doc, ['groups'], 'RuleGroups', file);
  const seen = new Set<string>();
  return doc.groups.map((g: unknown, gi: number) => {
    const at = `${file}: group ${gi + 1}`;
    if (!isRecord(g) || typeof g.name !== 'string' || g.name === '')
      throw new RuleFileError(`${at}: groupname must not be empty`);
    rejectUnknown(g, GROUP_FIELDS, 'RuleGroup', at);
    if (seen.has(g.name)) throw new RuleFileError(`${at}: ${g.name}: repeated in the same file`);
    seen.add(g.name);
    if (!Array.isArray(g.rules)) throw new RuleFileError(`${at} "${g.name}": expected a "rules" list`);
    const rules = g.rules.map((r: unknown, ri: number) => parseRule(r, `${at} "${g.name}", rule ${ri + 1}`));
    const intervalMs = duration(g.interval, `${at}: interval`) ?? defaultIntervalMs;
    if (intervalMs <= 0) throw new RuleFileError(`${at}: interval must be positive`);
    return { name: g.name, file, intervalMs, limit: Number(g.limit ?? 0) || 0, rules };
  });
}

function parseRule(r: unknown, at: string): Rule {
  if (!isRecord(r)) throw new RuleFileError(`${at}: must be a map`);
  rejectUnknown(r, RULE_FIELDS, 'RuleNode', at);
  const { record, alert } = r;
  if ((record === undefined) === (alert === undefined)) {
    throw new RuleFileError(`${at}: one of 'record' or 'alert' must be set`);
  }
  if (typeof r.expr !== 'string' && typeof r.expr !== 'number')
    throw new RuleFileError(`${at}: field 'expr' must be set in rule`);
  let expr: Expr;
  try {
    expr = parseExpr(String(r.expr));
  } catch (e) {
    throw new RuleFileError(`${at}: could not parse expression: ${(e as Error).message}`);
  }
  // The rules API, the UI and alerts' generator links show the expression printed back in its
  // canonical form, as Prometheus' rule.Query().String() does.
  const query = printExpr(expr);
  const labels = stringMap(r.labels, `${at}: labels`);
  if (record !== undefined) {
    if (typeof record !== 'string' || !METRIC_NAME_RE.test(record)) {
      throw new RuleFileError(`${at}: invalid recording rule name: ${String(record)}`);
    }
    if (r.for !== undefined) throw new RuleFileError(`${at}: invalid field 'for' in recording rule`);
    if (r.annotations !== undefined)
      throw new RuleFileError(`${at}: invalid field 'annotations' in recording rule`);
    if (r.keep_firing_for !== undefined)
      throw new RuleFileError(`${at}: invalid field 'keep_firing_for' in recording rule`);
    return { kind: 'recording', name: record, query, expr, labels };
  }
  if (typeof alert !== 'string' || !LABEL_NAME_RE.test(alert))
    throw new RuleFileError(`${at}: invalid alert name: ${String(alert)}`);
  const annotations = stringMap(r.annotations, `${at}: annotations`);
  // As 2.42's rulefmt: a label or annotation template that does not parse refuses the file.
  for (const [kind, map] of [
    ['label', labels],
    ['annotation', annotations],
  ] as const) {
    for (const [k, v] of Object.entries(map)) {
      const problem = templateProblem(v, alert);
      if (problem) throw new RuleFileError(`${at}: ${kind} "${k}": ${problem}`);
    }
  }
  return {
    kind: 'alerting',
    name: alert,
    query,
    expr,
    forMs: duration(r.for, `${at}: for`) ?? 0,
    keepFiringForMs: duration(r.keep_firing_for, `${at}: keep_firing_for`) ?? 0,
    labels,
    annotations,
  };
}

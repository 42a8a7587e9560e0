// Evaluation of one rule at one time, with Prometheus 2.42's semantics (rules/recording.go,
// rules/alerting.go): recording rules name and label their output; alerting rules keep per-series
// alerts that go pending → firing after `for`, resolve when the series vanishes, and are
// forgotten 15 minutes after resolving.
import { labelsKey } from '../promql/labels.js';
import {
  evaluateInstant,
  evaluateSliced,
  instantEvaluation,
  type QueryOptions,
  type QueryResult,
  type QuerySlicing,
} from '../promql/query.js';
import type { Labels, SampleSource } from '../promql/sample-source.js';
import type { AlertingRule, RecordingRule } from './rule-file.js';
import { expandTemplate, type TemplateData } from './template.js';

export interface OutSample {
  labels: Labels;
  t: number;
  v: number;
  stale?: boolean;
}

export type AlertState = 'inactive' | 'pending' | 'firing';

export interface Alert {
  labels: Labels;
  annotations: Record<string, string>;
  state: AlertState;
  activeAt: number;
  firedAt: number;
  resolvedAt: number;
  /** When the series last went missing while firing (keep_firing_for), 0 while present. */
  keepFiringSince: number;
  value: number;
}

export const RESOLVED_RETENTION_MS = 15 * 60_000;

export type RuleVector = Array<{ metric: Labels; v: number }>;

/**
 * Samples of a rule's result as a vector (a scalar becomes one label-less sample). With `slicing`
 * the evaluation shares the event loop as API queries do (evaluateSliced): a heavy rule no longer
 * stops ingest and scrapes for as long as it runs.
 */
export async function ruleVector(
  source: SampleSource,
  rule: RecordingRule | AlertingRule,
  t: number,
  opts: QueryOptions,
  slicing?: QuerySlicing,
): Promise<RuleVector> {
  const r: QueryResult = slicing
    ? await evaluateSliced((slice) => instantEvaluation(source, rule.expr, t, { ...opts, slice }), slicing)
    : evaluateInstant(source, rule.expr, t, opts);
  if (r.resultType === 'vector') return r.result.map((s) => ({ metric: s.metric, v: s.v }));
  if (r.resultType === 'scalar') return [{ metric: {}, v: r.result.v }];
  throw new Error(`rule result is a ${r.resultType}, not a vector`);
}

/** A recording rule's output at t from its expression's vector (ruleVector). */
export function evalRecording(rule: RecordingRule, vector: RuleVector, t: number): OutSample[] {
  const out: OutSample[] = [];
  const keys = new Set<string>();
  for (const s of vector) {
    const labels: Labels = { ...s.metric, __name__: rule.name, ...rule.labels };
    const key = labelsKey(labels);
    if (keys.has(key))
      throw new Error('vector contains metrics with the same labelset after applying rule labels');
    keys.add(key);
    out.push({ labels, t, v: s.v });
  }
  return out;
}

/** Updates `active` (alert label key → alert) from the expression's vector at t (ruleVector);
 * returns state changes. */
export function evalAlerting(
  rule: AlertingRule,
  vector: RuleVector,
  active: Map<string, Alert>,
  t: number,
  externalLabels: Labels = {},
  externalURL = '',
  query?: TemplateData['query'],
): { fired: Alert[]; resolved: Alert[] } {
  const seen = new Set<string>();
  for (const s of vector) {
    const data: TemplateData = { labels: s.metric, value: s.v, externalLabels, externalURL, query };
    const labels: Labels = { ...s.metric };
    delete labels.__name__;
    for (const [k, v] of Object.entries(rule.labels)) labels[k] = expandTemplate(v, data, rule.name);
    labels.alertname = rule.name;
    for (const k of Object.keys(labels)) if (labels[k] === '') delete labels[k];
    const annotations: Record<string, string> = {};
    for (const [k, v] of Object.entries(rule.annotations))
      annotations[k] = expandTemplate(v, data, rule.name);
    const key = labelsKey(labels);
    if (seen.has(key))
      throw new Error('vector contains metrics with the same labelset after applying alert labels');
    seen.add(key);
    const existing = active.get(key);
    if (existing && existing.state !== 'inactive') {
      existing.value = s.v;
      existing.annotations = annotations;
      continue;
    }
    active.set(key, {
      labels,
      annotations,
      state: 'pending',
      activeAt: t,
      firedAt: 0,
      resolvedAt: 0,
      keepFiringSince: 0,
      value: s.v,
    });
  }
  const fired: Alert[] = [];
  const resolved: Alert[] = [];
  for (const [key, a] of active) {
    if (!seen.has(key)) {
      // keep_firing_for: a firing alert stays firing that long after its series went missing.
      let keepFiring = false;
      if (a.state === 'firing' && rule.keepFiringForMs > 0) {
        if (a.keepFiringSince === 0) a.keepFiringSince = t;
        keepFiring = t - a.keepFiringSince < rule.keepFiringForMs;
      }
      if (keepFiring) continue;
      if (a.state === 'pending') active.delete(key);
      else if (a.state === 'firing') {
        a.state = 'inactive';
        a.resolvedAt = t;
        resolved.push(a);
      }
      if (a.state === 'inactive' && t - a.resolvedAt > RESOLVED_RETENTION_MS) active.delete(key);
      continue;
    }
    a.keepFiringSince = 0;
    if (a.state === 'pending' && t - a.activeAt >= rule.forMs) {
      a.state = 'firing';
      a.firedAt = t;
      fired.push(a);
    }
  }
  return { fired, resolved };
}

/** ALERTS{…, alertstate} = 1 and ALERTS_FOR_STATE{…} = activeAt for pending and firing alerts, as Prometheus records. */
export function alertsSeries(active: Iterable<Alert>, t: number): OutSample[] {
  const out: OutSample[] = [];
  for (const a of active) {
    if (a.state === 'inactive') continue;
    out.push({ labels: { ...a.labels, __name__: 'ALERTS', alertstate: a.state }, t, v: 1 });
    out.push({ labels: { ...a.labels, __name__: 'ALERTS_FOR_STATE' }, t, v: a.activeAt / 1000 });
  }
  return out;
}

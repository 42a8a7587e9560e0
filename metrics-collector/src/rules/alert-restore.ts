// Restoring `for` state after a restart, as Prometheus does with ALERTS_FOR_STATE: every
// evaluation writes ALERTS_FOR_STATE{alert labels} = activeAt (Unix seconds); on a rule's first
// evaluation, new alerts take their activeAt back from the newest such sample of the last hour.
// Alerts that were already firing (ALERTS{alertstate="firing"} within the lookback) are not
// announced again.
import { labelsKey } from '../promql/labels.js';
import type { LabelMatcher, Labels, SampleSource } from '../promql/sample-source.js';
import type { Alert } from './rule-eval.js';

export const OUTAGE_TOLERANCE_MS = 3600_000;
const LOOKBACK_MS = 300_000;

function alertKey(labels: Labels): string {
  const rest: Labels = { ...labels };
  delete rest.__name__;
  delete rest.alertstate;
  return labelsKey(rest);
}

function newestValues(
  source: SampleSource,
  matchers: LabelMatcher[],
  from: number,
  to: number,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of source.select(matchers, from, to)) {
    for (let j = s.timestamps.length - 1; j >= 0; j--) {
      if (s.stale?.[j] || Number.isNaN(s.values[j])) continue;
      out.set(alertKey(s.labels), s.values[j]);
      break;
    }
  }
  return out;
}

/** Restores activeAt of the alerts created at t; returns `fired` minus alerts that were firing before. */
export function restoreAlerts(
  source: SampleSource,
  alertname: string,
  forMs: number,
  alerts: Map<string, Alert>,
  t: number,
  fired: Alert[],
): Alert[] {
  const name = (n: string): LabelMatcher => ({ name: '__name__', type: '=', value: n });
  const byName: LabelMatcher = { name: 'alertname', type: '=', value: alertname };
  const activeAt = newestValues(source, [name('ALERTS_FOR_STATE'), byName], t - OUTAGE_TOLERANCE_MS, t);
  if (activeAt.size === 0) return fired;
  const firingState: LabelMatcher = { name: 'alertstate', type: '=', value: 'firing' };
  const wasFiring = newestValues(source, [name('ALERTS'), byName, firingState], t - LOOKBACK_MS, t);
  const announced = new Set<Alert>();
  for (const a of alerts.values()) {
    if (a.activeAt !== t || a.state === 'inactive') continue;
    const key = alertKey(a.labels);
    const prev = activeAt.get(key);
    if (prev === undefined) continue;
    a.activeAt = Math.round(prev * 1000);
    if (a.state === 'pending' && t - a.activeAt >= forMs) {
      a.state = 'firing';
      a.firedAt = t;
      if (!fired.includes(a)) fired.push(a);
    }
    if (a.state === 'firing' && wasFiring.has(key)) announced.add(a);
  }
  return fired.filter((a) => !announced.has(a));
}

// Staleness markers for scraped series, as Prometheus 2.42 writes them (scrape/scrape.go): a series
// present in a target's previous scrape and missing from this one gets a marker at this scrape's
// timestamp; a failed scrape counts as an empty one (every series of the last good scrape gets a
// marker, `up` and the other report series carry on); a target that goes away gets markers for its
// series and its report series at the first tick it missed, written once it has stayed away for two
// intervals (if it comes back sooner, nothing is written). Samples that carried their own
// timestamp (honor_timestamps) are not tracked, as in Prometheus.
import type { PlainSample } from '../store/metrics-store.js';

export const REPORT_SERIES = ['up', 'scrape_duration_seconds', 'scrape_samples_scraped'];

type LabelPairs = [string, string][];

/** Identity of a label set regardless of label order. */
function seriesKey(labels: LabelPairs): string {
  const parts = labels.map(([k, v]) => `${k}\u0000${v}`);
  parts.sort();
  return parts.join('\u0001');
}

export function staleMarker(labels: LabelPairs, t: number): PlainSample {
  return { labels, t, v: Number.NaN, stale: true };
}

/** The series of one target's last successful scrape. */
export class ScrapedSeries {
  private last = new Map<string, LabelPairs>();

  /** Records a successful scrape's series; returns markers at `t` for the ones that vanished. */
  update(current: LabelPairs[], t: number): PlainSample[] {
    const next = new Map<string, LabelPairs>();
    for (const labels of current) next.set(seriesKey(labels), labels);
    const out: PlainSample[] = [];
    for (const [key, labels] of this.last) if (!next.has(key)) out.push(staleMarker(labels, t));
    this.last = next;
    return out;
  }

  /** Markers at `t` for every series of the last scrape, which is forgotten (failed scrape, gone target). */
  clear(t: number): PlainSample[] {
    const out = [...this.last.values()].map((labels) => staleMarker(labels, t));
    this.last = new Map();
    return out;
  }
}

/** What the manager remembers of a target between rounds. */
export interface TargetState {
  jobName: string;
  healthKey: string;
  intervalMs: number;
  labels: LabelPairs;
  series: ScrapedSeries;
  /** Tick of the last scrape, null before the first. */
  lastTickMs: number | null;
  /** First tick at which the target was no longer listed, while it stays away. */
  missingSince?: number;
}

/**
 * Updates the states of `jobNames` given the target keys listed this round; returns the markers
 * of targets gone for two intervals (their states are dropped, their health keys listed in `gone`).
 */
export function expireTargets(
  states: Map<string, TargetState>,
  jobNames: Set<string>,
  live: Set<string>,
  tickMs: number,
  gone: string[],
): PlainSample[] {
  const out: PlainSample[] = [];
  for (const [key, st] of states) {
    if (!jobNames.has(st.jobName)) continue;
    if (live.has(key)) {
      st.missingSince = undefined;
      continue;
    }
    if (st.missingSince === undefined) st.missingSince = tickMs;
    if (tickMs < st.missingSince + 2 * st.intervalMs) continue;
    const at = st.missingSince;
    out.push(...st.series.clear(at));
    if (st.lastTickMs !== null && st.lastTickMs < at) {
      for (const name of REPORT_SERIES) out.push(staleMarker([['__name__', name], ...st.labels], at));
    }
    states.delete(key);
    gone.push(st.healthKey);
  }
  return out;
}

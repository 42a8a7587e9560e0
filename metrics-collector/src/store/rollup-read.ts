// Long ranges from rollups: for the part of a read older than a series' raw samples (raw chunks
// that retention rolled up and deleted), synthetic samples are made from the finest rollup that
// still covers it — 5 m where it exists, 1 h before that.
//
// One synthetic sample per bucket: the bucket's `last` value at its `last_t`. That is a real sample
// of the series (the last one of each bucket), so for counters — metadata type counter, or names
// ending in _total/_count/_sum/_bucket — rate()/increase()/delta() over a window spanning at least
// two buckets see the same cumulative values Prometheus would at those instants, and a reset between
// two bucket lasts is still a reset. Gauges get `last` too: an instant selector then answers with the
// value the gauge had at the end of the bucket. The road not taken: mapping max_over_time to the
// bucket `max` (and min/sum/count likewise) would need the range functions to know which samples
// are synthetic; kept simple instead, so these functions become approximate over a rolled-up period:
// - max_over_time/min_over_time/avg_over_time/sum_over_time/quantile_over_time see bucket lasts only;
//   count_over_time counts buckets, changes/resets see at most one change per bucket;
// - increase() misses what a counter gained between a reset and the end of the bucket before it
//   was sampled (the usual loss of a sparser scrape), and irate/idelta are taken between bucket lasts;
// - a range selector shorter than two buckets (rate(x[5m]) on 5 m rollups) has fewer than two
//   samples and yields nothing; use e.g. [15m] over 5 m rollups, [3h] over 1 h;
// - an instant selector's 5 m lookback bridges 5 m buckets at a regular scrape interval, but on 1 h
//   rollups it finds the previous bucket's last only at step times on the hour (Grafana aligns steps
//   to multiples of the step; otherwise last_over_time(x[1h])). Widening the lookback for synthetic
//   samples would need the evaluator to fetch further back; not done.
import type { Statements } from './store-sql.js';
import type { ReadSamples } from './store-read.js';

export const ROLLUP_READ_RESOLUTIONS = [300_000, 3_600_000] as const;

interface LastRow {
  bucket_t: number;
  last: number;
  last_t: number;
}

/**
 * Synthetic samples (bucket lasts, ascending) with time in [startMs, beforeMs): the finest
 * resolution first, coarser ones only for the period before the finest one's first bucket.
 */
export function readRollupLasts(
  sql: Statements,
  seriesId: number,
  startMs: number,
  beforeMs: number,
): ReadSamples {
  const timestamps: number[] = [];
  const values: number[] = [];
  if (beforeMs <= startMs) return { timestamps, values };
  // Finest first; each coarser resolution only fills what lies before the finer one's first bucket,
  // so the parts never overlap.
  let bound = beforeMs;
  const parts: LastRow[][] = [];
  for (const res of ROLLUP_READ_RESOLUTIONS) {
    // A bucket's last lies in [bucket_t, bucket_t + res), so buckets from startMs - res + 1 on.
    const rows = sql.selectRollupLasts.all(res, seriesId, startMs - res + 1, bound - 1) as LastRow[];
    const kept = rows.filter((r) => r.last_t >= startMs && r.last_t < bound);
    if (kept.length === 0) continue;
    parts.push(kept);
    bound = Math.min(bound, kept[0].bucket_t);
    if (bound <= startMs) break;
  }
  for (let p = parts.length - 1; p >= 0; p--) {
    for (const r of parts[p]) {
      timestamps.push(r.last_t);
      values.push(r.last);
    }
  }
  return { timestamps, values };
}

// Volume histogram: counts per time bucket and level for a query. Service/level-only queries are
// answered from block summaries without decoding (cheap over 24 h); any other query scans the
// candidate blocks (pruned by time, service, level and tokens) and counts matches.
import { ValidationError } from '@flowrent/shared/errors';
import { LEVELS, type Level } from '../model.js';
import type { LogStore } from '../store/log-store.js';
import { budgetCheckMask, prepareSearch, SLICE_MS, type SearchParams } from './run-query.js';
import { summaryFilter } from './summary-filter.js';

const SECOND = 1_000_000_000n;
const MINUTE = 60n * SECOND;
/** Bucket widths the histogram snaps to, so bars line up with clock boundaries. */
const NICE_STEPS = [
  1n,
  2n,
  5n,
  10n,
  15n,
  30n,
  60n,
  120n,
  300n,
  600n,
  900n,
  1800n,
  3600n,
  7200n,
  10800n,
  21600n,
  43200n,
  86400n,
].map((s) => s * SECOND);
export const TARGET_BUCKETS = 80;
/** Decoding budget of a scanned histogram; beyond it the answer is marked truncated. */
export const HISTOGRAM_MAX_BLOCKS = 20_000;
export const MAX_BUCKETS = 5_000;
/** The longest step a caller may ask for: a year (longer made the store's bucket maths Infinity: a 500). */
export const MAX_STEP_NS = 366n * 86_400n * SECOND;

export interface HistogramParams extends SearchParams {
  /** Bucket width in ns; chosen from the range when absent. */
  stepNs?: bigint;
  /**
   * Awaited between slices of at most SLICE_MS of scanning (the HTTP handler passes setImmediate),
   * so a slow text query lets the live tail and ingest run; none: one slice.
   */
  pause?: () => Promise<void>;
}

export interface Histogram {
  startNs: bigint;
  stepNs: bigint;
  counts: Record<Level, number[]>;
  /** 'summary' = from block summaries, 'scan' = records decoded and matched. */
  source: 'summary' | 'scan';
  truncated: boolean;
}

export function chooseStep(rangeNs: bigint): bigint {
  const ideal = rangeNs / BigInt(TARGET_BUCKETS);
  return (
    NICE_STEPS.find((s) => s >= ideal) ??
    ((ideal + 86400n * SECOND - 1n) / (86400n * SECOND)) * 86400n * SECOND
  );
}

export async function runHistogram(store: LogStore, params: HistogramParams): Promise<Histogram> {
  if (params.stepNs !== undefined && params.stepNs > MAX_STEP_NS)
    throw new ValidationError("'step' must be at most 366d", { param: 'step' });
  const prepared = prepareSearch(params);
  const { range, filter, ast, compiled } = prepared;
  const stepNs = params.stepNs && params.stepNs > 0n ? params.stepNs : chooseStep(range.toNs - range.fromNs);
  const summary = summaryFilter(ast);
  const startNs = range.fromNs - (range.fromNs % stepNs);
  const buckets = Number((range.toNs - startNs + stepNs - 1n) / stepNs);
  if (buckets > MAX_BUCKETS) {
    throw new ValidationError(`that step makes ${buckets} buckets; at most ${MAX_BUCKETS} are allowed`, {
      buckets,
    });
  }
  const counts = emptyCounts(buckets);
  if (!filter) return { startNs, stepNs, counts, source: 'summary', truncated: false };

  if (summary && stepNs % MINUTE === 0n) {
    const h = store.histogram({ fromNs: range.fromNs, toNs: range.toNs, stepNs, services: summary.services });
    const offset = Number((h.startNs - startNs) / stepNs);
    for (const level of LEVELS) {
      if (!summary.levels.has(level)) continue;
      h.counts[level].forEach((n, i) => {
        const at = i + offset;
        if (at >= 0 && at < buckets) counts[level][at] += n;
      });
    }
    return { startNs, stepNs, counts, source: 'summary', truncated: false };
  }

  const { predicate, matchesAll } = compiled;
  // Newest first, so a scan cut short by its budget still has the recent end of the chart right.
  const clock = params.clock ?? performance.now.bind(performance);
  const deadline = params.budgetMs === undefined ? Number.POSITIVE_INFINITY : clock() + params.budgetMs;
  const every = budgetCheckMask(compiled);
  let visited = 0;
  let blocks = 0;
  let cursor: string | undefined;
  for (;;) {
    const sliceEnd = params.pause ? Math.min(deadline, clock() + SLICE_MS) : deadline;
    let outOfTime = false;
    const result = store.scan(
      { ...filter, order: 'desc', cursor, maxBlocks: HISTOGRAM_MAX_BLOCKS - blocks },
      (r) => {
        const at = Number((r.timeNs - startNs) / stepNs);
        if (at >= 0 && at < buckets && (matchesAll || predicate(r))) counts[r.level][at]++;
        if ((++visited & every) === 0 && clock() > sliceEnd) outOfTime = true;
        return !outOfTime;
      },
    );
    blocks += result.blocksScanned;
    const more = outOfTime && result.nextCursor !== undefined;
    if (!more || !params.pause || clock() > deadline)
      return { startNs, stepNs, counts, source: 'scan', truncated: result.truncated || more };
    cursor = result.nextCursor; // the slice counted every record up to it
    await params.pause();
  }
}

function emptyCounts(buckets: number): Record<Level, number[]> {
  const counts = {} as Record<Level, number[]>;
  for (const level of LEVELS) counts[level] = new Array(buckets).fill(0);
  return counts;
}

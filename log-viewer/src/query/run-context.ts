// "Show context": the lines just before and after one record from the same stream (same service,
// host and stream labels) or, with scope 'service', from the whole service — like `grep -C`.
import type { StoredRecord } from '../model.js';
import type { LogStore } from '../store/log-store.js';

export const MAX_CONTEXT_LINES = 500;
/** How far from the anchor the context may reach. */
const CONTEXT_WINDOW_NS = 24n * 3_600_000_000_000n;
const CONTEXT_MAX_BLOCKS = 500;

export interface ContextParams {
  timeNs: bigint;
  seq: number;
  before: number;
  after: number;
  scope: 'stream' | 'service';
}

export interface ContextResult {
  anchor: StoredRecord;
  /** Oldest first, ending right before the anchor. */
  before: StoredRecord[];
  /** Oldest first, starting right after the anchor. */
  after: StoredRecord[];
}

export function streamKey(r: StoredRecord): string {
  const labels = Object.entries(r.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([r.service, r.host, labels]);
}

/** Null when no record has that time and seq. */
export function runContext(store: LogStore, params: ContextParams): ContextResult | null {
  let anchor: StoredRecord | undefined;
  store.scan({ fromNs: params.timeNs, toNs: params.timeNs + 1n, order: 'asc' }, (r) => {
    if (r.seq === params.seq) anchor = r;
    return anchor === undefined;
  });
  if (!anchor) return null;
  const a = anchor;
  const key = streamKey(a);
  const sameSource =
    params.scope === 'service'
      ? (r: StoredRecord) => r.service === a.service
      : (r: StoredRecord) => r.service === a.service && streamKey(r) === key;
  const isBefore = (r: StoredRecord) => r.timeNs < a.timeNs || (r.timeNs === a.timeNs && r.seq < a.seq);
  const isAfter = (r: StoredRecord) => r.timeNs > a.timeNs || (r.timeNs === a.timeNs && r.seq > a.seq);
  const services = [a.service];

  const before: StoredRecord[] = [];
  const wantBefore = Math.min(Math.max(0, params.before), MAX_CONTEXT_LINES);
  if (wantBefore > 0) {
    store.scan(
      {
        fromNs: a.timeNs - CONTEXT_WINDOW_NS,
        toNs: a.timeNs + 1n,
        services,
        order: 'desc',
        maxBlocks: CONTEXT_MAX_BLOCKS,
      },
      (r) => {
        if (isBefore(r) && sameSource(r)) before.push(r);
        return before.length < wantBefore;
      },
    );
  }
  const after: StoredRecord[] = [];
  const wantAfter = Math.min(Math.max(0, params.after), MAX_CONTEXT_LINES);
  if (wantAfter > 0) {
    store.scan(
      {
        fromNs: a.timeNs,
        toNs: a.timeNs + CONTEXT_WINDOW_NS,
        services,
        order: 'asc',
        maxBlocks: CONTEXT_MAX_BLOCKS,
      },
      (r) => {
        if (isAfter(r) && sameSource(r)) after.push(r);
        return after.length < wantAfter;
      },
    );
  }
  return { anchor: a, before: before.reverse(), after };
}

// Start-up: rebuild the in-memory registry and heads from SQLite. Returns the next chunk sequence.
// Series rows and head snapshots are read from their stripe blocks (store-stripes.ts) and from the
// row-per-series tables written before migration 6, whose stripes are noted in store.legacy so
// the next checkpoint moves them.
import type { MetricsStore } from './metrics-store.js';
import { decodeChunk } from './chunk-codec.js';
import { forgetUnusedLabelPairs, staysEvictedAtLoad } from './series-expiry.js';
import { readHeadBlock } from './head-block.js';
import { decodeSeriesBlock, type SeriesRow } from './series-block.js';
import type { LabelPairs } from './series-index.js';
import { fromLegacy, type LegacySeriesRow, stripeOf } from './store-stripes.js';
import { decodeXorChunk } from './xor-chunk.js';

export interface PersistedSeries {
  id: number;
  labels: LabelPairs;
  expiresMs?: number;
}

export function loadStore(store: MetricsStore): number {
  const s = store.sql;
  for (const row of s.allLabelPairs.iterate() as Iterable<{ id: number; name: string; value: string }>)
    store.labelPairs.load(row.id, row.name, row.value);
  const heads = store.heads;
  for (const row of s.chunkBounds.iterate() as Iterable<{
    series_id: number;
    min_t: number;
    max_t: number;
  }>) {
    heads.create(row.series_id);
    heads.includeBounds(row.series_id, row.min_t, row.max_t);
  }
  for (const block of s.allHeadBlocks.iterate() as Iterable<{ stripe: number; data: Uint8Array }>) {
    for (const snap of readHeadBlock(block.data)) {
      heads.create(snap.id);
      if (snap.app) heads.restoreApp(snap.id, snap.appSeq, snap.app.ts, snap.app.vs, snap.app.stale);
      heads.setAppSeq(snap.id, snap.appSeq);
      const ooo = snap.ooo;
      if (ooo) heads.restoreOutOfOrder(snap.id, ooo.seq, ooo.ts, ooo.vs, ooo.stale);
    }
  }
  loadLegacyHeads(store);
  const rolledUntil = new Map<number, number>();
  for (const row of s.allRollupWatermarks.iterate() as Iterable<{ series_id: number; done_t: number }>)
    rolledUntil.set(row.series_id, row.done_t);
  // Heads and watermarks first: a series with nothing left to serve from memory is not indexed.
  const now = store.clock();
  for (const row of persistedSeries(store)) {
    const until = rolledUntil.get(row.id);
    if (staysEvictedAtLoad(store, row, until, now)) continue;
    store.index.add(row.id, row.labels, true, row.expiresMs).rolledUntilMs = until;
    if (row.expiresMs !== undefined) store.ttlSeen = true;
  }
  for (const row of s.allMetadata.iterate() as Iterable<{
    metric: string;
    type: string;
    help: string;
    unit: string;
  }>) {
    store.metadata.set(row.metric, { type: row.type, help: row.help, unit: row.unit });
  }
  forgetUnusedLabelPairs(store);
  const next = s.getState.get('next_seq') as { value: number } | undefined;
  return next?.value ?? 1;
}

/** Every stored series row, ascending by id: the stripe blocks merged with legacy rows (whose
 * stripes are noted in store.legacy.series). */
export function* persistedSeries(store: MetricsStore): Generator<PersistedSeries> {
  for (const row of storedSeriesRows(store))
    yield { id: row.id, labels: store.labelPairs.decodeIds(row.pairs), expiresMs: row.expiresMs };
}

/** persistedSeries() with the labels still as pair ids (a reader that filters on pair ids decodes
 * only the rows it keeps: series-expiry.ts). */
export function* storedSeriesRows(store: MetricsStore): Generator<SeriesRow> {
  const s = store.sql;
  const legacy = s.allSeries.iterate() as IterableIterator<LegacySeriesRow>;
  let next = legacy.next();
  const take = (): SeriesRow => {
    const row = fromLegacy(next.value as LegacySeriesRow);
    store.legacy.series.add(stripeOf(row.id));
    next = legacy.next();
    return row;
  };
  try {
    for (const block of s.allSeriesBlocks.iterate() as Iterable<{ stripe: number; data: Uint8Array }>) {
      for (const row of decodeSeriesBlock(block.data)) {
        while (!next.done && (next.value as LegacySeriesRow).id < row.id) yield take();
        // A legacy row and a block row for one id cannot both survive a checkpoint; the block's wins.
        if (!next.done && (next.value as LegacySeriesRow).id === row.id) take();
        yield row;
      }
    }
    while (!next.done) yield take();
  } finally {
    legacy.return?.();
  }
}

/** The stored row of one series (by id), whether or not it is in memory. */
export function readSeriesRow(store: MetricsStore, id: number): PersistedSeries | undefined {
  const s = store.sql;
  const block = s.seriesBlock.get(stripeOf(id)) as { data: Uint8Array } | undefined;
  const row = block ? decodeSeriesBlock(block.data).find((r) => r.id === id) : undefined;
  if (row) return { id, labels: store.labelPairs.decodeIds(row.pairs), expiresMs: row.expiresMs };
  const legacy = s.legacySeriesRow.get(id) as LegacySeriesRow | undefined;
  if (!legacy) return undefined;
  const r = fromLegacy(legacy);
  return { id, labels: store.labelPairs.decodeIds(r.pairs), expiresMs: r.expiresMs };
}

/** Head snapshots of the row-per-series table written before migration 6. */
function loadLegacyHeads(store: MetricsStore): void {
  const heads = store.heads;
  type HeadRow = {
    series_id: number;
    app_seq: number;
    app_encoding: number;
    app_data: Uint8Array | null;
    ooo_seq: number;
    ooo_data: Uint8Array | null;
  };
  for (const row of store.sql.allHeads.iterate() as Iterable<HeadRow>) {
    const id = row.series_id;
    store.legacy.heads.add(stripeOf(id));
    heads.create(id);
    if (row.app_data) {
      const ts: number[] = [];
      const vs: number[] = [];
      const stale: number[] = [];
      decodeChunk(row.app_encoding, row.app_data, ts, vs, stale);
      heads.restoreApp(id, row.app_seq, ts, vs, stale);
    }
    heads.setAppSeq(id, row.app_seq);
    if (row.ooo_data) {
      const ts: number[] = [];
      const vs: number[] = [];
      const stale: number[] = [];
      decodeXorChunk(row.ooo_data, ts, vs, stale);
      heads.restoreOutOfOrder(id, row.ooo_seq, ts, vs, stale);
    }
  }
}

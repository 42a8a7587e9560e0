// Series that are gone for good leave SQLite: at the end of each retention pass, the stored rows of
// series that are not in memory (evicted, series-expiry.ts) and either
//   - whose TTL has passed (a pushed series past its TTL is never returned again, issue 5), or
//   - that have nothing left: no chunk and no rollup (raw retention and then every rollup
//     resolution's retention have passed; the watermark tells which could be, the key lookups
//     confirm)
// are removed with everything that refers to them: their chunks and rollups (a TTL series leaves
// before its raw data expires), their rollup watermark, their entry in the stripe's series row
// (the row goes when its stripe is empty), their row in the pre-migration-6 `series` table, and the
// label pairs no other stored series and nothing in memory uses. Until 26 Nov 2026 these stayed
// forever, so a churny workload (a `pod` label per pod) grew the database and the start-up scan
// without bound.
//
// Nothing can bring them back: a restart reads no row for them, and the write-ahead log holds no
// sample of them (eviction follows a checkpoint that dropped its segments; a later sample for the
// same labels brings the series into memory, and then it is not removed). A new sample with the
// same labels makes a new series (a new id); a removed id may be handed out again after a restart,
// when nothing on disk refers to it any more.
import type { Statement } from 'better-sqlite3';
import type { MetricsStore } from './metrics-store.js';
import { RESOLUTIONS } from './retention.js';
import { encodeSeriesBlock, decodeSeriesBlock, type SeriesRow } from './series-block.js';
import { storedSeriesRows } from './store-load.js';
import { stripeOf } from './store-stripes.js';

interface RemovalStatements {
  watermarks: Statement;
  hasChunk: Statement;
  hasRollup: Statement;
  deleteChunks: Statement;
  deleteRollups: Statement;
  deleteWatermark: Statement;
  deleteLegacySeries: Statement;
  deleteSeriesBlock: Statement;
  deleteLabelPair: Statement;
}

const statements = new WeakMap<MetricsStore, RemovalStatements>();

function sql(store: MetricsStore): RemovalStatements {
  let s = statements.get(store);
  if (!s) {
    const db = store.db;
    s = {
      watermarks: db.prepare('SELECT series_id, done_t FROM rollup_watermarks'),
      hasChunk: db.prepare('SELECT 1 FROM chunks WHERE series_id = ? LIMIT 1'),
      hasRollup: db.prepare('SELECT 1 FROM rollups WHERE resolution = ? AND series_id = ? LIMIT 1'),
      deleteChunks: db.prepare('DELETE FROM chunks WHERE series_id = ?'),
      deleteRollups: db.prepare('DELETE FROM rollups WHERE resolution = ? AND series_id = ?'),
      deleteWatermark: db.prepare('DELETE FROM rollup_watermarks WHERE series_id = ?'),
      deleteLegacySeries: db.prepare('DELETE FROM series WHERE id = ?'),
      deleteSeriesBlock: db.prepare('DELETE FROM series_blocks WHERE stripe = ?'),
      deleteLabelPair: db.prepare('DELETE FROM label_pairs WHERE id = ?'),
    };
    statements.set(store, s);
  }
  return s;
}

/** Free pages beyond this share of the file are given back to the file system (VACUUM, as the
 * MAX_DISK_BYTES loop does); below it SQLite reuses them for the next chunks and rollups. */
const VACUUM_FREE_SHARE = 0.25;

/**
 * Removes the stored series that are gone for good (see the file comment). `allRollupsGoneBeforeMs`:
 * a series rolled up only before this time has no rollup left at any resolution (now minus the
 * longest rollup retention). A generator: it finds them in one slice, then deletes them
 * `perSlice` series per transaction, yielding between (100,000 TTL series in one transaction held
 * the event loop ~3 s). A series revived between slices (a sample with its labels) is kept with
 * everything it refers to. Returns how many series were removed.
 */
export function* removeExpiredSeries(
  store: MetricsStore,
  nowMs: number,
  allRollupsGoneBeforeMs: number,
  perSlice = 1024,
): Generator<void, number, undefined> {
  const s = sql(store);
  const index = store.index;
  const doneT = new Map<number, number>();
  for (const w of s.watermarks.iterate() as Iterable<{ series_id: number; done_t: number }>)
    doneT.set(w.series_id, w.done_t);
  const gone: SeriesRow[] = [];
  for (const row of storedSeriesRows(store)) {
    if (index.byId[row.id] !== undefined) continue; // in memory: alive, or leaving at a later pass
    if (row.expiresMs === undefined || row.expiresMs > nowMs) {
      const done = doneT.get(row.id);
      if (done !== undefined && done >= allRollupsGoneBeforeMs) continue;
      if (s.hasChunk.get(row.id) !== undefined) continue;
      if (RESOLUTIONS.some((res) => s.hasRollup.get(res, row.id) !== undefined)) continue;
    }
    gone.push(row);
  }
  if (gone.length === 0) return 0;
  const goneIds = new Set(gone.map((r) => r.id));
  // Pairs of removed rows that no remaining row has, and that memory does not hold (a pair in
  // LabelPairIds may belong to a series in memory not yet written, which will refer to its id).
  const unused = new Set<number>();
  for (const row of gone) for (const p of row.pairs) if (!store.labelPairs.holdsId(p)) unused.add(p);
  if (unused.size > 0) {
    for (const row of storedSeriesRows(store)) {
      if (goneIds.has(row.id)) continue;
      for (const p of row.pairs) unused.delete(p);
      if (unused.size === 0) break;
    }
  }
  let removed = 0;
  for (let i = 0; i < gone.length; i += perSlice) {
    yield;
    // Revived since the scan: it stays, and so do its pairs.
    const batch: SeriesRow[] = [];
    for (const row of gone.slice(i, i + perSlice)) {
      if (index.byId[row.id] === undefined) batch.push(row);
      else for (const p of row.pairs) unused.delete(p);
    }
    if (batch.length === 0) continue;
    const batchIds = new Set(batch.map((r) => r.id));
    // Their labels, read while their pairs are still stored: once the rows are gone, the hashes
    // that would revive them leave the index.
    const batchLabels = batch.map((r) => store.labelPairs.decodeIds(r.pairs));
    const stripes = new Set(batch.map((r) => stripeOf(r.id)));
    store.db
      .transaction(() => {
        for (const { id } of batch) {
          s.deleteChunks.run(id);
          for (const res of RESOLUTIONS) s.deleteRollups.run(res, id);
          s.deleteWatermark.run(id);
          s.deleteLegacySeries.run(id);
        }
        for (const stripe of stripes) {
          const stored = store.sql.seriesBlock.get(stripe) as { data: Uint8Array } | undefined;
          if (!stored) continue;
          const left = decodeSeriesBlock(stored.data).filter((r) => !batchIds.has(r.id));
          if (left.length === 0) s.deleteSeriesBlock.run(stripe);
          else store.sql.upsertSeriesBlock.run(stripe, encodeSeriesBlock(left));
        }
      })
      .immediate();
    for (let k = 0; k < batch.length; k++) index.forgetEvicted(batch[k].id, batchLabels[k]);
    removed += batch.length;
  }
  // A pair a series in memory took up meanwhile (new or revived) is held by LabelPairIds.
  const deletable = [...unused].filter((p) => !store.labelPairs.holdsId(p));
  if (deletable.length > 0)
    store.db.transaction(() => {
      for (const p of deletable) s.deleteLabelPair.run(p);
    })();
  if (removed > 0) reclaimFreePages(store);
  return removed;
}

function reclaimFreePages(store: MetricsStore): void {
  const db = store.db;
  const pages = db.pragma('page_count', { simple: true }) as number;
  const free = db.pragma('freelist_count', { simple: true }) as number;
  db.pragma('wal_checkpoint(TRUNCATE)');
  if (free <= pages * VACUUM_FREE_SHARE) return;
  try {
    db.exec('VACUUM');
  } catch {
    // No room for the copy VACUUM writes (a full disk): the rows are gone all the same and SQLite
    // reuses their pages; thrown, it reported every later pass as a failed retention pass.
  }
}

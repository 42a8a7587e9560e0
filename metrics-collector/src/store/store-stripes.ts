// The checkpoint's writes of series rows and head snapshots, one row per stripe of STRIPE_IDS
// series ids (series_blocks, head_blocks; migration 6). Series ids are handed out in order, so
// series created together share a stripe. Sealed chunks stay a row each in `chunks`: at 360–720
// samples per chunk a row's overhead is ~0.05 byte per sample, and reads fetch one series' chunks
// by its key.
//
// A series stripe is rewritten by merging its stored rows with the changed ones from memory, so
// rows of series that are not in memory stay. A head stripe is rewritten from memory alone: the
// heads are the only copy of the open chunks, and every stored snapshot was loaded into them.
import { encodeSealedChunk } from './chunk-codec.js';
import { decodeDeltaChunk } from './delta-chunk.js';
import { HeadBlockWriter, type HeadSnapshot } from './head-block.js';
import { type Heads, indexesOf } from './head.js';
import type { MetricsStore } from './metrics-store.js';
import { decodeSeriesBlock, encodeSeriesBlock, type SeriesRow } from './series-block.js';

/** Series ids per stripe. Persisted: stripe numbers are keys of stored rows. */
export const STRIPE_IDS = 1024;

export function stripeOf(id: number): number {
  return Math.floor(id / STRIPE_IDS);
}

/** Stripes holding rows written before migration 6 (found at start-up), to move at the next checkpoint. */
export interface LegacyStripes {
  series: Set<number>;
  heads: Set<number>;
}

/** Rewrites a stripe's series row: stored rows, then legacy rows of the stripe, then `changed`
 * (rows from memory: new series, new expiry times) win by id. */
export function writeSeriesStripe(
  store: MetricsStore,
  stripe: number,
  changed: SeriesRow[],
  legacy: boolean,
): void {
  const s = store.sql;
  const rows = new Map<number, SeriesRow>();
  const stored = s.seriesBlock.get(stripe) as { data: Uint8Array } | undefined;
  if (stored) for (const row of decodeSeriesBlock(stored.data)) rows.set(row.id, row);
  const lo = stripe * STRIPE_IDS;
  if (legacy) {
    for (const row of s.legacySeriesIn.iterate(lo, lo + STRIPE_IDS) as Iterable<LegacySeriesRow>)
      rows.set(row.id, fromLegacy(row));
    s.deleteLegacySeriesIn.run(lo, lo + STRIPE_IDS);
  }
  for (const row of changed) rows.set(row.id, row);
  const sorted = [...rows.values()].sort((a, b) => a.id - b.id);
  s.upsertSeriesBlock.run(stripe, encodeSeriesBlock(sorted));
}

export interface LegacySeriesRow {
  id: number;
  pairs: string;
  expires_ms: number | null;
}

export function fromLegacy(row: LegacySeriesRow): SeriesRow {
  return {
    id: row.id,
    pairs: row.pairs.split(',').map(Number),
    expiresMs: row.expires_ms ?? undefined,
  };
}

/** Writes the sealed chunks of every head in the stripe and replaces its snapshot row. Leaves the
 * heads as they are: markHeadStripePersisted() clears them once the transaction committed. */
export function writeHeadStripe(store: MetricsStore, stripe: number, legacy: boolean): void {
  const { heads, sql: s } = store;
  const lo = stripe * STRIPE_IDS;
  const block = new HeadBlockWriter();
  for (let id = lo; id < lo + STRIPE_IDS; id++) {
    if (!heads.has(id)) continue;
    for (const c of heads.sealed(id)) {
      const enc = encodeHeadChunk(c.data);
      s.insertChunk.run(id, c.minT, c.maxT, c.seq, enc.encoding, c.count, enc.data);
    }
    const ooo = heads.outOfOrder(id);
    if (heads.hasApp(id) || ooo) {
      const snap: HeadSnapshot = { id, appSeq: heads.appSeq(id) };
      if (heads.hasApp(id)) {
        snap.app = { ts: [], vs: [], stale: [] };
        heads.decodeApp(id, snap.app.ts, snap.app.vs, snap.app.stale);
      }
      if (ooo) snap.ooo = { seq: ooo.seq, ts: ooo.ts, vs: ooo.vs, stale: indexesOf(ooo.stale) };
      block.add(snap);
    }
  }
  if (block.count > 0) s.upsertHeadBlock.run(stripe, block.finish());
  else s.deleteHeadBlock.run(stripe);
  if (legacy) s.deleteLegacyHeadsIn.run(lo, lo + STRIPE_IDS);
}

/** After the checkpoint's commit: the stripe's sealed chunks and snapshots are in SQLite. Not done
 * inside the transaction: a failed commit (disk full, I/O error) dropped the sealed chunks from
 * memory and left the heads clean, and the next good checkpoint then deleted the log that still
 * held them. */
export function markHeadStripePersisted(heads: Heads, stripe: number): void {
  const lo = stripe * STRIPE_IDS;
  for (let id = lo; id < lo + STRIPE_IDS; id++) {
    if (!heads.has(id)) continue;
    heads.clearSealed(id);
    heads.clearDirty(id);
  }
}

/** Re-encodes an encoding-7 head chunk in the smallest persisted encoding. */
function encodeHeadChunk(data: Uint8Array) {
  const ts: number[] = [];
  const vs: number[] = [];
  const stale: number[] = [];
  decodeDeltaChunk(data, ts, vs, stale);
  return encodeSealedChunk(ts, vs, stale);
}

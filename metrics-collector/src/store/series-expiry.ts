// Series lifecycle: a series leaves memory once nothing of it is left to serve from memory, so the
// inverted index, the heads and the raw-key table follow the series that are alive, not every
// series ever seen (pod churn, pushed series with a TTL, scrape series that went stale).
//
// A series is evicted when its TTL has passed (it is no longer returned, issue 5) or when its
// newest sample is older than its raw retention (retention has rolled its chunks up and deleted
// them), and only once its head holds nothing that is not in SQLite: the retention pass seals the
// candidates' open chunks, checkpoints, rolls up, then evicts (RetentionJob.run). The series' row
// stays in SQLite with its labels and its id stays taken until it is gone for good (its TTL passed,
// or no chunk and no rollup is left: series-removal.ts removes it at the end of the pass), so:
//   - its rollups stay queryable: reads whose range reaches the evicted series' rolled-up period
//     find them through rollup_watermarks and the stored rows (evictedWithRollups);
//   - a new sample with the same labels revives the same id (reviveSeries), with its chunks, its
//     rollups and its TTL, instead of creating a twin the queries would see twice;
//   - retention still rolls up and deletes the chunks of evicted series (older databases may hold
//     chunks of evicted series; a TTL series' chunks now leave with its row).
// Not taken: evicting idle series before retention and reading their chunks through a persisted
// inverted index (Prometheus' blocks): the label index would have to live in SQLite.
import type { Statement } from 'better-sqlite3';
import type { LabelMatcher } from '../promql/sample-source.js';
import type { MetricsStore } from './metrics-store.js';
import type { SeriesRow } from './series-block.js';
import { RESOLUTIONS } from './retention.js';
import { type PersistedSeries, readSeriesRow, storedSeriesRows } from './store-load.js';
import { type LabelPairs, matcherTest, type SeriesInfo, sameLabels } from './series-index.js';

interface ExpiryStatements {
  chunkBounds: Statement;
  watermark: Statement;
  watermarksFrom: Statement;
  rollupIn: Statement;
  expiredChunkSeries: Statement;
}

const statements = new WeakMap<MetricsStore, ExpiryStatements>();

function sql(store: MetricsStore): ExpiryStatements {
  let s = statements.get(store);
  if (!s) {
    const db = store.db;
    s = {
      chunkBounds: db.prepare(
        'SELECT MIN(min_t) AS min_t, MAX(max_t) AS max_t FROM chunks WHERE series_id = ?',
      ),
      watermark: db.prepare('SELECT done_t FROM rollup_watermarks WHERE series_id = ?'),
      watermarksFrom: db.prepare('SELECT series_id, done_t FROM rollup_watermarks WHERE done_t >= ?'),
      rollupIn: db.prepare(
        'SELECT 1 FROM rollups WHERE resolution = ? AND series_id = ? AND bucket_t >= ? AND bucket_t <= ? LIMIT 1',
      ),
      expiredChunkSeries: db.prepare('SELECT DISTINCT series_id FROM chunks WHERE max_t < ?'),
    };
    statements.set(store, s);
  }
  return s;
}

/** Newest sample time of a series in memory (-Infinity without a head). */
function newestT(store: MetricsStore, id: number): number {
  const heads = store.heads;
  if (!heads.has(id)) return Number.NEGATIVE_INFINITY;
  const ooo = heads.outOfOrder(id);
  return Math.max(heads.lastT(id), ooo ? ooo.ts[ooo.ts.length - 1] : Number.NEGATIVE_INFINITY);
}

function expiring(store: MetricsStore, info: SeriesInfo, nowMs: number, rawRetentionMs: number): boolean {
  if (info.expiresMs !== undefined && info.expiresMs <= nowMs) return true;
  return newestT(store, info.id) < nowMs - rawRetentionMs;
}

/**
 * First step of a retention pass: the series to evict. The pass then seals their open chunks and
 * out-of-order buffers (Heads.sealAll) and checkpoints, a slice at a time, so the checkpoints write
 * them as chunks (retention can then roll them up and delete them).
 */
export function findExpiringSeries(
  store: MetricsStore,
  nowMs: number,
  rawRetentionOf: (metric: string) => number,
): number[] {
  const out: number[] = [];
  for (const info of store.index.byId) {
    if (info && expiring(store, info, nowMs, rawRetentionOf(info.metric))) out.push(info.id);
  }
  return out;
}

/** Last step: evicts the candidates that are persisted, still expiring, and whose head holds no
 * sample outside SQLite. Returns how many left memory. */
export function evictSeries(
  store: MetricsStore,
  ids: number[],
  nowMs: number,
  rawRetentionOf: (metric: string) => number,
): number {
  const leaving: number[] = [];
  for (const id of ids) {
    const info = store.index.byId[id];
    if (!info?.persisted || store.heads.holdsSamples(id)) continue;
    if (!expiring(store, info, nowMs, rawRetentionOf(info.metric))) continue;
    leaving.push(id);
  }
  evictFromMemory(store, leaving);
  return leaving.length;
}

function evictFromMemory(store: MetricsStore, ids: number[]): void {
  // All at once: the index filters each posting list once (SeriesIndex.removeAll).
  const index = store.index;
  for (const info of index.removeAll(ids)) {
    if (info.rolledUntilMs !== undefined && info.rolledUntilMs > index.evictedRolledUntilMs)
      index.evictedRolledUntilMs = info.rolledUntilMs;
    store.heads.remove(info.id);
    // Pairs no series in memory has any more leave LabelPairIds (the table keeps them).
    for (const [n, v] of info.labels) if (!index.postings.get(n)?.has(v)) store.labelPairs.forget(n, v);
  }
  index.compactRawKeys();
}

/**
 * Start-up, for each stored series once heads and watermarks are loaded: true (and the series
 * noted as evicted: its id taken, its labels' hash kept for revival, its head dropped) when its raw
 * samples are all gone but rolled up, or its TTL has passed and its head holds nothing; the rest of
 * the expiring ones leave at the first retention pass. Indexing them all first made a restart hold
 * every series ever stored.
 */
export function staysEvictedAtLoad(
  store: MetricsStore,
  row: PersistedSeries,
  rolledUntilMs: number | undefined,
  nowMs: number,
): boolean {
  const heads = store.heads;
  if (heads.holdsSamples(row.id)) return false;
  const expired = row.expiresMs !== undefined && row.expiresMs <= nowMs;
  if (!expired && (heads.has(row.id) || rolledUntilMs === undefined)) return false;
  const index = store.index;
  index.addEvicted(row.id, row.labels, row.expiresMs);
  if (rolledUntilMs !== undefined && rolledUntilMs > index.evictedRolledUntilMs)
    index.evictedRolledUntilMs = rolledUntilMs;
  heads.remove(row.id);
  return true;
}

/** Start-up, after the series: every stored pair was loaded (rows are decoded with them); only
 * those of series in memory stay. */
export function forgetUnusedLabelPairs(store: MetricsStore): void {
  const postings = store.index.postings;
  store.labelPairs.forgetUnless((n, v) => postings.get(n)?.has(v) === true);
}

/** The evicted series with these labels, back in memory under its id (undefined: none). */
export function reviveSeries(store: MetricsStore, labels: LabelPairs): number | undefined {
  for (const id of store.index.evictedIdsFor(labels)) {
    const row = readSeriesRow(store, id);
    if (!row || !sameLabels(row.labels, labels)) continue;
    const s = sql(store);
    const info = store.index.add(id, labels, true, row.expiresMs);
    // Revived by a request that turns out malformed: back to evicted (runs after the head's undo).
    store.heads.onUndo(() => evictFromMemory(store, [id]));
    if (row.expiresMs !== undefined) store.ttlSeen = true;
    const wm = s.watermark.get(id) as { done_t: number } | undefined;
    info.rolledUntilMs = wm?.done_t;
    // Its chunks bound its times as at start-up: the out-of-order window counts from the newest.
    const bounds = s.chunkBounds.get(id) as { min_t: number | null; max_t: number | null };
    store.heads.create(id);
    if (bounds.min_t !== null && bounds.max_t !== null)
      store.heads.includeBounds(id, bounds.min_t, bounds.max_t);
    return id;
  }
  return undefined;
}

/**
 * Evicted series matching `matchers` with a rollup bucket in [startMs, endMs] (reads serve their
 * samples from rollups), as SeriesInfo not entered in the index. Scans rollup_watermarks, so it
 * runs only when the range reaches back to the newest rolled-up sample of an evicted series.
 */
export function evictedWithRollups(
  store: MetricsStore,
  matchers: LabelMatcher[],
  startMs: number,
  endMs: number,
): SeriesInfo[] {
  const index = store.index;
  if (startMs > index.evictedRolledUntilMs) return [];
  const s = sql(store);
  // Pairs every match must have (`=` matchers): a stored row without them is skipped before its
  // labels are decoded (an evicted series' pair is a query to label_pairs).
  const required: number[] = [];
  for (const m of matchers) {
    if (m.type !== '=' || m.value === '') continue;
    const id = store.labelPairs.idOf(m.name, m.value);
    if (id === undefined) return [];
    required.push(id);
  }
  const now = store.clock();
  const tests = matchers.map((m) => ({ name: m.name, test: matcherTest(m) }));
  const out: SeriesInfo[] = [];
  const consider = (row: PersistedSeries, rolledUntilMs: number) => {
    if (row.expiresMs !== undefined && row.expiresMs <= now) return;
    const value = (name: string) => row.labels.find(([n]) => n === name)?.[1] ?? '';
    if (!tests.every((t) => t.test(value(t.name)))) return;
    // A bucket starts up to one resolution before the samples it holds.
    if (!RESOLUTIONS.some((res) => s.rollupIn.get(res, row.id, startMs - res, endMs) !== undefined)) return;
    out.push({
      id: row.id,
      labels: row.labels,
      metric: value('__name__'),
      expiresMs: row.expiresMs,
      persisted: true,
      rolledUntilMs,
    });
  };
  const decoded = (row: SeriesRow): PersistedSeries => ({
    id: row.id,
    labels: store.labelPairs.decodeIds(row.pairs),
    expiresMs: row.expiresMs,
  });
  if (required.length > 0) {
    // One pass over the stored rows (~0.5 us each), the watermark of the few that have the pairs.
    for (const row of storedSeriesRows(store)) {
      if (index.byId[row.id] !== undefined || !required.every((id) => row.pairs.includes(id))) continue;
      const w = s.watermark.get(row.id) as { done_t: number } | undefined;
      if (w && w.done_t >= startMs) consider(decoded(row), w.done_t);
    }
    return out.sort((a, b) => a.id - b.id);
  }
  const doneT = new Map<number, number>();
  for (const w of s.watermarksFrom.iterate(startMs) as Iterable<{ series_id: number; done_t: number }>)
    if (index.byId[w.series_id] === undefined) doneT.set(w.series_id, w.done_t);
  // A row is read out of its stripe block: past a few series one pass over all rows is cheaper.
  if (doneT.size <= 64) {
    for (const [id, done] of doneT) {
      const row = readSeriesRow(store, id);
      if (row) consider(row, done);
    }
  } else {
    for (const row of storedSeriesRows(store)) {
      const done = doneT.get(row.id);
      if (done !== undefined) consider(decoded(row), done);
    }
  }
  return out.sort((a, b) => a.id - b.id);
}

/** Ids of evicted series that have chunks ending before `beforeMs` (retention of their chunks). */
export function evictedSeriesWithChunksBefore(store: MetricsStore, beforeMs: number): number[] {
  const out: number[] = [];
  for (const r of sql(store).expiredChunkSeries.iterate(beforeMs) as Iterable<{ series_id: number }>)
    if (store.index.byId[r.series_id] === undefined) out.push(r.series_id);
  return out;
}

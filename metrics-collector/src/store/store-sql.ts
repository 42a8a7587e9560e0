// Every SQL statement of the metrics store, one prepared statement per function.
import type { Db } from '@flowrent/shared/db';
import type { Statement } from 'better-sqlite3';

export interface ChunkRow {
  min_t: number;
  max_t: number;
  seq: number;
  encoding: number;
  data: Uint8Array;
}

export const SELECT_CHUNKS_SQL =
  'SELECT min_t, max_t, seq, encoding, data FROM chunks WHERE series_id = ? AND min_t >= ? AND min_t <= ? AND max_t >= ?';

export const SQL = {
  insertLabelPair: 'INSERT INTO label_pairs (id, name, value) VALUES (?, ?, ?)',
  allLabelPairs: 'SELECT id, name, value FROM label_pairs',
  labelPairId: 'SELECT id FROM label_pairs WHERE name = ? AND value = ?',
  labelPairById: 'SELECT name, value FROM label_pairs WHERE id = ?',
  // stripes of series ids (series-block.ts, head-block.ts; migration 6)
  allSeriesBlocks: 'SELECT stripe, data FROM series_blocks ORDER BY stripe',
  seriesBlock: 'SELECT data FROM series_blocks WHERE stripe = ?',
  upsertSeriesBlock: 'INSERT OR REPLACE INTO series_blocks (stripe, data) VALUES (?, ?)',
  allHeadBlocks: 'SELECT stripe, data FROM head_blocks ORDER BY stripe',
  upsertHeadBlock: 'INSERT OR REPLACE INTO head_blocks (stripe, data) VALUES (?, ?)',
  deleteHeadBlock: 'DELETE FROM head_blocks WHERE stripe = ?',
  // rows written before migration 6, moved into the blocks by the first checkpoint
  allSeries: 'SELECT id, pairs, expires_ms FROM series ORDER BY id',
  legacySeriesRow: 'SELECT id, pairs, expires_ms FROM series WHERE id = ?',
  legacySeriesIn: 'SELECT id, pairs, expires_ms FROM series WHERE id >= ? AND id < ? ORDER BY id',
  deleteLegacySeriesIn: 'DELETE FROM series WHERE id >= ? AND id < ?',
  deleteLegacyHeadsIn: 'DELETE FROM head_chunks WHERE series_id >= ? AND series_id < ?',
  chunkBounds: 'SELECT series_id, MIN(min_t) AS min_t, MAX(max_t) AS max_t FROM chunks GROUP BY series_id',
  insertChunk:
    'INSERT OR REPLACE INTO chunks (series_id, min_t, max_t, seq, encoding, count, data) VALUES (?, ?, ?, ?, ?, ?, ?)',
  selectChunks: SELECT_CHUNKS_SQL,
  allHeads: 'SELECT series_id, app_seq, app_encoding, app_data, ooo_seq, ooo_data FROM head_chunks',
  upsertMetadata: 'INSERT OR REPLACE INTO metric_metadata (metric, type, help, unit) VALUES (?, ?, ?, ?)',
  allMetadata: 'SELECT metric, type, help, unit FROM metric_metadata',
  getState: 'SELECT value FROM store_state WHERE key = ?',
  setState: 'INSERT OR REPLACE INTO store_state (key, value) VALUES (?, ?)',
  // retention
  deleteChunksBefore: 'DELETE FROM chunks WHERE max_t < ?',
  deleteSeriesChunksBefore: 'DELETE FROM chunks WHERE series_id = ? AND min_t < ? AND max_t < ?',
  oldestChunks: 'SELECT series_id, min_t, seq, max_t FROM chunks ORDER BY max_t LIMIT ?',
  deleteChunk: 'DELETE FROM chunks WHERE series_id = ? AND min_t = ? AND seq = ?',
  chunkBytes:
    'SELECT COALESCE(SUM(length(data)), 0) AS bytes, COALESCE(SUM(count), 0) AS samples FROM chunks',
  // rollups
  rollupWatermark: 'SELECT done_t FROM rollup_watermarks WHERE series_id = ?',
  setRollupWatermark: 'INSERT OR REPLACE INTO rollup_watermarks (series_id, done_t) VALUES (?, ?)',
  allRollupWatermarks: 'SELECT series_id, done_t FROM rollup_watermarks',
  upsertRollup: `INSERT INTO rollups (resolution, series_id, bucket_t, min, max, sum, count, last, last_t)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (resolution, series_id, bucket_t) DO UPDATE SET
         min = MIN(min, excluded.min), max = MAX(max, excluded.max), sum = sum + excluded.sum,
         count = count + excluded.count,
         last = CASE WHEN excluded.last_t >= last_t THEN excluded.last ELSE last END,
         last_t = MAX(last_t, excluded.last_t)`,
  selectRollups:
    'SELECT bucket_t, min, max, sum, count, last FROM rollups WHERE resolution = ? AND series_id = ? AND bucket_t >= ? AND bucket_t <= ? ORDER BY bucket_t',
  selectRollupLasts:
    'SELECT bucket_t, last, last_t FROM rollups WHERE resolution = ? AND series_id = ? AND bucket_t >= ? AND bucket_t <= ? ORDER BY bucket_t',
  deleteRollupsBefore: 'DELETE FROM rollups WHERE resolution = ? AND bucket_t < ?',
  deleteSeriesRollupsBefore: 'DELETE FROM rollups WHERE resolution = ? AND series_id = ? AND bucket_t < ?',
};

export type Statements = Record<keyof typeof SQL, Statement>;

export function prepareStatements(db: Db): Statements {
  const out: Partial<Statements> = {};
  for (const [name, sql] of Object.entries(SQL)) out[name as keyof typeof SQL] = db.prepare(sql);
  return out as Statements;
}

// Start-up: rebuild the in-memory registry and heads from SQLite. Returns the next chunk sequence.
import type { MetricsStore } from './metrics-store.js';
import { decodeChunk } from './chunk-codec.js';
import { decodeXorChunk } from './xor-chunk.js';

export function loadStore(store: MetricsStore): number {
  const s = store.sql;
  for (const row of s.allLabelPairs.iterate() as Iterable<{ id: number; name: string; value: string }>)
    store.labelPairs.load(row.id, row.name, row.value);
  for (const row of s.allSeries.iterate() as Iterable<{
    id: number;
    pairs: string;
    expires_ms: number | null;
  }>) {
    store.index.add(row.id, store.labelPairs.decode(row.pairs), true, row.expires_ms ?? undefined);
  }
  const heads = store.heads;
  for (const row of s.chunkBounds.iterate() as Iterable<{
    series_id: number;
    min_t: number;
    max_t: number;
  }>) {
    heads.create(row.series_id);
    heads.includeBounds(row.series_id, row.min_t, row.max_t);
  }
  type HeadRow = {
    series_id: number;
    app_seq: number;
    app_encoding: number;
    app_data: Uint8Array | null;
    ooo_seq: number;
    ooo_data: Uint8Array | null;
  };
  for (const row of s.allHeads.iterate() as Iterable<HeadRow>) {
    const id = row.series_id;
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
  for (const row of s.allRollupWatermarks.iterate() as Iterable<{ series_id: number; done_t: number }>) {
    const info = store.index.byId[row.series_id];
    if (info) info.rolledUntilMs = row.done_t;
  }
  for (const row of s.allMetadata.iterate() as Iterable<{
    metric: string;
    type: string;
    help: string;
    unit: string;
  }>) {
    store.metadata.set(row.metric, { type: row.type, help: row.help, unit: row.unit });
  }
  const next = s.getState.get('next_seq') as { value: number } | undefined;
  return next?.value ?? 1;
}

// Retention per resolution, per-metric overrides, size-based retention, and the rollups that keep
// long ranges answerable. Raw chunks that leave raw retention are first aggregated into 5 m and
// 1 h buckets (min/max/sum/count/last) and only then deleted, so rollups cost nothing while the
// raw data is still there (materialising 5 m rows eagerly would cost ~10 B per sample at 60 s).
// Spec: RETENTION "raw=15d,5m=90d,1h=730d"; RETENTION_OVERRIDES "regex=7d;other_.*=1d" (raw
// retention for metrics whose name fully matches the regex).
import { statSync } from 'node:fs';
import { decodeChunk } from './chunk-codec.js';
import type { MetricsStore } from './metrics-store.js';
import { evictedSeriesWithChunksBefore, evictSeries, sealExpiringSeries } from './series-expiry.js';
import { removeExpiredSeries } from './series-removal.js';
import { readSeriesRow } from './store-load.js';
import { parseDurationMs } from '@flowrent/shared/duration';

export const RESOLUTIONS = [300_000, 3_600_000] as const;

export interface RetentionPolicy {
  rawMs: number;
  rollupMs: Record<number, number>;
  overrides: { pattern: RegExp; rawMs: number }[];
}

function duration(s: string): number {
  const ms = parseDurationMs(s);
  if (ms === undefined) throw new Error(`invalid duration ${JSON.stringify(s)} (use e.g. 15d, 12h)`);
  return ms;
}

export function parseRetention(spec: string, overrides = ''): RetentionPolicy {
  const policy: RetentionPolicy = {
    rawMs: 15 * 86_400_000,
    rollupMs: { 300000: 90 * 86_400_000, 3600000: 730 * 86_400_000 },
    overrides: [],
  };
  for (const part of spec.split(',').filter((p) => p.trim())) {
    const [key, value] = part.split('=').map((x) => x.trim());
    if (key === 'raw') policy.rawMs = duration(value);
    else if (key === '5m') policy.rollupMs[300_000] = duration(value);
    else if (key === '1h') policy.rollupMs[3_600_000] = duration(value);
    else throw new Error(`unknown resolution ${JSON.stringify(key)} in retention (raw, 5m, 1h)`);
  }
  for (const part of overrides.split(';').filter((p) => p.trim())) {
    const at = part.lastIndexOf('=');
    if (at <= 0) throw new Error(`retention override ${JSON.stringify(part)} must look like regex=7d`);
    policy.overrides.push({
      pattern: new RegExp(`^(?:${part.slice(0, at)})$`),
      rawMs: duration(part.slice(at + 1)),
    });
  }
  return policy;
}

interface ExpiringChunk {
  min_t: number;
  seq: number;
  encoding: number;
  data: Uint8Array;
}

interface Bucket {
  min: number;
  max: number;
  sum: number;
  count: number;
  last: number;
  lastT: number;
}

export class RetentionJob {
  constructor(
    private readonly store: MetricsStore,
    private readonly policy: RetentionPolicy,
    private readonly options: { maxDiskBytes?: number } = {},
  ) {}

  private rawRetentionOf(metric: string): number {
    for (const o of this.policy.overrides) if (o.pattern.test(metric)) return o.rawMs;
    return this.policy.rawMs;
  }

  /** Rolls up and deletes expired raw chunks, then drops expired rollups and enforces the size cap;
   * series whose TTL passed or whose newest sample left raw retention leave memory
   * (series-expiry.ts), and those of them that are gone for good leave SQLite (series-removal.ts). */
  run(nowMs: number): { chunksExpired: number; seriesEvicted: number; seriesRemoved: number } {
    const { store } = this;
    let expired = 0;
    const db = store.db;
    const select = db.prepare(
      'SELECT series_id, min_t, seq, encoding, data FROM chunks WHERE max_t < ? ORDER BY series_id, min_t LIMIT 5000',
    );
    const retentionOf = (metric: string) => this.rawRetentionOf(metric);
    // Their open chunks become chunks first, so this pass rolls them up like any other. When that
    // checkpoint fails (reported by the store, retried with back-off) they stay in memory this
    // time, but the rest of the pass runs: on a full disk its deletes and maxDiskBytes are what
    // can make room (thrown, it skipped them whenever a series was leaving).
    const leaving = sealExpiringSeries(store, nowMs, retentionOf);
    const sealedPersisted = leaving.length === 0 || store.tryCheckpoint();
    const expiredOf = db.prepare(
      'SELECT min_t, seq, encoding, data FROM chunks WHERE series_id = ? AND min_t < ? AND max_t < ?',
    );
    const expire = (id: number, metric: string) => {
      const cutoff = nowMs - this.rawRetentionOf(metric);
      const rows = expiredOf.all(id, cutoff, cutoff) as ExpiringChunk[];
      if (rows.length) expired += this.rollUpAndDelete(id, rows);
    };
    for (const info of store.index.byId) if (info?.persisted) expire(info.id, info.metric);
    // Evicted series are not in the index; their chunks expire all the same.
    const shortest = Math.min(this.policy.rawMs, ...this.policy.overrides.map((o) => o.rawMs));
    for (const id of evictedSeriesWithChunksBefore(store, nowMs - shortest)) {
      const row = readSeriesRow(store, id);
      if (row) expire(id, row.labels.find(([n]) => n === '__name__')?.[1] ?? '');
    }
    for (const res of RESOLUTIONS) store.sql.deleteRollupsBefore.run(res, nowMs - this.policy.rollupMs[res]);
    const max = this.options.maxDiskBytes ?? 0;
    while (max > 0 && diskBytes(db.name) > max) {
      const rows = select.all(Number.MAX_SAFE_INTEGER) as {
        series_id: number;
        min_t: number;
        seq: number;
        encoding: number;
        data: Uint8Array;
      }[];
      if (rows.length > 0) {
        const oldest = rows.slice(0, Math.max(1, Math.ceil(rows.length / 10)));
        for (const r of oldest) expired += this.rollUpAndDelete(r.series_id, [r]);
      } else if (!this.dropOldestRollups()) break;
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.exec('VACUUM');
    }
    const seriesEvicted = sealedPersisted ? evictSeries(store, leaving, nowMs, retentionOf) : 0;
    const longestRollupMs = Math.max(...RESOLUTIONS.map((res) => this.policy.rollupMs[res]));
    const seriesRemoved = removeExpiredSeries(store, nowMs, nowMs - longestRollupMs);
    return { chunksExpired: expired, seriesEvicted, seriesRemoved };
  }

  /** With no raw chunks left, the oldest tenth of the finest rollups goes next. */
  private dropOldestRollups(): boolean {
    const db = this.store.db;
    for (const res of RESOLUTIONS) {
      const row = db
        .prepare('SELECT MIN(bucket_t) AS lo, MAX(bucket_t) AS hi FROM rollups WHERE resolution = ?')
        .get(res) as { lo: number | null; hi: number | null };
      if (row.lo === null || row.hi === null) continue;
      const cut = row.lo + Math.max(res, Math.floor((row.hi - row.lo) / 10));
      this.store.sql.deleteRollupsBefore.run(res, cut);
      return true;
    }
    return false;
  }

  private rollUpAndDelete(seriesId: number, rows: ExpiringChunk[]): number {
    const s = this.store.sql;
    // The watermark tells reads (store-read.ts) that raw data up to it may be gone and that the
    // period is to be served from rollups.
    const info = this.store.index.byId[seriesId];
    let until = info?.rolledUntilMs ?? Number.NEGATIVE_INFINITY;
    const tx = this.store.db.transaction(() => {
      for (const res of RESOLUTIONS) {
        const buckets = new Map<number, Bucket>();
        for (const r of rows) {
          const ts: number[] = [];
          const vs: number[] = [];
          decodeChunk(r.encoding, r.data, ts, vs);
          for (let i = 0; i < ts.length; i++) {
            addToBucket(buckets, Math.floor(ts[i] / res) * res, ts[i], vs[i]);
            if (ts[i] > until) until = ts[i];
          }
        }
        for (const [t, b] of buckets)
          s.upsertRollup.run(res, seriesId, t, b.min, b.max, b.sum, b.count, b.last, b.lastT);
      }
      for (const r of rows) s.deleteChunk.run(seriesId, r.min_t, r.seq);
      if (Number.isFinite(until)) s.setRollupWatermark.run(seriesId, until);
    });
    tx.immediate();
    if (info && Number.isFinite(until)) info.rolledUntilMs = until;
    return rows.length;
  }
}

function addToBucket(buckets: Map<number, Bucket>, bucketT: number, t: number, v: number): void {
  if (Number.isNaN(v)) return;
  const b = buckets.get(bucketT);
  if (!b) {
    buckets.set(bucketT, { min: v, max: v, sum: v, count: 1, last: v, lastT: t });
    return;
  }
  if (v < b.min) b.min = v;
  if (v > b.max) b.max = v;
  b.sum += v;
  b.count++;
  if (t >= b.lastT) {
    b.last = v;
    b.lastT = t;
  }
}

function diskBytes(file: string): number {
  let n = 0;
  for (const f of [file, `${file}-wal`]) {
    try {
      n += statSync(f).size;
    } catch {
      // absent WAL file
    }
  }
  return n;
}

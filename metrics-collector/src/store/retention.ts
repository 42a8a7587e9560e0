// Retention per resolution, per-metric overrides, size-based retention, and the rollups that keep
// long ranges answerable. Raw chunks that leave raw retention are first aggregated into 5 m and
// 1 h buckets (min/max/sum/count/last) and only then deleted, so rollups cost nothing while the
// raw data is still there (materialising 5 m rows eagerly would cost ~10 B per sample at 60 s).
// Spec: RETENTION "raw=15d,5m=90d,1h=730d"; RETENTION_OVERRIDES "regex=7d;other_.*=1d" (raw
// retention for metrics whose name fully matches the regex).
import { statSync } from 'node:fs';
import { decodeChunk } from './chunk-codec.js';
import type { MetricsStore } from './metrics-store.js';
import { evictedSeriesWithChunksBefore, evictSeries, findExpiringSeries } from './series-expiry.js';
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

/** What one retention pass did. */
export interface RetentionResult {
  chunksExpired: number;
  seriesEvicted: number;
  seriesRemoved: number;
}

/** Work per slice of a pass (RetentionJob.pass): leaving series sealed and checkpointed, series
 * whose expired chunks are rolled up in one transaction, series looked at (one SELECT each),
 * series evicted from memory, series removed from SQLite in one transaction. */
export interface RetentionSlices {
  sealSeries: number;
  rollUpSeries: number;
  visitSeries: number;
  evictSeries: number;
  removeSeries: number;
}

const DEFAULT_SLICES: RetentionSlices = {
  sealSeries: 2048,
  rollUpSeries: 128,
  visitSeries: 4096,
  evictSeries: 2048,
  removeSeries: 1024,
};

export class RetentionJob {
  private readonly slices: RetentionSlices;

  constructor(
    private readonly store: MetricsStore,
    private readonly policy: RetentionPolicy,
    private readonly options: { maxDiskBytes?: number; slices?: Partial<RetentionSlices> } = {},
  ) {
    this.slices = { ...DEFAULT_SLICES, ...options.slices };
  }

  private rawRetentionOf(metric: string): number {
    for (const o of this.policy.overrides) if (o.pattern.test(metric)) return o.rawMs;
    return this.policy.rawMs;
  }

  /** A whole pass at once (tests, tools); the server runs it in slices (runInSlices). */
  run(nowMs: number): RetentionResult {
    const pass = this.pass(nowMs);
    for (;;) {
      const r = pass.next();
      if (r.done) return r.value;
    }
  }

  /** A pass that gives the event loop back between its slices (`nextTurn`), so ingest and queries
   * go on while 100,000 series roll up and leave memory (at once it held the loop ~50 s: one
   * transaction per series). `stopped` abandons it between slices (the store is closing); every
   * slice leaves the store consistent, the next pass does the rest. */
  async runInSlices(
    nowMs: number,
    stopped: () => boolean = () => false,
    nextTurn: () => Promise<void> = () => new Promise((resolve) => setImmediate(resolve)),
  ): Promise<RetentionResult | undefined> {
    const pass = this.pass(nowMs);
    for (;;) {
      const r = pass.next();
      if (r.done) return r.value;
      await nextTurn();
      if (stopped()) {
        pass.return(undefined as never);
        return undefined;
      }
    }
  }

  /**
   * Rolls up and deletes expired raw chunks, then drops expired rollups and enforces the size cap;
   * series whose TTL passed or whose newest sample left raw retention leave memory
   * (series-expiry.ts), and those of them that are gone for good leave SQLite (series-removal.ts).
   * Yields between slices of bounded work. Between two slices anything may happen (appends, a
   * checkpoint, queries): a series' chunks are read, rolled up and deleted within one slice, and
   * eviction checks each candidate again when it comes to it (a sample that arrived meanwhile
   * keeps the series in memory).
   */
  *pass(nowMs: number): Generator<void, RetentionResult, undefined> {
    const { store, slices } = this;
    let expired = 0;
    const db = store.db;
    const select = db.prepare(
      'SELECT series_id, min_t, seq, encoding, data FROM chunks WHERE max_t < ? ORDER BY series_id, min_t LIMIT 5000',
    );
    const retentionOf = (metric: string) => this.rawRetentionOf(metric);
    // Their open chunks become chunks first, so this pass rolls them up like any other; a
    // checkpoint per slice writes only the stripes sealed in it (one for 100,000 series held the
    // loop ~2-3 s). When a checkpoint fails (reported by the store, retried with back-off) they
    // stay in memory this time, but the rest of the pass runs: on a full disk its deletes and
    // maxDiskBytes are what can make room (thrown, it skipped them whenever a series was leaving).
    const leaving = findExpiringSeries(store, nowMs, retentionOf);
    let sealedPersisted = true;
    for (let i = 0; i < leaving.length; i += slices.sealSeries) {
      yield;
      for (const id of leaving.slice(i, i + slices.sealSeries)) store.heads.sealAll(id);
      if (!store.tryCheckpoint()) sealedPersisted = false;
    }
    yield;
    const expiredOf = db.prepare(
      'SELECT min_t, seq, encoding, data FROM chunks WHERE series_id = ? AND min_t < ? AND max_t < ?',
    );
    let work: { id: number; rows: ExpiringChunk[] }[] = [];
    let visited = 0;
    const visit = (id: number, metric: string) => {
      visited++;
      const cutoff = nowMs - this.rawRetentionOf(metric);
      const rows = expiredOf.all(id, cutoff, cutoff) as ExpiringChunk[];
      if (rows.length) work.push({ id, rows });
    };
    const sliceFull = () => work.length >= slices.rollUpSeries || visited >= slices.visitSeries;
    const flush = () => {
      expired += this.rollUpAndDelete(work);
      work = [];
      visited = 0;
    };
    // By id, not by iterator: series created between slices are appended to byId.
    const byId = store.index.byId;
    for (let id = 0; id < byId.length; id++) {
      const info = byId[id];
      if (!info?.persisted) continue;
      visit(id, info.metric);
      if (sliceFull()) {
        flush();
        yield;
      }
    }
    // Evicted series are not in the index; their chunks expire all the same.
    const shortest = Math.min(this.policy.rawMs, ...this.policy.overrides.map((o) => o.rawMs));
    for (const id of evictedSeriesWithChunksBefore(store, nowMs - shortest)) {
      // Revived meanwhile: the loop above saw it or the next pass will.
      if (byId[id] !== undefined) continue;
      const row = readSeriesRow(store, id);
      if (row) visit(id, row.labels.find(([n]) => n === '__name__')?.[1] ?? '');
      if (sliceFull()) {
        flush();
        yield;
      }
    }
    flush();
    for (const res of RESOLUTIONS) store.sql.deleteRollupsBefore.run(res, nowMs - this.policy.rollupMs[res]);
    const max = this.options.maxDiskBytes ?? 0;
    while (max > 0 && diskBytes(db.name) > max) {
      const rows = select.all(Number.MAX_SAFE_INTEGER) as (ExpiringChunk & { series_id: number })[];
      if (rows.length > 0) {
        const oldest = rows.slice(0, Math.max(1, Math.ceil(rows.length / 10)));
        expired += this.rollUpAndDelete(oldest.map((r) => ({ id: r.series_id, rows: [r] })));
      } else if (!this.dropOldestRollups()) break;
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.exec('VACUUM');
      yield;
    }
    let seriesEvicted = 0;
    if (sealedPersisted) {
      for (let i = 0; i < leaving.length; i += slices.evictSeries) {
        yield;
        seriesEvicted += evictSeries(store, leaving.slice(i, i + slices.evictSeries), nowMs, retentionOf);
      }
    }
    const longestRollupMs = Math.max(...RESOLUTIONS.map((res) => this.policy.rollupMs[res]));
    const seriesRemoved = yield* removeExpiredSeries(
      store,
      nowMs,
      nowMs - longestRollupMs,
      slices.removeSeries,
    );
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

  /** Rolls each series' rows up into its buckets and deletes them, all in one transaction; the
   * watermarks tell reads (store-read.ts) that raw data up to them may be gone and that the period
   * is to be served from rollups. Returns the chunks deleted. */
  private rollUpAndDelete(work: { id: number; rows: ExpiringChunk[] }[]): number {
    if (work.length === 0) return 0;
    const s = this.store.sql;
    const index = this.store.index;
    const watermarks = new Map<number, number>();
    let deleted = 0;
    const tx = this.store.db.transaction(() => {
      for (const { id: seriesId, rows } of work) {
        let until =
          watermarks.get(seriesId) ?? index.byId[seriesId]?.rolledUntilMs ?? Number.NEGATIVE_INFINITY;
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
        deleted += rows.length;
        if (Number.isFinite(until)) {
          s.setRollupWatermark.run(seriesId, until);
          watermarks.set(seriesId, until);
        }
      }
    });
    tx.immediate();
    for (const [id, until] of watermarks) {
      const info = index.byId[id];
      if (info) info.rolledUntilMs = until;
    }
    return deleted;
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

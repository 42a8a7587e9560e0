// The metrics store: series registry + inverted index in memory, head chunks in memory, sealed
// chunks in SQLite BLOBs, a write-ahead log in front. Writes: append in memory, log the request,
// resolve after the group-committed fdatasync. A checkpoint (timer or size) writes sealed chunks,
// new series and head snapshots (packed per stripe of ids: store-stripes.ts) in one SQLite
// transaction and drops the log segments it covers.
// Reads implement the PromQL SampleSource contract (store-read.ts).
import { mkdirSync } from 'node:fs';
import type { Db } from '@flowrent/shared/db';
import { walkWriteRequest } from '../ingest/remote-write.js';
import { DEFAULT_MAX_EXEMPLARS, type Exemplar, ExemplarStore } from './exemplar-store.js';
import { APPEND_DUPLICATE, APPEND_OK, APPEND_TOO_OLD, Heads } from './head.js';
import { LabelPairIds } from './label-pairs.js';
import { type Limits, DEFAULT_LIMITS, checkNewSeries } from './limits.js';
import { RemoteWriteAppender } from './remote-write-appender.js';
import { reviveSeries } from './series-expiry.js';
import { type SeriesRow, storableExpiryMs } from './series-block.js';
import { loadStore } from './store-load.js';
import { type Statements, prepareStatements } from './store-sql.js';
import {
  type LegacyStripes,
  markHeadStripePersisted,
  stripeOf,
  writeHeadStripe,
  writeSeriesStripe,
} from './store-stripes.js';
import {
  keyHash,
  type LabelPairs,
  SeriesIndex,
  type SeriesInfo,
  labelsToObject,
  sortLabels,
} from './series-index.js';
import {
  listSegments,
  removeEmptyWal,
  WAL_KIND_REMOTE_WRITE_SNAPPY,
  WAL_KIND_SAMPLES_JSON,
  WriteAheadLog,
  readWal,
} from './wal.js';

export interface StoreOptions {
  db: Db;
  /** Folder for the write-ahead log. */
  walDir: string;
  clock?: () => number;
  limits?: Partial<Limits>;
  /** Samples older than (newest of the series − window) are rejected. */
  outOfOrderWindowMs?: number;
  /** fdatasync the log before acknowledging (turn off only in benchmarks of the in-memory path). */
  fsync?: boolean;
  /** Size of the preallocated log segments. */
  walSegmentBytes?: number;
  /** Checkpoint once this many bytes of sealed chunks wait in memory. */
  checkpointSealedBytes?: number;
  /** Writes are refused (503, the sender retries) while more sealed chunks than this wait for a
   * checkpoint, e.g. while checkpoints fail. Default 4 × checkpointSealedBytes. */
  maxUnpersistedBytes?: number;
  /** Told of each checkpoint that failed in the background (it is retried with back-off). */
  onCheckpointError?: (err: Error, consecutiveFailures: number) => void;
  /** Decompresses a snappy block (injected so the store has no opinion on the library). */
  uncompressSnappy: (buf: Uint8Array) => Uint8Array;
  /** Size of the in-memory exemplar ring (all series together); 0 turns exemplars off. */
  maxExemplars?: number;
}

/** Sample times beyond ±2^50 ms (year ~37,600) are refused: the head encoding zigzags timestamps
 * and their delta-of-deltas as doubles, exact only below 2^53, and a bogus int64 time decoded as
 * another one (a negative one as positive), while the head kept the real one as its last time. */
export const MAX_SAMPLE_TIME_MS = 2 ** 50;

export interface AppendResult {
  accepted: number;
  duplicates: number;
  tooOld: number;
  /** Samples whose timestamp is past ±MAX_SAMPLE_TIME_MS. */
  outOfRange: number;
  rejectedSeries: number;
  /** Up to MAX_ERRORS human-readable reasons, each naming the series. */
  errors: string[];
}

export interface PlainSample {
  labels: LabelPairs;
  t: number;
  v: number;
  ttlMs?: number;
  /** A Prometheus staleness marker (the series ended here); `v` is then ignored (NaN). */
  stale?: boolean;
  /** Kept in the exemplar ring only (not in the write-ahead log). */
  exemplar?: Exemplar;
}

export interface MetricMetadata {
  type: string;
  help: string;
  unit: string;
}

const MAX_ERRORS = 10;

/** Back-off of checkpoint retries after a failure: doubles from the minimum up to the maximum. */
export const CHECKPOINT_RETRY_MIN_MS = 1000;
export const CHECKPOINT_RETRY_MAX_MS = 60_000;

/** Why writes should wait, for a 503 + Retry-After. */
export interface WriteBackpressure {
  message: string;
  retryAfterSeconds: number;
}

/** An append refused while writeBackpressure() says to wait; nothing of it was applied. */
export class StoreBackpressureError extends Error {
  constructor(readonly backpressure: WriteBackpressure) {
    super(backpressure.message);
  }
}

/** SQLite page cache of the metrics database, KiB. better-sqlite3's default is 16 MB: checkpoints
 * append chunk rows once and reads find the pages in the OS page cache anyway. In process (100k
 * series x 60, two checkpoints and reads of 1/7 of the series) 2 MB left the checkpoint time and the
 * reads unchanged and the process 6-7 MB smaller. */
export const DB_CACHE_KIB = 2048;

export class MetricsStore {
  readonly db: Db;
  readonly sql: Statements;
  readonly index = new SeriesIndex();
  readonly heads = new Heads();
  readonly metadata = new Map<string, MetricMetadata>();
  readonly labelPairs: LabelPairIds;
  readonly clock: () => number;
  readonly limits: Limits;
  readonly oooWindowMs: number;
  readonly wal: WriteAheadLog;
  /** /api/v1/status/walreplay: the log segments replayed at start-up, as 2.42's head.Init counts
   * them (up to the one opened for writing, replayed empty there too); replay ends before the server
   * listens, so `current` is `max`. */
  readonly walReplay: { min: number; max: number; current: number };
  /** Exemplars of all series, in memory only (see exemplar-store.ts). */
  readonly exemplars: ExemplarStore;
  private readonly uncompress: (buf: Uint8Array) => Uint8Array;
  private readonly checkpointSealedBytes: number;
  private readonly maxUnpersistedBytes: number;
  private readonly onCheckpointError: (err: Error, consecutiveFailures: number) => void;
  private seq = 1;
  private checkpointScheduled = false;
  private dirtyMetadata = new Set<string>();
  private dirtyExpiry = new Set<number>();
  /** Set once any series has had a TTL (a push with ttl_seconds, a stored or revived row with an
   * expiry): until then appendSample() has no expiry to clear and skips the lookup. */
  ttlSeen = false;
  private newSeries: number[] = [];
  private readonly rw: RemoteWriteAppender;
  /** Stripes with rows written before migration 6 (store-load.ts): moved by the next checkpoint. */
  readonly legacy: LegacyStripes = { series: new Set(), heads: new Set() };
  readonly nextSeq = () => this.seq++;
  stats = { samplesAppended: 0, checkpoints: 0, checkpointFailures: 0 };
  /** Failed checkpoints since the last good one, the last one's message, and when to retry. */
  readonly checkpointTrouble = { consecutiveFailures: 0, lastError: '', retryAtMs: 0 };

  constructor(options: StoreOptions) {
    this.db = options.db;
    this.db.pragma(`cache_size = -${DB_CACHE_KIB}`);
    this.sql = prepareStatements(this.db);
    const sql = this.sql;
    this.labelPairs = new LabelPairIds({
      idOf: (name, value) => (sql.labelPairId.get(name, value) as { id: number } | undefined)?.id,
      pairOf: (id) => {
        const row = sql.labelPairById.get(id) as { name: string; value: string } | undefined;
        return row && [row.name, row.value];
      },
    });
    this.clock = options.clock ?? Date.now;
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.oooWindowMs = options.outOfOrderWindowMs ?? 3600_000;
    this.uncompress = options.uncompressSnappy;
    this.checkpointSealedBytes = options.checkpointSealedBytes ?? 64 * 1024 * 1024;
    this.maxUnpersistedBytes = options.maxUnpersistedBytes ?? 4 * this.checkpointSealedBytes;
    this.onCheckpointError = options.onCheckpointError ?? (() => {});
    this.exemplars = new ExemplarStore(options.maxExemplars ?? DEFAULT_MAX_EXEMPLARS);
    mkdirSync(options.walDir, { recursive: true });
    this.seq = loadStore(this);
    this.rw = new RemoteWriteAppender(this);
    // Replay what the log holds beyond the last checkpoint, then fold it into SQLite.
    let replayed = 0;
    const segments = listSegments(options.walDir);
    for (const rec of readWal(options.walDir)) {
      if (rec.kind === WAL_KIND_REMOTE_WRITE_SNAPPY) this.applyRemoteWrite(this.uncompress(rec.payload));
      else if (rec.kind === WAL_KIND_SAMPLES_JSON) this.applySamples(decodeSamplesRecord(rec.payload));
      replayed++;
    }
    if (replayed === 0) removeEmptyWal(options.walDir);
    this.wal = new WriteAheadLog(options.walDir, options.fsync ?? true, options.walSegmentBytes);
    const opened = this.wal.currentSegment;
    this.walReplay = { min: replayed > 0 ? segments[0] : opened, max: opened, current: opened };
    // A failure (disk full) leaves the replayed data in memory and the log as it is: the service
    // starts, answers queries and accepts writes up to maxUnpersistedBytes.
    if (replayed > 0 || this.legacy.series.size > 0 || this.legacy.heads.size > 0) this.tryCheckpoint();
  }

  // ---- writes ----------------------------------------------------------------------------------

  /** Appends a snappy-compressed remote_write body. Throws on a corrupt body before logging it. */
  async appendRemoteWrite(compressed: Uint8Array, decompressed?: Uint8Array): Promise<AppendResult> {
    this.refuseWhileBacklogged();
    const raw = decompressed ?? this.uncompress(compressed);
    const result = this.applyRemoteWrite(raw);
    if (result.accepted > 0 || result.duplicates > 0) {
      await this.wal.append(WAL_KIND_REMOTE_WRITE_SNAPPY, compressed);
    }
    this.maybeCheckpoint();
    return result;
  }

  /** Appends samples from scrape, StatsD or JSON push (labels need not be sorted). */
  async appendSamples(samples: PlainSample[]): Promise<AppendResult> {
    this.refuseWhileBacklogged();
    const result = this.applySamples(samples);
    // Duplicates too: a retry after a 503 (failed sync) finds its samples already in memory, and its
    // 204 must wait for a record that holds them.
    if (result.accepted > 0 || result.duplicates > 0)
      await this.wal.append(WAL_KIND_SAMPLES_JSON, encodeSamplesRecord(samples));
    this.maybeCheckpoint();
    return result;
  }

  setMetadata(metric: string, meta: MetricMetadata): void {
    const old = this.metadata.get(metric);
    if (old && old.type === meta.type && old.help === meta.help && old.unit === meta.unit) return;
    this.metadata.set(metric, meta);
    this.dirtyMetadata.add(metric);
  }

  /** A malformed request (ProtobufError) applies nothing: the heads it appended to are rolled back
   * and the series it created are taken back before the error goes on (they had stayed in memory
   * and SQLite without samples, counted against the series limits); a series it revived is evicted again
   * (reviveSeries). Series created by a well-formed request whose samples were all refused stay. */
  private applyRemoteWrite(raw: Uint8Array): AppendResult {
    const result = emptyResult();
    const newBefore = this.newSeries.length;
    this.rw.begin(result);
    this.heads.beginUndo();
    try {
      walkWriteRequest(raw, this.rw);
    } catch (err) {
      this.heads.rollback();
      // Only createSeries() pushes to newSeries, and nothing checkpoints during the walk.
      this.index.discardNew(this.newSeries.splice(newBefore));
      this.index.compactRawKeys();
      this.stats.samplesAppended -= result.accepted;
      this.rw.end(false);
      throw err;
    }
    this.heads.endUndo();
    this.rw.end(true);
    return result;
  }

  private applySamples(samples: PlainSample[]): AppendResult {
    const result = emptyResult();
    for (const s of samples) {
      const labels = sortLabels(s.labels.filter(([, v]) => v !== ''));
      const hash = keyHash(labels);
      let id = this.index.findByKey(labels, hash);
      if (id === undefined) {
        id = this.createSeries(labels, result, hash);
        if (id < 0) continue;
      }
      const info = this.index.byId[id]!;
      if (s.ttlMs !== undefined) {
        const expires = storableExpiryMs(s.t + s.ttlMs);
        this.ttlSeen = true;
        if (info.expiresMs === undefined || expires > info.expiresMs) {
          info.expiresMs = expires;
          this.dirtyExpiry.add(id);
        }
      } else this.clearExpiry(id);
      this.appendToHead(id, s.t, s.stale ? Number.NaN : s.v, result, s.stale === true);
      if (s.exemplar) this.addExemplar(id, s.exemplar);
    }
    return result;
  }

  /** Adds an exemplar to a known series; refused ones (duplicate, out of order) are only counted. */
  addExemplar(id: number, e: Exemplar): void {
    this.exemplars.add(id, () => labelsToObject(this.index.byId[id]!.labels), e);
  }

  /** Creates a series after checking the limits; returns -1 (and records why) when refused.
   * `hash`: keyHash(labels), when the caller has it. */
  createSeries(labels: LabelPairs, result: AppendResult, hash = keyHash(labels)): number {
    const problem = checkNewSeries(labels, this.index, this.limits);
    if (problem) {
      result.rejectedSeries++;
      if (result.errors.length < MAX_ERRORS) result.errors.push(problem);
      return -1;
    }
    const revived = this.index.hasKeyHash(hash) ? reviveSeries(this, labels) : undefined;
    if (revived !== undefined) return revived;
    const id = this.index.nextId;
    this.index.add(id, labels, false, undefined, hash);
    this.newSeries.push(id);
    return id;
  }

  /** Appends a sample that carries no TTL (remote_write): the series becomes permanent again. */
  appendSample(id: number, t: number, v: number, result: AppendResult, stale = false): void {
    if (this.ttlSeen) this.clearExpiry(id);
    this.appendToHead(id, t, v, result, stale);
  }

  /** A sample without a TTL arrived for the series (any protocol): it no longer expires. It kept the
   * old expiry before, and vanished from reads while samples kept arriving. */
  private clearExpiry(id: number): void {
    const info = this.index.byId[id];
    if (info?.expiresMs === undefined) return;
    const expiresMs = info.expiresMs;
    this.heads.onUndo(() => {
      info.expiresMs = expiresMs;
    });
    info.expiresMs = undefined;
    this.dirtyExpiry.add(id);
  }

  private appendToHead(id: number, t: number, v: number, result: AppendResult, stale: boolean): void {
    if (!(t >= -MAX_SAMPLE_TIME_MS && t <= MAX_SAMPLE_TIME_MS)) {
      result.outOfRange++;
      if (result.errors.length < MAX_ERRORS) {
        result.errors.push(
          `sample for ${formatSeries(this.index.byId[id])} at ${t} is outside ±${MAX_SAMPLE_TIME_MS} ms`,
        );
      }
      return;
    }
    const heads = this.heads;
    if (!heads.has(id)) heads.create(id);
    const r = heads.append(id, t, v, this.oooWindowMs, this.nextSeq, stale);
    if (r === APPEND_OK) {
      result.accepted++;
      this.stats.samplesAppended++;
    } else if (r === APPEND_DUPLICATE) result.duplicates++;
    else if (r === APPEND_TOO_OLD) {
      result.tooOld++;
      if (result.errors.length < MAX_ERRORS) {
        result.errors.push(
          `sample for ${formatSeries(this.index.byId[id])} at ${t} is older than the out-of-order window (${this.oooWindowMs} ms behind ${heads.lastT(id)})`,
        );
      }
    }
  }

  /** Why a write should wait (answered 503 + Retry-After), or undefined while writes may go on:
   * more than maxUnpersistedBytes of sealed chunks wait for a checkpoint (checkpoints fail: disk
   * full, I/O error). Once the retry time of a failed checkpoint has come, this runs the retry
   * itself, so the refused senders' retries drive recovery between timer ticks and the first write
   * after a good checkpoint is accepted. Sealed chunks stay under the limit plus what the requests
   * in flight add (scrapes, StatsD and rules are not refused). */
  writeBackpressure(): WriteBackpressure | undefined {
    if (this.heads.sealedBytes <= this.maxUnpersistedBytes) return undefined;
    const trouble = this.checkpointTrouble;
    if (this.clock() >= trouble.retryAtMs) this.tryCheckpoint();
    if (this.heads.sealedBytes <= this.maxUnpersistedBytes) return undefined;
    // Still over: the checkpoint failed now or earlier (a good one leaves no sealed chunk).
    return {
      message: `the store cannot write chunks to disk (${trouble.consecutiveFailures} checkpoints failed, last: ${trouble.lastError}); retry later`,
      retryAfterSeconds: Math.max(1, Math.ceil((trouble.retryAtMs - this.clock()) / 1000)),
    };
  }

  /** Scrapes, StatsD flushes and recording rules are refused like the HTTP writes (their callers
   * report it: the target's error, metrics_statsd_flush_failures_total, the rule's health), so
   * memory stays bounded while checkpoints fail. */
  private refuseWhileBacklogged(): void {
    const busy = this.writeBackpressure();
    if (busy) throw new StoreBackpressureError(busy);
  }

  // ---- checkpoint --------------------------------------------------------------------------------

  private maybeCheckpoint(): void {
    if (this.heads.sealedBytes < this.checkpointSealedBytes || this.checkpointScheduled) return;
    if (this.clock() < this.checkpointTrouble.retryAtMs) return; // a failed one backs off
    this.checkpointScheduled = true;
    setImmediate(() => {
      this.checkpointScheduled = false;
      this.tryCheckpoint();
    });
  }

  /** checkpoint() for background callers: a failure goes to onCheckpointError instead of up (an
   * exception in a timer or setImmediate would end the process). Returns whether it succeeded. */
  tryCheckpoint(): boolean {
    try {
      this.checkpoint();
      return true;
    } catch (err) {
      this.onCheckpointError(err as Error, this.checkpointTrouble.consecutiveFailures);
      return false;
    }
  }

  /** Persists everything in memory and drops the log segments that held it. Synchronous; throws
   * when SQLite fails, after counting the failure and setting the retry time (back-off). Memory
   * and the log are then as before: the heads keep every sample, the log keeps every segment. */
  checkpoint(): void {
    const trouble = this.checkpointTrouble;
    try {
      this.writeCheckpoint();
    } catch (err) {
      this.stats.checkpointFailures++;
      trouble.consecutiveFailures++;
      trouble.lastError = (err as Error).message;
      const backoff = CHECKPOINT_RETRY_MIN_MS * 2 ** Math.min(trouble.consecutiveFailures - 1, 16);
      trouble.retryAtMs = this.clock() + Math.min(CHECKPOINT_RETRY_MAX_MS, backoff);
      throw err;
    }
    trouble.consecutiveFailures = 0;
    trouble.retryAtMs = 0;
    this.stats.checkpoints++;
  }

  private writeCheckpoint(): void {
    const s = this.sql;
    const insertPair = (pairId: number, name: string, value: string) =>
      s.insertLabelPair.run(pairId, name, value);
    const created: SeriesInfo[] = [];
    // Sealed chunks and head snapshots of every stripe with a changed head.
    const heads = this.heads;
    const stripes = new Set(this.legacy.heads);
    for (const id of heads.ids())
      if (heads.isDirty(id) || heads.sealed(id).length > 0) stripes.add(stripeOf(id));
    const write = this.db.transaction(() => {
      // Series rows: new series and new expiry times, grouped by stripe (store-stripes.ts).
      const changed = new Map<number, SeriesRow[]>();
      for (const stripe of this.legacy.series) changed.set(stripe, []);
      const add = (info: SeriesInfo) => {
        const row = {
          id: info.id,
          pairs: this.labelPairs.encodeIds(info.labels, insertPair),
          expiresMs: info.expiresMs,
        };
        const list = changed.get(stripeOf(info.id));
        if (list) list.push(row);
        else changed.set(stripeOf(info.id), [row]);
      };
      for (const id of this.newSeries) {
        const info = this.index.byId[id];
        if (!info || info.persisted) continue;
        add(info);
        created.push(info);
      }
      for (const id of this.dirtyExpiry) {
        const info = this.index.byId[id];
        if (info?.persisted) add(info);
      }
      for (const [stripe, rows] of changed)
        writeSeriesStripe(this, stripe, rows, this.legacy.series.has(stripe));
      for (const name of this.dirtyMetadata) {
        const m = this.metadata.get(name);
        if (m) s.upsertMetadata.run(name, m.type, m.help, m.unit);
      }
      for (const stripe of stripes) writeHeadStripe(this, stripe, this.legacy.heads.has(stripe));
      s.setState.run('next_seq', this.seq);
    });
    this.db.pragma('synchronous = FULL');
    try {
      write.immediate();
      this.labelPairs.commit();
      for (const stripe of stripes) markHeadStripePersisted(heads, stripe);
      for (const info of created) info.persisted = true;
      this.newSeries = [];
      this.dirtyExpiry.clear();
      this.dirtyMetadata.clear();
      this.legacy.series.clear();
      this.legacy.heads.clear();
    } catch (err) {
      this.labelPairs.rollback();
      throw err;
    } finally {
      this.db.pragma('synchronous = NORMAL');
    }
    // Rotate only once the transaction committed: rotate() acknowledges the records still waiting
    // for a sync (this commit holds their samples); a failed checkpoint must leave them to the sync.
    // Nothing can append between the commit and here (all of this is synchronous).
    if (this.wal) this.wal.removeSegments(this.wal.rotate());
  }

  /** A failed last checkpoint is reported, not thrown: the log keeps what it did not persist. */
  async close(): Promise<void> {
    this.tryCheckpoint();
    await this.wal.close();
    this.heads.releaseAll();
  }
}

function emptyResult(): AppendResult {
  return { accepted: 0, duplicates: 0, tooOld: 0, outOfRange: 0, rejectedSeries: 0, errors: [] };
}

export function formatSeries(info: SeriesInfo | undefined): string {
  if (!info) return '{}';
  const rest = info.labels.filter(([n]) => n !== '__name__').map(([n, v]) => `${n}=${JSON.stringify(v)}`);
  return `${info.metric}{${rest.join(',')}}`;
}

function encodeSamplesRecord(samples: PlainSample[]): Uint8Array {
  // Values may be NaN/±Inf, which JSON cannot hold: write them as strings; a staleness marker
  // as the string "stale" (a NaN's payload does not survive JS numbers).
  const rows = samples.map((s) => [
    s.labels,
    s.t,
    s.stale ? 'stale' : Number.isFinite(s.v) ? s.v : String(s.v),
    s.ttlMs ?? null,
  ]);
  return Buffer.from(JSON.stringify(rows));
}

function decodeSamplesRecord(payload: Uint8Array): PlainSample[] {
  const rows = JSON.parse(Buffer.from(payload).toString('utf8')) as [
    LabelPairs,
    number,
    number | string,
    number | null,
  ][];
  return rows.map(([labels, t, v, ttl]) =>
    v === 'stale'
      ? { labels, t, v: Number.NaN, stale: true, ttlMs: ttl ?? undefined }
      : { labels, t, v: Number(v), ttlMs: ttl ?? undefined },
  );
}

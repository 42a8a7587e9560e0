// Builds the ingestion side of the collector for app.ts: the store (with its log in DATA_DIR), the
// ingest routes, the scrape manager and the StatsD listener, with start/stop tied to the app.
import { hash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { uncompressSync } from 'snappy';
import type { AppDeps } from '../app.js';
import { parseScrapeConfig, type ScrapeConfig, ScrapeConfigError } from '../scrape/scrape-config.js';
import { ScrapeManager } from '../scrape/scrape-manager.js';
import { StatsdServer } from '../statsd/statsd-server.js';
import { parseLimits } from '../store/limits.js';
import { MetricsStore } from '../store/metrics-store.js';
import { parseRetention, RetentionJob } from '../store/retention.js';
import { StoreMaintenance } from '../store/store-maintenance.js';
import { StoreSampleSource } from '../store/store-read.js';
import { registerIngestRoutes } from './ingest-routes.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The ingestion side (store, sample source, scrape manager), for other routes and tests. */
    ingestion: Ingestion;
  }
}

const CHECKPOINT_INTERVAL_MS = 5 * 60_000;

export function uncompressSnappy(buf: Uint8Array): Uint8Array {
  return uncompressSync(buf, { asBuffer: true, copyOutputData: true }) as Buffer;
}

/** Accepts any of `keys` (empty ones never match), comparing in constant time like the shared
 * keysMatch() but hashing the presented key once for all of them: keysMatch per key hashed it
 * twice for an ingest key (~4.7 vs ~1.6 us per remote_write request). */
export function ingestKeyCheck(keys: string[]): (key: string | undefined) => boolean {
  const expected = keys.filter(Boolean).map((k) => hash('sha256', k, 'buffer'));
  return (key) => {
    if (key === undefined) return false;
    const presented = hash('sha256', key, 'buffer');
    let ok = false;
    for (const digest of expected) if (timingSafeEqual(presented, digest)) ok = true;
    return ok;
  };
}

export interface Ingestion {
  store: MetricsStore;
  source: StoreSampleSource;
  scrapeManager: ScrapeManager;
  statsd?: StatsdServer;
  maintenance: StoreMaintenance;
}

/** The scrape config: the file when SCRAPE_CONFIG names one, else the three FlowRent services. */
export function loadScrapeConfig(config: AppDeps['config']): ScrapeConfig {
  if (config.SCRAPE_CONFIG) {
    let text: string;
    try {
      text = readFileSync(config.SCRAPE_CONFIG, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new ScrapeConfigError(`${config.SCRAPE_CONFIG} cannot be read (${code})`);
    }
    return parseScrapeConfig(text, dirname(config.SCRAPE_CONFIG));
  }
  const token = config.SCRAPE_TOKEN || config.METRICS_TOKEN || undefined;
  const job = (jobName: string, url: string) => ({
    jobName,
    intervalMs: config.SCRAPE_INTERVAL,
    timeoutMs: Math.min(10_000, config.SCRAPE_INTERVAL),
    metricsPath: '/metrics',
    scheme: 'http' as const,
    params: {},
    honorLabels: false,
    honorTimestamps: true,
    bearerToken: token,
    staticConfigs: [{ targets: [url], labels: {} }],
    fileSdFiles: [],
  });
  return {
    jobs: [
      job('metrics-collector', config.METRICS_COLLECTOR_URL),
      job('error-tracker', config.ERROR_TRACKER_URL),
      job('log-viewer', config.LOG_VIEWER_URL),
    ],
  };
}

export function setupIngestion(app: FastifyInstance, deps: AppDeps): Ingestion {
  const { config, clock } = deps;
  const store = new MetricsStore({
    db: deps.db,
    walDir: join(config.DATA_DIR, 'metrics-wal'),
    clock,
    limits: parseLimits(config.SERIES_LIMITS),
    outOfOrderWindowMs: config.OUT_OF_ORDER_WINDOW,
    fsync: config.WAL_FSYNC,
    checkpointSealedBytes: Math.ceil(config.MAX_UNPERSISTED_BYTES / 4),
    maxUnpersistedBytes: config.MAX_UNPERSISTED_BYTES,
    onCheckpointError: (err, consecutiveFailures) =>
      app.log.error(
        { err, consecutiveFailures },
        'checkpoint failed; the head and the write-ahead log keep the data, retrying with back-off',
      ),
    uncompressSnappy,
  });
  const source = new StoreSampleSource(store);
  const scrapeManager = new ScrapeManager({
    config: loadScrapeConfig(config),
    store,
    clock,
    // product/version, the shape of Prometheus' own ("Prometheus/2.42.0+ds").
    userAgent: `flowrent-metrics-collector/${deps.version}`,
    externalUrl: config.METRICS_COLLECTOR_URL,
    listenPort: config.PORT,
    onFileSdError: (path, err) =>
      app.log.error({ err, path }, 'file_sd file cannot be read; its last good targets stay'),
  });
  const retention = new RetentionJob(store, parseRetention(config.RETENTION, config.RETENTION_OVERRIDES), {
    maxDiskBytes: config.MAX_DISK_BYTES,
  });
  const maintenance = new StoreMaintenance({
    store,
    retention,
    clock,
    intervalMs: CHECKPOINT_INTERVAL_MS,
    onRetentionError: (err) => app.log.error({ err }, 'retention pass failed; the next one retries'),
  });
  registerIngestRoutes(app, {
    store,
    uncompressSnappy,
    scrapeManager,
    clock,
    registry: deps.registry,
    ingestAuth: ingestKeyCheck([config.API_KEY, config.INGEST_API_KEY]),
  });
  const statsd =
    config.STATSD_PORT > 0
      ? new StatsdServer({
          host: config.STATSD_HOST,
          port: config.STATSD_PORT,
          store,
          clock,
          flushIntervalMs: config.STATSD_FLUSH_INTERVAL,
          idleTtlMs: config.STATSD_IDLE_TTL,
          onFlushError: (err) =>
            app.log.error({ err }, 'StatsD flush failed; the next flush writes the values again'),
        })
      : undefined;
  const r = deps.registry;
  r.gauge('metrics_active_series', 'Series known to the store.', (g) => g.set({}, store.index.size));
  r.counter('metrics_samples_appended_total', 'Samples appended since start.', (c) =>
    c.setTotal({}, store.stats.samplesAppended),
  );
  r.counter('metrics_checkpoints_total', 'Checkpoints written since start.', (c) =>
    c.setTotal({}, store.stats.checkpoints),
  );
  r.counter(
    'metrics_checkpoint_failures_total',
    'Checkpoints that failed (disk full, I/O error) since start; the log kept their data.',
    (c) => c.setTotal({}, store.stats.checkpointFailures),
  );
  r.gauge(
    'metrics_checkpoint_consecutive_failures',
    'Checkpoints failed since the last good one (0 while checkpoints succeed).',
    (g) => g.set({}, store.checkpointTrouble.consecutiveFailures),
  );
  r.gauge(
    'metrics_unpersisted_sealed_bytes',
    'Bytes of sealed chunks waiting in memory for a checkpoint; writes get 503 above MAX_UNPERSISTED_BYTES.',
    (g) => g.set({}, store.heads.sealedBytes),
  );
  r.counter('metrics_retention_failures_total', 'Retention passes that failed since start.', (c) =>
    c.setTotal({}, maintenance.retentionFailures),
  );
  r.counter('metrics_wal_fsyncs_total', 'Group-commit fdatasync calls of the write-ahead log.', (c) =>
    c.setTotal({}, store.wal.stats.syncs),
  );
  r.counter(
    'metrics_wal_writes_total',
    'writev calls of the write-ahead log (each carries the records queued meanwhile).',
    (c) => c.setTotal({}, store.wal.stats.writes),
  );
  r.counter('metrics_wal_fsync_seconds_total', 'Time spent in those fdatasync calls.', (c) =>
    c.setTotal({}, store.wal.stats.syncMs / 1000),
  );
  r.counter(
    'metrics_sd_file_read_errors_total',
    'file_sd reads that failed (the file keeps its last good targets), as prometheus_sd_file_read_errors_total.',
    (c) => c.setTotal({}, scrapeManager.stats.fileSdReadErrors),
  );
  r.counter('metrics_exemplars_appended_total', 'Exemplars kept since start.', (c) =>
    c.setTotal({}, store.exemplars.stats.added),
  );
  r.counter(
    'metrics_exemplars_dropped_total',
    'Exemplars dropped as duplicate, out of order or too long, since start.',
    (c) => {
      const s = store.exemplars.stats;
      c.setTotal({ reason: 'duplicate' }, s.duplicates);
      c.setTotal({ reason: 'out_of_order' }, s.outOfOrder);
      c.setTotal({ reason: 'too_long' }, s.tooLong);
    },
  );
  if (statsd) {
    r.counter(
      'metrics_statsd_dropped_total',
      'StatsD lines dropped: unparsable, a negative counter increment (a counter is monotonic), or a name already written as another type, since start.',
      (c) => {
        c.setTotal({ reason: 'bad_line' }, statsd.badLines);
        c.setTotal({ reason: 'negative_counter' }, statsd.aggregator.negativeCounters);
        c.setTotal({ reason: 'type_conflict' }, statsd.aggregator.typeConflicts);
      },
    );
    r.counter(
      'metrics_statsd_idle_series_total',
      'StatsD series ended with a staleness marker after STATSD_IDLE_TTL without an update.',
      (c) => c.setTotal({}, statsd.aggregator.expired),
    );
    r.counter('metrics_statsd_flush_failures_total', 'Timed StatsD flushes whose write failed.', (c) =>
      c.setTotal({}, statsd.flushFailures),
    );
  }
  app.addHook('onReady', async () => {
    await statsd?.start();
    scrapeManager.start();
    maintenance.start();
  });
  app.addHook('onClose', async () => {
    maintenance.stop();
    scrapeManager.stop();
    await statsd?.stop();
    await store.close();
  });
  const ingestion = { store, source, scrapeManager, statsd, maintenance };
  app.decorate('ingestion', ingestion);
  return ingestion;
}

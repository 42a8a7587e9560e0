// Settings of the metrics collector: the shared ones plus its own. Read once in main.ts.
import { baseConfig, type ConfigOf, defineConfig, parsers, setting } from '@flowrent/shared/config';

export const configTable = defineConfig({
  ...baseConfig,
  STATSD_PORT: setting(
    parsers.integer(0, 65535),
    8125,
    'UDP port for StatsD/DogStatsD datagrams (0 disables)',
  ),
  STATSD_HOST: setting(parsers.string, '0.0.0.0', 'address the StatsD listener binds'),
  SCRAPE_CONFIG: setting(
    parsers.string,
    '',
    'path to a prometheus.yml-style scrape config; empty scrapes the three services',
  ),
  SCRAPE_INTERVAL: setting(parsers.duration, 15_000, 'default scrape interval'),
  SCRAPE_TOKEN: setting(
    parsers.string,
    '',
    'bearer token for the default /metrics targets (empty: METRICS_TOKEN)',
  ),
  STATSD_FLUSH_INTERVAL: setting(parsers.duration, 10_000, 'how often StatsD aggregates are written'),
  STATSD_IDLE_TTL: setting(
    parsers.durationOrZero,
    300_000,
    'a StatsD series not updated for this long ends with a staleness marker and is no longer written (0: never)',
  ),
  INGEST_API_KEY: setting(
    parsers.secretKey,
    '',
    'key accepted (besides API_KEY) by /api/v1/write and /api/metrics',
  ),
  OUT_OF_ORDER_WINDOW: setting(
    parsers.duration,
    3_600_000,
    'accept samples this far behind a series’ newest',
  ),
  RETENTION: setting(parsers.string, 'raw=15d,5m=90d,1h=730d', 'retention per resolution'),
  RETENTION_OVERRIDES: setting(parsers.string, '', 'raw retention per metric regex, e.g. "debug_.*=1d;x=7d"'),
  MAX_DISK_BYTES: setting(parsers.bytes, 0, 'size cap of the database; oldest chunks go first (0: none)'),
  MAX_UNPERSISTED_BYTES: setting(
    parsers.bytes,
    256 * 1024 * 1024,
    'sealed chunks waiting in memory for a checkpoint beyond which writes get 503 + Retry-After (a checkpoint starts at a quarter of it)',
  ),
  WAL_FSYNC: setting(parsers.boolean, true, 'fdatasync the write-ahead log before acknowledging a write'),
  SERIES_LIMITS: setting(
    parsers.string,
    '',
    'e.g. "labels=64,value_length=4096,per_metric=200000,total=5000000"',
  ),
  RULE_FILES: setting(
    parsers.string,
    '',
    'comma-separated Prometheus rule files (recording and alerting rules)',
  ),
  RULE_EVALUATION_INTERVAL: setting(parsers.duration, 60_000, 'default rule group evaluation interval'),
  ALERT_WEBHOOK_URLS: setting(
    parsers.string,
    '',
    'comma-separated webhooks that get Alertmanager-format alerts',
  ),
});

export type Config = ConfigOf<typeof configTable>;

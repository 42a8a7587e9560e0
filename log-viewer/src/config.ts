// Settings of the log viewer: the shared ones plus its own. Read once in main.ts.
import { baseConfig, type ConfigOf, defineConfig, parsers, setting } from '@flowrent/shared/config';
import type { Db } from '@flowrent/shared/db';

/**
 * SQLite page cache of the log database, KiB (better-sqlite3's default is 16 000). Blocks are written
 * once and read back as ~190 KB blobs that the OS page cache serves anyway, while a full 16 MB cache
 * in the main thread's malloc arena, filled during ingest among the short-lived request buffers, kept
 * that arena from shrinking: in-process peak RSS over 1.2 M lines 177-186 -> 154-160 MB.
 */
export const DB_CACHE_KIB = 2000;

/** Connection settings of the log database (main.ts; the bench server does the same). */
export function tuneDatabase(db: Db): void {
  db.pragma(`cache_size = -${DB_CACHE_KIB}`);
}

/** `checkout=3d,payments=30d` → { checkout: ms, payments: ms }; `audit=0` keeps that service forever. */
const perServiceDurations = (raw: string): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const part of raw.split(',').filter((p) => p.trim())) {
    const [service, value] = part.split('=').map((s) => s.trim());
    if (!service || !value)
      throw new Error('expected service=duration pairs such as checkout=3d,payments=30d,audit=0');
    out[service] = parsers.durationOrZero(value);
  }
  return out;
};

export const configTable = defineConfig({
  ...baseConfig,
  INGEST_API_KEY: setting(
    parsers.secretKey,
    '',
    'write-only key accepted (besides API_KEY) by the ingest endpoints',
  ),
  INGEST_WORKERS: setting(
    parsers.integer(0, 16),
    2,
    'worker threads that parse ingest bodies (NDJSON, OTLP, Loki, Elasticsearch bulk) and build blocks (0: all on the main thread)',
  ),
  LOG_RETENTION: setting(
    parsers.durationOrZero,
    7 * 86_400_000,
    'drop log blocks older than this (0 keeps them forever)',
  ),
  LOG_RETENTION_MAX_BYTES: setting(
    parsers.bytes,
    0,
    'drop the oldest log blocks beyond this stored size (bytes; 0 = no cap)',
  ),
  LOG_RETENTION_PER_SERVICE: setting(
    perServiceDurations,
    {},
    'per-service age limits, e.g. checkout=3d,payments=30d',
  ),
});

export type Config = ConfigOf<typeof configTable>;

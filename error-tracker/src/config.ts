// Settings of the error tracker: the shared ones plus its own. Read once in main.ts.
import { baseConfig, type ConfigOf, defineConfig, parsers, setting } from '@flowrent/shared/config';
import { isUsablePublicKey, PUBLIC_KEY_RULE } from './service/sentry-auth.js';

export const configTable = defineConfig({
  ...baseConfig,
  EVENT_MAX_AGE: setting(
    parsers.duration,
    90 * 86_400_000,
    'events older than this are pruned (a duration such as 90d or 12h; a bare number is seconds)',
  ),
  MAX_EVENTS_PER_ISSUE: setting(
    parsers.integer(0),
    10_000,
    'stored events kept per issue, oldest pruned first (0 = no cap)',
  ),
  INGEST_MAX_PENDING: setting(
    parsers.integer(1),
    20_000,
    'accepted-but-ungrouped events before ingest answers 429',
  ),
  INGEST_MAX_IN_FLIGHT: setting(
    parsers.integer(1),
    256,
    'ingest requests at once, counted from their first byte, before 429 (bounds memory)',
  ),
  INGEST_MAX_BUFFERED_BYTES: setting(
    parsers.bytes,
    32 * 1024 * 1024,
    'body bytes the ingest requests in flight may hold at once before 429 (a size such as 32MB; one request alone is always taken)',
  ),
  TRUST_PROXY: setting(
    parseTrustProxy,
    false,
    "reverse proxies whose X-Forwarded-For gives the client IP (browser SDKs' user.ip_address {{auto}}): false, true (any), or addresses/CIDRs separated by commas",
  ),
  INGEST_WORKERS: setting(
    parsers.integer(0, 16),
    1,
    'worker threads that parse and prepare events (0 = on the main thread)',
  ),
  DIGEST_BATCH: setting(
    parsers.integer(1, 10_000),
    200,
    'inbox entries grouped per background transaction (on the store worker)',
  ),
  DEFAULT_PROJECT_KEY: setting(
    parsePublicKey,
    '',
    `public DSN key of the default project created on first start (random if empty): ${PUBLIC_KEY_RULE}`,
  ),
  ALERT_MAX_ATTEMPTS: setting(
    parsers.integer(1, 20),
    6,
    'webhook delivery attempts before an alert is marked failed',
  ),
  MAINTENANCE_INTERVAL: setting(
    parsers.duration,
    60_000,
    'how often retention pruning and ignore expiry run (a duration such as 60s or 5m; a bare number is seconds)',
  ),
});

export type Config = ConfigOf<typeof configTable>;

function parsePublicKey(raw: string): string {
  if (!isUsablePublicKey(raw))
    throw new Error(`must be ${PUBLIC_KEY_RULE}; SDKs refuse DSNs with other keys`);
  return raw;
}

function parseTrustProxy(raw: string): boolean | string {
  const v = raw.trim();
  if (/^(false|no|off|0)?$/i.test(v)) return false;
  if (/^(true|yes|on|1)$/i.test(v)) return true;
  if (!/^[\da-fA-F.:/]+(\s*,\s*[\da-fA-F.:/]+)*$/.test(v)) {
    throw new Error('must be false, true, or IP addresses/CIDRs separated by commas');
  }
  return v;
}

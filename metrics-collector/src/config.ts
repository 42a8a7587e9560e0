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
  SCRAPE_INTERVAL: setting(parsers.duration, 15_000, 'default scrape interval (ms)'),
});

export type Config = ConfigOf<typeof configTable>;

// Starts the collector on 127.0.0.1:0 with a temp data folder, no StatsD listener and an empty
// scrape config unless a test asks for them.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, startTestApp, type TestApp } from '@flowrent/shared/testing';
import { createApp } from '../src/app.js';
import { type Config, configTable } from '../src/config.js';

export async function startCollector(
  env: Record<string, string> = {},
  clock?: () => number,
): Promise<TestApp<Config>> {
  const dir = makeTempDir('collector-config-');
  const scrapeConfig = join(dir, 'scrape.yml');
  writeFileSync(scrapeConfig, 'scrape_configs: []\n');
  return startTestApp({
    configTable,
    migrationsDir: new URL('../migrations/', import.meta.url),
    databaseFile: 'metrics.db',
    createApp,
    env: { STATSD_PORT: '0', SCRAPE_CONFIG: scrapeConfig, ...env },
    clock,
  });
}

/** POSTs a JSON batch to the push API (`POST /api/metrics`) as the admin. */
export function pushMetrics(t: TestApp<Config>, metrics: unknown[]): Promise<Response> {
  return fetch(`${t.url}/api/metrics`, {
    method: 'POST',
    headers: { ...t.adminHeaders, 'content-type': 'application/json' },
    body: JSON.stringify({ metrics }),
  });
}

/** POSTs a snappy'd remote_write body to /api/v1/write with Prometheus' headers, as the admin. */
export function postRemoteWrite(t: TestApp<Config>, body: Buffer): Promise<Response> {
  return fetch(`${t.url}/api/v1/write`, {
    method: 'POST',
    headers: {
      ...t.adminHeaders,
      'content-type': 'application/x-protobuf',
      'content-encoding': 'snappy',
      'x-prometheus-remote-write-version': '0.1.0',
    },
    body,
  });
}

/** Sends one remote_write body to Prometheus and to the collector (as the admin): the oracle
 * tests' shared data. Both must answer 204. */
export async function remoteWriteToBoth(
  prometheusBase: string,
  t: TestApp<Config>,
  body: Buffer,
): Promise<void> {
  for (const [url, extra] of [
    [`${prometheusBase}/api/v1/write`, {}],
    [`${t.url}/api/v1/write`, t.adminHeaders],
  ] as const) {
    const r = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-protobuf',
        'content-encoding': 'snappy',
        'x-prometheus-remote-write-version': '0.1.0',
        ...extra,
      },
      body,
    });
    assert.equal(r.status, 204, await r.text());
  }
}

export const FIXTURES = decodeURIComponent(new URL('./fixtures/metrics/', import.meta.url).pathname);

export interface HttpFixture {
  headers: Record<string, string>;
  body_base64: string;
  url: string;
}

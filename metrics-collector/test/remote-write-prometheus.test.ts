// Debian's Prometheus 2.42 scrapes the collector's own /metrics on loopback and remote-writes the
// result to the collector's /api/v1/write; the samples must arrive with Prometheus' labels.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeTempDir, TEST_API_KEY } from '@flowrent/shared/testing';
import { startCollector } from './ingest-helpers.js';

const PROMETHEUS = '/usr/bin/prometheus';

test('Prometheus 2.42 remote_write delivers scraped samples to the collector', {
  skip: !existsSync(PROMETHEUS),
}, async () => {
  const t = await startCollector();
  const dir = makeTempDir('prometheus-rw-');
  const target = new URL(t.url).host;
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global: {scrape_interval: 1s, external_labels: {cluster: test}}
scrape_configs:
  - job_name: collector
    static_configs: [{targets: ['${target}']}]
remote_write:
  - url: ${t.url}/api/v1/write
    authorization: {credentials: ${TEST_API_KEY}}
    queue_config: {batch_send_deadline: 1s, min_backoff: 100ms, max_backoff: 1s}
`,
  );
  let prom: ChildProcess | undefined;
  try {
    prom = spawn(
      PROMETHEUS,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        '--web.listen-address=127.0.0.1:0',
        '--log.level=warn',
      ],
      { stdio: 'ignore' },
    );
    const source = t.app.ingestion.source;
    const up = () =>
      source.select(
        [
          { name: '__name__', type: '=', value: 'up' },
          { name: 'job', type: '=', value: 'collector' },
        ],
        0,
        Date.now() + 60_000,
      );
    // Waits for an event from another process: poll the store, bounded by the test's own deadline.
    for (let i = 0; i < 300 && up().length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    const series = up();
    assert.equal(series.length, 1, 'no up{job="collector"} arrived from Prometheus');
    assert.deepEqual(series[0].labels, {
      __name__: 'up',
      cluster: 'test',
      instance: target,
      job: 'collector',
    });
    assert.equal(series[0].values.at(-1), 1);
    const rss = source.select(
      [
        { name: '__name__', type: '=', value: 'process_resident_memory_bytes' },
        { name: 'cluster', type: '=', value: 'test' },
      ],
      0,
      Date.now() + 60_000,
    );
    assert.ok(rss[0].values[0] > 1e6, 'the collector’s own gauges came back through Prometheus');
  } finally {
    prom?.kill('SIGTERM');
    await t.close();
  }
});

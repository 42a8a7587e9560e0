// /api/v1/targets/metadata as Debian's Prometheus 2.42 answers it: the same two jobs (text format
// and OpenMetrics) scraping the same loopback server, then the same queries to both. 2.42 walks Go
// maps, so its order is random: entries are compared as sorted lists, and `limit` only where one
// target is asked for. /api/v1/status/walreplay: the same keys, current = max after start-up.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeTempDir, type TestApp } from '@flowrent/shared/testing';
import type { Config } from '../src/config.js';
import { startCollector } from './ingest-helpers.js';
import { type PrometheusProcess, prometheusAvailable, startPrometheus } from './prometheus-process.js';

const TEXT = `# HELP http_requests_total Requests "served".\\n second \\\\ done
# TYPE http_requests_total counter
http_requests_total{code="200"} 5
# TYPE temp_celsius gauge
# UNIT temp_celsius celsius
temp_celsius 21
# HELP only_help Has help only
only_help 1
no_metadata 3
# TYPE old_style untyped
old_style 4
# TYPE lat_seconds histogram
lat_seconds_bucket{le="1"} 1
lat_seconds_bucket{le="+Inf"} 2
lat_seconds_sum 3
lat_seconds_count 2
`;
const OPEN_METRICS = `# TYPE om_bytes gauge
# UNIT om_bytes bytes
# HELP om_bytes Bytes in use.
om_bytes 42
# TYPE om_events counter
om_events_total 7
# TYPE om_info info
om_info_info{v="1"} 1
# TYPE om_unknown unknown
om_unknown 1
# EOF
`;

const QUERIES = [
  '',
  'metric=temp_celsius',
  'metric=http_requests_total',
  'metric=om_bytes',
  'metric=lat_seconds',
  'metric=lat_seconds_bucket',
  'metric=no_metadata',
  'metric=nope',
  'metric=',
  'match_target={job="om"}&limit=1',
  'match_target={job="text"}&limit=0',
  'match_target={job="text"}&limit=-1&metric=old_style',
  'match_target={env="dev"}',
  'match_target={env=""}',
  'match_target={env!="dev"}&metric=om_bytes',
  'match_target={job=~"o."}',
  'match_target={}',
  'match_target={x=""}&metric=om_events',
  'match_target=up',
  'limit=0',
  'limit=abc',
  'limit=1.5',
  'match_target={job="om"',
  'match_target={job=~"("}',
];

async function ask(base: string, qs: string, headers: Record<string, string> = {}) {
  const r = await fetch(`${base}/api/v1/targets/metadata?${encodeURI(qs)}`, { headers });
  const body = (await r.json()) as { status: string; data?: unknown[]; errorType?: string; error?: string };
  return {
    status: r.status,
    body: { ...body, data: body.data?.map((e) => JSON.stringify(e)).sort() },
  };
}

function scrapeConfig(port: number): string {
  return `scrape_configs:
  - job_name: text
    scrape_interval: 1s
    static_configs:
      - targets: ["127.0.0.1:${port}"]
        labels: {env: dev}
  - job_name: om
    scrape_interval: 1s
    metrics_path: /om
    static_configs:
      - targets: ["127.0.0.1:${port}"]
`;
}

describe('/api/v1/targets/metadata as Prometheus 2.42', {
  skip: !prometheusAvailable && 'prometheus not installed',
}, () => {
  let server: Server;
  let prometheus: PrometheusProcess;
  let t: TestApp<Config>;
  before(async () => {
    server = createServer((req, res) => {
      const om = req.url?.startsWith('/om');
      res.setHeader(
        'content-type',
        om ? 'application/openmetrics-text; version=1.0.0; charset=utf-8' : 'text/plain; version=0.0.4',
      );
      res.end(om ? OPEN_METRICS : TEXT);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const config = scrapeConfig((server.address() as AddressInfo).port);
    prometheus = await startPrometheus([], `global:\n  evaluation_interval: 1m\n${config}`);
    const dir = makeTempDir('targets-metadata-oracle-');
    writeFileSync(join(dir, 'scrape.yml'), config);
    t = await startCollector({ SCRAPE_CONFIG: join(dir, 'scrape.yml') });
    await t.app.ingestion.scrapeManager.scrapeRound(Date.now());
    for (let i = 0; (await ask(prometheus.base, '')).body.data?.length !== 9; i++) {
      assert.ok(i < 200, 'prometheus never scraped both targets');
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  after(async () => {
    prometheus?.stop();
    await t?.close();
    server?.close();
  });

  for (const qs of QUERIES) {
    it(`?${qs}`, async () => {
      assert.deepEqual(await ask(t.url, qs, t.adminHeaders), await ask(prometheus.base, qs));
    });
  }

  it('takes GET only, as 2.42 routes it', async () => {
    const ours = await fetch(`${t.url}/api/v1/targets/metadata`, { method: 'POST', headers: t.adminHeaders });
    const theirs = await fetch(`${prometheus.base}/api/v1/targets/metadata`, { method: 'POST' });
    assert.equal(ours.status, theirs.status);
  });

  it('/api/v1/status/walreplay has the same keys, replay done', async () => {
    const ours = await (await fetch(`${t.url}/api/v1/status/walreplay`, { headers: t.adminHeaders })).json();
    const theirs = await (await fetch(`${prometheus.base}/api/v1/status/walreplay`)).json();
    assert.deepEqual(Object.keys(ours.data), Object.keys(theirs.data));
    assert.equal(ours.status, theirs.status);
    assert.equal(ours.data.current, ours.data.max);
    assert.equal(theirs.data.current, theirs.data.max);
  });
});

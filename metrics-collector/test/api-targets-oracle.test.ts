// /api/v1/targets filters as Debian's Prometheus 2.42 applies them (on loopback, the same one
// scrape job in both): `state` active/dropped/any/"" in any case, any other value giving two
// empty lists, the first of repeated parameters, and `scrapePool`. Target details (health, last
// scrape) differ by timing and are not compared: only which targets each list holds.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeTempDir, type TestApp } from '@flowrent/shared/testing';
import type { Config } from '../src/config.js';
import { startCollector } from './ingest-helpers.js';
import { type PrometheusProcess, prometheusAvailable, startPrometheus } from './prometheus-process.js';

// Port 1 on loopback: nothing listens, the scrape fails, the target is listed all the same.
const JOB =
  '  - job_name: j\n    scrape_interval: 1h\n    static_configs:\n      - targets: ["127.0.0.1:1"]\n';

const QUERIES = [
  '',
  'state=',
  'state=active',
  'state=ACTIVE',
  'state=Any',
  'state=any',
  'state=dropped',
  'state=foo',
  'state=activex',
  'state=any&state=foo',
  'state=foo&state=any',
  'scrapePool=j',
  'scrapePool=',
  'scrapePool=zz',
  'state=active&scrapePool=j',
  'state=active&scrapePool=zz',
  'state=dropped&scrapePool=j',
];

type Listing = { activeTargets: { scrapePool: string; scrapeUrl: string }[]; droppedTargets: unknown[] };

async function targets(base: string, qs: string, headers: Record<string, string> = {}) {
  const r = await fetch(`${base}/api/v1/targets?${qs}`, { headers });
  const body = (await r.json()) as { status: string; data: Listing };
  return {
    status: r.status,
    body: body.status,
    active: body.data.activeTargets.map((t) => `${t.scrapePool} ${t.scrapeUrl}`),
    dropped: body.data.droppedTargets.length,
  };
}

describe('/api/v1/targets filters as Prometheus 2.42', {
  skip: !prometheusAvailable && 'prometheus not installed',
}, () => {
  let prometheus: PrometheusProcess;
  let t: TestApp<Config>;
  before(async () => {
    prometheus = await startPrometheus([], `global:\n  evaluation_interval: 1m\nscrape_configs:\n${JOB}`);
    const dir = makeTempDir('targets-oracle-');
    writeFileSync(join(dir, 'scrape.yml'), `scrape_configs:\n${JOB}`);
    t = await startCollector({ SCRAPE_CONFIG: join(dir, 'scrape.yml') });
    // Prometheus' discovery hands the static target over asynchronously after start-up.
    for (let i = 0; (await targets(prometheus.base, '')).active.length === 0; i++) {
      assert.ok(i < 200, 'prometheus never listed its target');
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  after(async () => {
    prometheus?.stop();
    await t?.close();
  });

  for (const qs of QUERIES) {
    it(`?${qs}`, async () => {
      const theirs = await targets(prometheus.base, qs);
      const ours = await targets(t.url, qs, t.adminHeaders);
      assert.deepEqual(ours, theirs);
    });
  }
});

// Entries as 2.42 writes them (black-box finding 18): discoveredLabels as discovery gave them
// (group labels, __scheme__, __metrics_path__, __scrape_interval__/_timeout__, __param_*), not
// rebuilt from the final labels; scrapeInterval and scrapeTimeout as Go durations. The scrape's
// own fields (health, lastError, lastScrape, lastScrapeDuration) depend on timing: not compared.
const RICH = `  - job_name: probe
    scrape_interval: 1h
    scrape_timeout: 90s
    metrics_path: /probe
    params: {module: [http_2xx]}
    static_configs:
      - targets: ["127.0.0.1:1", "127.0.0.1:2"]
        labels: {team: a}
    relabel_configs:
      - {source_labels: [__address__], target_label: __param_target}
      - {source_labels: [__param_target], target_label: instance}
      - {target_label: __address__, replacement: "127.0.0.1:3"}
      - {source_labels: [instance], regex: "127.0.0.1:2", action: drop}
`;

type Entry = Record<string, unknown>;
const TIMING = new Set(['health', 'lastError', 'lastScrape', 'lastScrapeDuration']);

async function entries(base: string, headers: Record<string, string> = {}) {
  const r = await fetch(`${base}/api/v1/targets`, { headers });
  const { data } = (await r.json()) as { data: { activeTargets: Entry[]; droppedTargets: Entry[] } };
  return {
    active: data.activeTargets.map((e) => Object.entries(e).filter(([k]) => !TIMING.has(k))),
    dropped: data.droppedTargets,
  };
}

describe('/api/v1/targets entries as Prometheus 2.42 writes them', {
  skip: !prometheusAvailable && 'prometheus not installed',
}, () => {
  let prometheus: PrometheusProcess;
  let t: TestApp<Config>;
  before(async () => {
    prometheus = await startPrometheus([], `global:\n  evaluation_interval: 1m\nscrape_configs:\n${RICH}`);
    const dir = makeTempDir('targets-oracle-');
    writeFileSync(join(dir, 'scrape.yml'), `scrape_configs:\n${RICH}`);
    // Prometheus' default external URL is this machine's name: globalUrl shows it for loopback.
    t = await startCollector({
      SCRAPE_CONFIG: join(dir, 'scrape.yml'),
      METRICS_COLLECTOR_URL: `http://${hostname()}:5012`,
    });
    for (let i = 0; (await entries(prometheus.base)).active.length === 0; i++) {
      assert.ok(i < 200, 'prometheus never listed its target');
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  after(async () => {
    prometheus?.stop();
    await t?.close();
  });

  it('the same active and dropped entries, field by field and in order', async () => {
    assert.deepEqual(await entries(t.url, t.adminHeaders), await entries(prometheus.base));
  });
});

// A collector with its web UI for the UI tests: a temp data folder, one scrape target (a local HTTP server
// whose metrics carry hostile label values), one rule file, and samples pushed through /api/metrics.
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { makeTempDir, startTestApp, TEST_API_KEY, type TestApp } from '@flowrent/shared/testing';
import { createApp } from '../src/app.js';
import { type Config, configTable } from '../src/config.js';
import { registerMetricsUi } from '../src/http/ui-routes.js';

export const HOSTILE = `<script>alert("label")</script><img src=x onerror="window.__xss='label'">`;
export const HOSTILE_SUMMARY = `<img src=x onerror="window.__xss='summary'">javascript:alert(1)`;
export const API_KEY = TEST_API_KEY;

export interface UiCollector extends TestApp<Config> {
  target: Server;
  /** Scrapes every target once and evaluates the rules, so the pages have something to show. */
  scrapeAndEvaluate(): Promise<void>;
}

export async function startUiCollector(): Promise<UiCollector> {
  const target = createServer((_req, res) => {
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    res.end(`# TYPE demo_jobs_total counter\ndemo_jobs_total{queue=${JSON.stringify(HOSTILE)}} 7\n`);
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  const port = (target.address() as AddressInfo).port;
  const dir = makeTempDir('ui-collector-');
  const scrape = join(dir, 'scrape.yml');
  writeFileSync(
    scrape,
    `global:\n  scrape_interval: 1h\nscrape_configs:\n  - job_name: demo\n    static_configs:\n      - targets: ['127.0.0.1:${port}']\n`,
  );
  const rules = join(dir, 'rules.yml');
  writeFileSync(
    rules,
    [
      'groups:',
      '  - name: ui-test',
      '    interval: 1s',
      '    rules:',
      '      - alert: QueueStuck',
      '        expr: demo_jobs_total > 1',
      '        labels: { severity: page }',
      `        annotations: { summary: ${JSON.stringify(HOSTILE_SUMMARY)} }`,
      '      - record: queue:demo_jobs:sum',
      '        expr: sum(demo_jobs_total)',
      '',
    ].join('\n'),
  );
  const app = await startTestApp({
    configTable,
    migrationsDir: new URL('../migrations/', import.meta.url),
    databaseFile: 'metrics.db',
    env: { STATSD_PORT: '0', SCRAPE_CONFIG: scrape, RULE_FILES: rules },
    createApp: (deps) => {
      const server = createApp(deps);
      // Until app.ts wires the UI itself (registerUi decorates flowrentUi).
      if (!server.hasDecorator('flowrentUi')) registerMetricsUi(server, deps);
      return server;
    },
  });
  return {
    ...app,
    target,
    async scrapeAndEvaluate() {
      const now = Date.now();
      await app.app.ingestion.scrapeManager.scrapeRound(now);
      await app.app.rules?.tick(now + 1000);
    },
    async close() {
      await app.close();
      await new Promise<void>((resolve) => target.close(() => resolve()));
    },
  };
}

/** Pushes `http_requests_total` for three services over the last hour (one sample every 15 s). */
export async function pushRequests(app: TestApp<Config>, nowSeconds = Date.now() / 1000): Promise<void> {
  const metrics = [];
  for (let i = 0; i <= 240; i++) {
    const timestamp = nowSeconds - 3600 + i * 15;
    for (const [k, service] of [HOSTILE, 'checkout', 'search'].entries())
      metrics.push({
        name: 'http_requests_total',
        type: 'counter',
        labels: { service, code: '200' },
        value: i * (20 + 10 * k) + Math.round(i * i * 0.1),
        timestamp,
      });
  }
  const res = await fetch(`${app.url}/api/metrics`, {
    method: 'POST',
    headers: { ...app.adminHeaders, 'content-type': 'application/json' },
    body: JSON.stringify({ metrics }),
  });
  if (res.status !== 204) throw new Error(`push failed: ${res.status} ${await res.text()}`);
}

/** Signs in over HTTP and returns the cookie header and CSRF token. */
export async function signInHttp(app: TestApp<Config>): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(`${app.url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ key: API_KEY, next: '/' }).toString(),
    redirect: 'manual',
  });
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  const page = await (await fetch(`${app.url}/dashboards`, { headers: { cookie } })).text();
  const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(page)?.[1];
  if (!cookie || !csrf) throw new Error('sign-in failed');
  return { cookie, csrf };
}

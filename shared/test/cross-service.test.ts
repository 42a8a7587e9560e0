// The three services as one product, each run as it runs (its main.ts, its own process, its own port on
// loopback): every /metrics is a valid exposition whose counters are typed counter (promtool 2.42 and
// Python's prometheus_client read it), every error they answer has the one {"error": {"code", "message"}}
// shape even when Fastify or Node's HTTP parser produce it, and in real Chromium the theme and the
// Local/UTC choice made on one service's UI are those of the next service the top bar leads to.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type LaunchedBrowser, launchBrowser, saveScreenshot, signIn } from '../src/ui/browser.js';
import { freePorts, makeTempDir, rawExchange } from '../src/testing.js';

const root = new URL('../../', import.meta.url).pathname;
const API_KEY = 'cross-service-key-0123456789abcdef';
const SERVICES = [
  { name: 'error-tracker', data: 'errors', longParamPath: (p: string) => `/api/projects/${p}` },
  { name: 'log-viewer', data: 'logs', longParamPath: (p: string) => `/api/saved-searches/${p}` },
  { name: 'metrics-collector', data: 'metrics', longParamPath: (p: string) => `/api/v1/label/${p}/values` },
] as const;
type Service = (typeof SERVICES)[number] & { port: number; base: string; child: ChildProcess };

/** Starts main.ts from source and resolves once its log says it listens. */
async function start(spec: (typeof SERVICES)[number], port: number, env: Record<string, string>) {
  const child = spawn(
    process.execPath,
    ['--conditions=development', '--import', 'tsx', join(root, spec.name, 'src', 'main.ts')],
    { cwd: root, env: { ...process.env, ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk;
      if (output.includes('Server listening at')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (c) => {
      output += c;
    });
    child.once('exit', (code) => reject(new Error(`${spec.name} exited with ${code}:\n${output}`)));
  });
  child.stdout?.resume();
  child.stderr?.resume();
  return { ...spec, port, base: `http://127.0.0.1:${port}`, child };
}

let services: Service[] = [];
const byName = (name: string) => services.find((s) => s.name === name) as Service;

before(async () => {
  const ports = await freePorts(SERVICES.length);
  const dataDir = makeTempDir('flowrent-cross-service-');
  const urls = Object.fromEntries(SERVICES.map((s, i) => [s.name, `http://127.0.0.1:${ports[i]}`]));
  const env = {
    HOST: '127.0.0.1',
    API_KEY,
    STATSD_PORT: '0',
    LOG_LEVEL: 'info',
    ERROR_TRACKER_URL: urls['error-tracker'],
    LOG_VIEWER_URL: urls['log-viewer'],
    METRICS_COLLECTOR_URL: urls['metrics-collector'],
  };
  services = await Promise.all(
    SERVICES.map((s, i) => start(s, ports[i], { ...env, DATA_DIR: join(dataDir, s.data) })),
  );
});

after(async () => {
  await Promise.all(
    services.map(async (s) => {
      if (s.child.exitCode !== null) return;
      s.child.kill('SIGTERM');
      await once(s.child, 'exit');
    }),
  );
});

/** A GET with the path sent as is (fetch would normalize it). */
function rawGet(base: string, path: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path.startsWith('/') ? '' : '/'}`, { path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'] ?? '', body }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** Bytes on a fresh connection; everything the server wrote before it closed. */
function assertErrorShape(status: number, body: string, expectedStatus: number, code: string): void {
  assert.equal(status, expectedStatus, body);
  const json = JSON.parse(body);
  assert.deepEqual(Object.keys(json), ['error'], body);
  assert.equal(json.error.code, code, body);
  assert.equal(typeof json.error.message, 'string', body);
}

const PYTHON_FAMILIES = `
import json, sys
from prometheus_client.parser import text_string_to_metric_families
print(json.dumps({f.name: f.type for f in text_string_to_metric_families(sys.stdin.read())}))
`;
const hasPythonClient =
  spawnSync('/usr/bin/python3', ['-c', 'import prometheus_client'], { stdio: 'ignore' }).status === 0;

describe('/metrics of each service', () => {
  for (const spec of SERVICES) {
    test(`${spec.name}: counters are typed counter and named *_total, gauges are not`, async () => {
      const text = await (await fetch(`${byName(spec.name).base}/metrics`)).text();
      const types = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]));
      assert.equal(types.get('process_cpu_seconds_total'), 'counter');
      for (const [name, type] of types) {
        if (type === 'counter') assert.match(name, /_total$/, `${name} is a counter`);
        else assert.doesNotMatch(name, /_total$/, `${name} is typed ${type}`);
      }
      if (spec.name === 'error-tracker') assert.equal(types.get('errors_events_accepted_total'), 'counter');
      if (spec.name === 'metrics-collector') {
        for (const name of [
          'metrics_samples_appended_total',
          'metrics_wal_fsyncs_total',
          'metrics_checkpoints_total',
        ])
          assert.equal(types.get(name), 'counter', name);
      }
      const cpu = (t: string) => Number(/^process_cpu_seconds_total (\S+)$/m.exec(t)?.[1]);
      const later = await (await fetch(`${byName(spec.name).base}/metrics`)).text();
      assert.ok(cpu(later) >= cpu(text) && cpu(text) > 0, 'process CPU time is a monotonic total');
    });

    test(`${spec.name}: promtool check metrics finds nothing to object to`, {
      skip: !existsSync('/usr/bin/promtool') && 'no promtool',
    }, async () => {
      const text = await (await fetch(`${byName(spec.name).base}/metrics`)).text();
      const check = spawnSync('/usr/bin/promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
      assert.equal(`${check.stdout}${check.stderr}`.trim(), '');
    });

    test(`${spec.name}: Python's prometheus_client parses it and sees the counters`, {
      skip: !hasPythonClient && 'no python3-prometheus-client',
    }, async () => {
      const text = await (await fetch(`${byName(spec.name).base}/metrics`)).text();
      const parsed = spawnSync('/usr/bin/python3', ['-c', PYTHON_FAMILIES], {
        input: text,
        encoding: 'utf8',
      });
      assert.equal(parsed.status, 0, parsed.stderr);
      const families = JSON.parse(parsed.stdout) as Record<string, string>;
      // The parser names a counter family without its _total suffix, as OpenMetrics does.
      assert.equal(families.process_cpu_seconds, 'counter');
      assert.equal(families.http_requests, 'counter');
      assert.equal(families.process_resident_memory_bytes, 'gauge');
    });
  }
});

describe('errors each service answers before and outside its routes', () => {
  for (const spec of SERVICES) {
    test(`${spec.name}: a bad URL, an overlong path parameter, huge headers and garbage get the error shape`, async () => {
      const s = byName(spec.name);
      const bad = await rawGet(s.base, '/%%');
      assert.match(bad.type, /^application\/json/);
      assertErrorShape(bad.status, bad.body, 400, 'bad_request');

      const long = await rawGet(s.base, spec.longParamPath('1'.repeat(1000)));
      assertErrorShape(long.status, long.body, 414, 'too_large');

      const huge = await rawExchange(s.port, `GET /?q=${'a'.repeat(70_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
      const [hugeHead, hugeBody] = huge.split('\r\n\r\n');
      assertErrorShape(Number(hugeHead.split(' ')[1]), hugeBody, 431, 'too_large');

      const garbage = await rawExchange(s.port, 'HELLO\r\n\r\n');
      const [garbageHead, garbageBody] = garbage.split('\r\n\r\n');
      assertErrorShape(Number(garbageHead.split(' ')[1]), garbageBody, 400, 'bad_request');

      const unknown = await fetch(`${s.base}/no/such/route`, {
        headers: { authorization: `Bearer ${API_KEY}` },
      });
      assertErrorShape(unknown.status, await unknown.text(), 404, 'not_found');
    });
  }
});

describe('the UIs in real Chromium', () => {
  let chromium: LaunchedBrowser;
  before(async () => {
    chromium = await launchBrowser({ colorScheme: 'light' });
  });
  after(() => chromium?.close());

  test('dark theme and UTC chosen on Errors are those of Logs after its top-bar link, rendered by the server', async () => {
    const errors = byName('error-tracker');
    const logs = byName('log-viewer');
    const metrics = byName('metrics-collector');
    const page = await chromium.newPage();
    await signIn(page, errors.base, API_KEY, '/');
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme ?? null), null);
    assert.equal(await page.textContent('[data-tz-toggle]'), 'Local');
    await page.click('[data-theme-toggle]');
    await page.click('[data-tz-toggle]');
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    assert.equal(await page.textContent('[data-tz-toggle]'), 'UTC');

    // Another origin (port), so none of Errors' localStorage: the cookie carries the choice.
    const [signInPage] = await Promise.all([
      page.waitForResponse((r) => r.url().startsWith(`${logs.base}/login`)),
      page.click('a.topbar-service:text("Logs")'),
    ]);
    await page.waitForLoadState('load');
    assert.equal(new URL(page.url()).pathname, '/login', 'not yet signed in to Logs');
    assert.match(await signInPage.text(), /^<!doctype html>\n<html lang="en" data-theme="dark">/);
    await signIn(page, logs.base, API_KEY, '/');
    assert.equal(new URL(page.url()).origin, logs.base);
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    assert.equal(await page.evaluate(() => localStorage.getItem('flowrent.theme')), null);
    assert.equal(await page.textContent('[data-tz-toggle]'), 'UTC');
    await saveScreenshot(page, 'shared', 'cross-service-logs-dark');

    // Back to light on Logs: Metrics' sign-in page, never visited, opens light and in UTC.
    await page.click('[data-theme-toggle]');
    const [metricsPage] = await Promise.all([
      page.waitForResponse((r) => r.url().startsWith(`${metrics.base}/login`)),
      page.click('a.topbar-service:text("Metrics")'),
    ]);
    await page.waitForLoadState('load');
    assert.match(await metricsPage.text(), /^<!doctype html>\n<html lang="en" data-theme="light">/);
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'light');
    assert.equal(await page.textContent('[data-tz-toggle]'), 'UTC');

    const cookies = await chromium.context.cookies(logs.base);
    const theme = cookies.find((c) => c.name === 'flowrent_theme');
    assert.equal(theme?.value, 'light');
    assert.equal(theme?.sameSite, 'Lax');
    assert.equal(theme?.path, '/');
    assert.ok((theme?.expires ?? 0) > Date.now() / 1000 + 300 * 24 * 3600, 'kept for about a year');
    await page.close();
  });

  test("choices kept only in one origin's localStorage (before the cookie) are copied to the cookie", async () => {
    const errors = byName('error-tracker');
    const logs = byName('log-viewer');
    await chromium.context.clearCookies();
    const page = await chromium.newPage();
    await signIn(page, errors.base, API_KEY, '/');
    await page.evaluate(() => {
      localStorage.setItem('flowrent.theme', 'dark');
      localStorage.setItem('flowrent.tz', 'utc');
    });
    await page.reload();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    const [logsSignIn] = await Promise.all([
      page.waitForResponse((r) => r.url().startsWith(logs.base) && r.request().resourceType() === 'document'),
      page.goto(`${logs.base}/login`),
    ]);
    assert.match(await logsSignIn.text(), /<html lang="en" data-theme="dark">/);
    assert.equal(await page.evaluate(() => localStorage.getItem('flowrent.tz')), null, "Logs' own storage");
    assert.equal(await page.textContent('[data-tz-toggle]'), 'UTC');
    await page.close();
  });
});

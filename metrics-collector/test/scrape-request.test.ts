// What the collector's scraper puts on the wire, against a real loopback target: the headers of
// the captured Prometheus 2.42 scrape request (shared/fixtures/metrics/prometheus-2.42.0-scrape-
// request.json), a gzip answer (the capture asks for one), and basic_auth as the target checks it.
// The real collector is started with a scrape config file; rounds are driven with an explicit tick.
// Last, a scrape whose write fails (fdatasync made to fail) shows on its target.
// Scrape timeouts are generous (5 m) so a loaded machine never turns a test about something else
// into a timeout; the timeout itself is tested with a target that never answers.
// Only the test's own rounds scrape: the collector's clock stands at TICK (its timers would start
// a round at the next multiple of the 5 m interval of the wall clock, which a slow run on a loaded
// machine reached in the middle of the tests) and the timers are stopped.
import assert from 'node:assert/strict';
import fs, { readFileSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { makeTempDir, type TestApp } from '@flowrent/shared/testing';
import type { Config } from '../src/config.js';
import { parseScrapeConfig, type ScrapeJob } from '../src/scrape/scrape-config.js';
import { FIXTURES, startCollector } from './ingest-helpers.js';

const TICK = 1_764_000_030_000;
const BODY = '# TYPE probe_value gauge\nprobe_value 42\n';
const BASIC_OK = `Basic ${Buffer.from('scraper:s3cret pass').toString('base64')}`;

let target: Server;
let address = '';
const seen = new Map<string, IncomingHttpHeaders>();
/** Requests to /hang, never answered until the test ends. */
const hanging: ServerResponse[] = [];
let t: TestApp<Config>;
let jobs: ScrapeJob[] = [];

before(async () => {
  target = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    seen.set(path, req.headers);
    if (path === '/hang') {
      hanging.push(res);
      return;
    }
    if (path === '/basic' && req.headers.authorization !== BASIC_OK) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="metrics"' }).end();
      return;
    }
    if (path === '/gzip' && /\bgzip\b/.test(String(req.headers['accept-encoding']))) {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4', 'content-encoding': 'gzip' });
      res.end(gzipSync(BODY));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(BODY);
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  address = `127.0.0.1:${(target.address() as AddressInfo).port}`;
  const dir = makeTempDir('scrape-request-');
  writeFileSync(join(dir, 'password'), 's3cret pass\n'); // Prometheus trims the file's newline
  const config = join(dir, 'scrape.yml');
  const configText = `
global: {scrape_interval: 5m, scrape_timeout: 5m}
scrape_configs:
  - job_name: like-capture
    static_configs: [{targets: ['${address}']}]
  - job_name: gzip
    metrics_path: /gzip
    static_configs: [{targets: ['${address}']}]
  - job_name: basic
    metrics_path: /basic
    basic_auth: {username: scraper, password: 's3cret pass'}
    static_configs: [{targets: ['${address}']}]
  - job_name: basic-file
    metrics_path: /basic
    basic_auth: {username: scraper, password_file: password}
    static_configs: [{targets: ['${address}']}]
  - job_name: basic-wrong
    metrics_path: /basic
    basic_auth: {username: scraper, password: nope}
    static_configs: [{targets: ['${address}']}]
  - job_name: hangs
    metrics_path: /hang
    scrape_timeout: 1500ms
    static_configs: [{targets: ['${address}']}]
`;
  writeFileSync(config, configText);
  jobs = parseScrapeConfig(configText, dir).jobs;
  t = await startCollector({ SCRAPE_CONFIG: config }, () => TICK);
  t.app.ingestion.scrapeManager.stop();
  await t.app.ingestion.scrapeManager.scrapeRound(TICK);
});

after(async () => {
  for (const res of hanging) res.end();
  await t.close();
  await new Promise((r) => target.close(r));
});

const read = (name: string, job: string) =>
  t.app.ingestion.source.select(
    [
      { name: '__name__', type: '=', value: name },
      { name: 'job', type: '=', value: job },
    ],
    0,
    TICK * 2,
  );

test('the scrape request carries the headers of the captured Prometheus 2.42 scrape', () => {
  const capture = JSON.parse(
    readFileSync(join(FIXTURES, 'prometheus-2.42.0-scrape-request.json'), 'utf8'),
  ) as {
    method: string;
    url: string;
    headers: Record<string, string>;
    raw_headers: [string, string][];
  };
  const ours = seen.get('/metrics');
  assert.ok(ours, 'the target was scraped');
  // Every header Prometheus sent is sent, with the same value where the value is not per-client.
  for (const [name] of capture.raw_headers) assert.ok(name.toLowerCase() in ours, `sends ${name}`);
  for (const name of ['accept', 'accept-encoding']) assert.equal(ours[name], capture.headers[name], name);
  // The timeout in seconds, as Prometheus formats it: the capture's job had scrape_timeout: 1s.
  assert.equal(capture.headers['x-prometheus-scrape-timeout-seconds'], '1');
  assert.equal(ours['x-prometheus-scrape-timeout-seconds'], '300');
  assert.equal(ours.host, address);
  // Prometheus identifies itself as product/version ("Prometheus/2.42.0+ds"): so do we.
  assert.match(capture.headers['user-agent'], /^[A-Za-z][\w.-]*\/\d+\.\d+\.\d+\S*$/);
  assert.match(String(ours['user-agent']), /^flowrent-metrics-collector\/\d+\.\d+\.\d+\S*$/);
  assert.equal(capture.method, 'GET');
  assert.equal(capture.url, '/metrics');
  assert.deepEqual(read('probe_value', 'like-capture')[0].values, [42]);
  assert.deepEqual(read('up', 'like-capture')[0].values, [1]);
});

test('a gzip answer (Accept-Encoding: gzip, as Prometheus asks) is decoded', () => {
  assert.equal(seen.get('/gzip')?.['accept-encoding'], 'gzip');
  assert.deepEqual(read('probe_value', 'gzip')[0].values, [42]);
});

test('basic_auth sends the username and password (or password_file) as the target checks them', () => {
  assert.deepEqual(read('up', 'basic')[0].values, [1]);
  assert.deepEqual(read('probe_value', 'basic')[0].values, [42]);
  assert.deepEqual(read('up', 'basic-file')[0].values, [1]);
  assert.deepEqual(read('probe_value', 'basic-file')[0].values, [42]);
  assert.deepEqual(read('up', 'basic-wrong')[0].values, [0]);
  assert.deepEqual(read('probe_value', 'basic-wrong'), []);
  const wrong = t.app.ingestion.scrapeManager.targets().find((x) => x.job === 'basic-wrong');
  assert.match(wrong?.lastError ?? '', /401/);
});

test('a target that does not answer within scrape_timeout is down with the timeout as its error', () => {
  assert.ok(hanging.length > 0, 'the target was asked');
  // 1.5 s, not less: the scraper's timer also runs while the loop is busy with the other targets'
  // answers (the first write zero-fills an 8 MB log segment synchronously), so a 100 ms one could
  // end before the target had even read the request on a loaded machine.
  assert.equal(seen.get('/hang')?.['x-prometheus-scrape-timeout-seconds'], '1.5');
  assert.deepEqual(read('up', 'hangs')[0].values, [0]);
  const hangs = t.app.ingestion.scrapeManager.targets().find((x) => x.job === 'hangs');
  assert.equal(hangs?.lastError, 'scrape timed out after 1500 ms');
});

test('a scrape whose write cannot be made durable shows on the target as its error; the next round is up again', async () => {
  const realFdatasync = fs.fdatasync;
  Reflect.set(fs, 'fdatasync', (_fd: number, cb: (err: Error | null) => void) =>
    process.nextTick(() => cb(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }))),
  );
  syncBuiltinESMExports();
  const manager = t.app.ingestion.scrapeManager;
  const health = () => manager.targets().find((x) => x.job === 'like-capture');
  // This job alone: its write is then the one whose fdatasync fails and reports EIO. Beside other
  // targets it could land behind a sync that failed first and carry the log's 'an earlier
  // write-ahead log write or sync failed' instead, depending on which answer came first.
  const likeCapture = jobs.filter((j) => j.jobName === 'like-capture');
  try {
    await manager.scrapeRound(TICK + 15_000, likeCapture); // resolves: a target's failed write is not the round's
  } finally {
    Reflect.set(fs, 'fdatasync', realFdatasync);
    syncBuiltinESMExports();
  }
  assert.equal(health()?.health, 'down');
  assert.match(health()?.lastError ?? '', /^writing the scrape failed: .*EIO/);
  await manager.scrapeRound(TICK + 30_000, likeCapture);
  assert.equal(health()?.health, 'up');
  assert.equal(health()?.lastError, '');
});

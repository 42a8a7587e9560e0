// The scrape manager against real exporters on loopback: prom-client (Node) and the python
// prometheus_client (Debian's /usr/bin/python3), a target that is down, auth, params, file_sd and
// honor_labels. Scrape rounds are driven with an explicit tick; no timers, no sleeps.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { makeTempDir } from '@flowrent/shared/testing';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { evaluateInstant } from '../src/promql/query.js';
import { parseScrapeConfig } from '../src/scrape/scrape-config.js';
import { SCRAPE_ACCEPT, ScrapeManager } from '../src/scrape/scrape-manager.js';
import { type OpenedStore, openStore } from './store-helpers.js';

const TICK = 1_764_000_015_000;
let server: Server;
let base: string;
let lastHeaders: IncomingHttpHeaders = {};
let lastUrl = '';
let s: OpenedStore;
/** What /dynamic serves; null answers 500. */
let dynamic: string | null = '';

before(async () => {
  const registry = new Registry();
  new Counter({ name: 'orders_total', help: 'Orders.', labelNames: ['job'], registers: [registry] }).inc(
    { job: 'inner' },
    5,
  );
  new Gauge({ name: 'queue_depth', help: 'Depth.', registers: [registry] }).set(-1.5);
  new Histogram({ name: 'req_seconds', help: 'Latency.', buckets: [0.1, 1], registers: [registry] }).observe(
    0.3,
  );
  server = createServer(async (req, res) => {
    lastHeaders = req.headers;
    lastUrl = req.url ?? '';
    if (req.url?.startsWith('/private') && req.headers.authorization !== 'Bearer sesame') {
      res.writeHead(401).end();
      return;
    }
    if (req.url?.startsWith('/dynamic')) {
      if (dynamic === null) res.writeHead(500).end();
      else res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(dynamic);
      return;
    }
    if (req.url?.startsWith('/broken')) {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok 1\nnot valid line here\n');
      return;
    }
    res.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  s = openStore();
});

after(async () => {
  server.close();
  await s.close();
});

const read = (name: string, job?: string) =>
  s.source.select(
    [
      { name: '__name__', type: '=', value: name },
      ...(job ? [{ name: 'job', type: '=' as const, value: job }] : []),
    ],
    0,
    TICK * 2,
  );

function manager(yaml: string, dir = '.') {
  let now = TICK;
  const clock = () => {
    now += 10;
    return now;
  };
  return new ScrapeManager({ config: parseScrapeConfig(yaml, dir), store: s.store, clock });
}

test('scrapes a prom-client target with Prometheus headers, stamps the tick and writes up/duration/samples', async () => {
  const m = manager(`
global: {scrape_interval: 15s, scrape_timeout: 5s}
scrape_configs:
  - job_name: node-app
    params: {format: [prometheus]}
    static_configs: [{targets: ['${base}'], labels: {env: prod}}]
`);
  await m.scrapeRound(TICK);
  assert.equal(lastHeaders.accept, SCRAPE_ACCEPT);
  assert.equal(lastHeaders['x-prometheus-scrape-timeout-seconds'], '5');
  assert.equal(lastUrl, '/metrics?format=prometheus');
  const orders = read('orders_total');
  // honor_labels is off: the target's job wins and the scraped one is kept as exported_job.
  assert.deepEqual(orders[0].labels, {
    __name__: 'orders_total',
    env: 'prod',
    exported_job: 'inner',
    instance: base,
    job: 'node-app',
  });
  assert.deepEqual(orders[0].timestamps, [TICK]);
  assert.deepEqual(read('queue_depth')[0].values, [-1.5]);
  assert.deepEqual(
    read('req_seconds_bucket').map((x) => x.values[0]),
    [0, 1, 1],
  );
  assert.deepEqual(read('up', 'node-app')[0].values, [1]);
  assert.equal(read('scrape_samples_scraped', 'node-app')[0].values[0], 7);
  assert.equal(read('scrape_duration_seconds', 'node-app')[0].values[0], 0.01);
  const [health] = m.targets();
  assert.equal(health.health, 'up');
  assert.equal(health.lastScrapeMs, TICK);
  assert.equal(s.store.metadata.get('orders_total')?.type, 'counter');
});

test('a down target, a 401 and a syntax error each give up=0 and a readable error', async () => {
  const m = manager(`
scrape_configs:
  - job_name: down
    static_configs: [{targets: ['127.0.0.1:1']}]
  - job_name: private
    metrics_path: /private
    static_configs: [{targets: ['${base}']}]
  - job_name: broken
    metrics_path: /broken
    static_configs: [{targets: ['${base}']}]
`);
  await m.scrapeRound(TICK);
  for (const job of ['down', 'private', 'broken']) assert.deepEqual(read('up', job)[0].values, [0], job);
  const errors = Object.fromEntries(m.targets().map((t) => [t.job, t.lastError]));
  assert.match(errors.private, /401/);
  assert.match(errors.broken, /line 2/);
  assert.ok(errors.down.length > 0);
  assert.equal(read('ok', 'broken').length, 0); // a bad line fails the whole scrape, like Prometheus
});

test('bearer auth, honor_labels and file_sd targets', async () => {
  const dir = makeTempDir('scrape-sd-');
  writeFileSync(join(dir, 'targets-a.json'), JSON.stringify([{ targets: [base], labels: { team: 'shop' } }]));
  const m = manager(
    `
scrape_configs:
  - job_name: sd
    honor_labels: true
    metrics_path: /private
    authorization: {credentials: sesame}
    file_sd_configs: [{files: ['targets-*.json']}]
`,
    dir,
  );
  await m.scrapeRound(TICK + 15_000);
  const orders = read('orders_total', 'inner');
  assert.equal(orders.length, 1);
  assert.equal(orders[0].labels.team, 'shop');
  assert.equal(orders[0].labels.exported_job, undefined);
  assert.deepEqual(read('up', 'sd')[0].values, [1]);
});

test('staleness markers for vanished series, failed scrapes and removed targets, as Prometheus writes them', async () => {
  const dir = makeTempDir('scrape-stale-');
  const list = join(dir, 'targets.json');
  writeFileSync(list, JSON.stringify([{ targets: [base] }]));
  const m = manager(
    `
global: {scrape_interval: 15s}
scrape_configs:
  - job_name: vanish
    metrics_path: /dynamic
    file_sd_configs: [{files: ['targets.json']}]
`,
    dir,
  );
  const I = 15_000;
  /** Timestamps of a series and which of them are staleness markers. */
  const history = (name: string) => {
    const [x] = read(name, 'vanish');
    return {
      t: x.timestamps.map((t) => (t - TICK) / I),
      stale: x.timestamps.map((_, i) => (x.stale?.[i] ? 1 : 0)),
    };
  };
  dynamic = 'kept 1\ngoes 2\n';
  await m.scrapeRound(TICK);
  dynamic = 'kept 2\n';
  await m.scrapeRound(TICK + I);
  assert.deepEqual(history('goes'), { t: [0, 1], stale: [0, 1] });
  // The marker ends the series at once instead of 5 minutes of lookback later.
  const at = (q: string, t: number) => (evaluateInstant(s.source, q, t).result as unknown[]).length;
  assert.equal(at('goes{job="vanish"}', TICK + I - 1), 1);
  assert.equal(at('goes{job="vanish"}', TICK + I), 0);
  // A failed scrape: every series of the last good scrape goes stale; up carries on with 0.
  dynamic = null;
  await m.scrapeRound(TICK + 2 * I);
  assert.deepEqual(history('kept'), { t: [0, 1, 2], stale: [0, 0, 1] });
  assert.deepEqual(read('up', 'vanish')[0].values, [1, 1, 0]);
  // Back: the series resumes and nothing already stale is marked again.
  dynamic = 'kept 3\n';
  await m.scrapeRound(TICK + 3 * I);
  assert.deepEqual(history('kept'), { t: [0, 1, 2, 3], stale: [0, 0, 1, 0] });
  assert.deepEqual(history('goes'), { t: [0, 1], stale: [0, 1] });
  // The target leaves file_sd at tick 4; after two intervals away its series and report series
  // get markers at tick 4, the first scrape it missed, and it leaves the targets list.
  writeFileSync(list, '[]');
  await m.scrapeRound(TICK + 4 * I);
  await m.scrapeRound(TICK + 5 * I);
  assert.deepEqual(history('kept').stale, [0, 0, 1, 0]);
  assert.equal(m.targets().filter((t) => t.job === 'vanish').length, 1);
  await m.scrapeRound(TICK + 6 * I);
  assert.deepEqual(history('kept'), { t: [0, 1, 2, 3, 4], stale: [0, 0, 1, 0, 1] });
  for (const name of ['up', 'scrape_duration_seconds', 'scrape_samples_scraped']) {
    assert.deepEqual(history(name), { t: [0, 1, 2, 3, 4], stale: [0, 0, 0, 0, 1] }, name);
  }
  assert.equal(m.targets().filter((t) => t.job === 'vanish').length, 0);
  // A target that comes back within two intervals gets no markers.
  writeFileSync(list, JSON.stringify([{ targets: [base] }]));
  await m.scrapeRound(TICK + 7 * I);
  writeFileSync(list, '[]');
  await m.scrapeRound(TICK + 8 * I);
  writeFileSync(list, JSON.stringify([{ targets: [base] }]));
  await m.scrapeRound(TICK + 9 * I);
  await m.scrapeRound(TICK + 10 * I);
  assert.deepEqual(history('kept'), { t: [0, 1, 2, 3, 4, 7, 9, 10], stale: [0, 0, 1, 0, 1, 0, 0, 0] });
});

test('scraped exemplars are kept on their series; one without a timestamp takes the tick', async () => {
  const m = manager(`
scrape_configs:
  - job_name: traced
    metrics_path: /dynamic
    static_configs: [{targets: ['${base}']}]
`);
  dynamic = [
    'lat_bucket{le="0.5"} 4 # {trace_id="aaa"} 0.3 1764000010.5',
    'lat_bucket{le="+Inf"} 5 # {trace_id="bbb"} 0.9',
    'plain_total 1',
    '',
  ].join('\n');
  await m.scrapeRound(TICK);
  const job = (l: Record<string, string>) => l.job === 'traced';
  const got = s.store.exemplars.select([job], 0, TICK * 2);
  assert.deepEqual(
    got.map((x) => [x.seriesLabels.le, x.exemplars]),
    [
      ['+Inf', [{ labels: { trace_id: 'bbb' }, value: 0.9, timestampMs: TICK }]],
      ['0.5', [{ labels: { trace_id: 'aaa' }, value: 0.3, timestampMs: 1764000010500 }]],
    ],
  );
  // The next scrape repeats the same exemplar: a duplicate, not a second copy.
  await m.scrapeRound(TICK + 15_000);
  const again = s.store.exemplars.select([job], 0, TICK * 2);
  assert.equal(again.find((x) => x.seriesLabels.le === '0.5')?.exemplars.length, 1);
});

const hasPythonClient =
  spawnSync('/usr/bin/python3', ['-c', 'import prometheus_client'], { stdio: 'ignore' }).status === 0;

test('scrapes the python prometheus_client exporter (Debian python3)', {
  skip: !hasPythonClient,
}, async () => {
  const script = `
import sys
import threading
from wsgiref.simple_server import make_server, WSGIRequestHandler
from prometheus_client import Counter, Gauge, make_wsgi_app
class Quiet(WSGIRequestHandler):
    def log_message(self, *args): pass
c = Counter('py_jobs', 'Jobs done', ['queue'])
c.labels(queue='emails').inc(3)
Gauge('py_temp', 'Temp').set(-2.5)
server = make_server('127.0.0.1', 0, make_wsgi_app(), handler_class=Quiet)
threading.Thread(target=server.serve_forever, daemon=True).start()
print(server.server_port, flush=True)
sys.stdin.read()
`;
  const py = spawn('/usr/bin/python3', ['-c', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    const { value: port } = await createInterface({ input: py.stdout! })[Symbol.asyncIterator]().next();
    const m = manager(
      `scrape_configs: [{job_name: python, static_configs: [{targets: ['127.0.0.1:${port}']}]}]`,
    );
    await m.scrapeRound(TICK);
    assert.equal(m.targets()[0].lastError, '');
    const jobs = read('py_jobs_total', 'python');
    assert.deepEqual(jobs[0].values, [3]);
    assert.equal(jobs[0].labels.queue, 'emails');
    assert.equal(read('py_jobs_created', 'python').length, 1); // OpenMetrics _created kept as a sample
    assert.deepEqual(read('py_temp', 'python')[0].values, [-2.5]);
  } finally {
    py.kill();
  }
});

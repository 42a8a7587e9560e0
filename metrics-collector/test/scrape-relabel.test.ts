// relabel_configs and metric_relabel_configs as Prometheus 2.42 applies them, against a real target
// on loopback (scrape rounds driven with an explicit tick), and scrape-config keys we do not read
// refused at start naming the key: they were silently ignored, so metrics a prometheus.yml drops
// were stored and a dropped target scraped (black-box #12).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { parseScrapeConfig, ScrapeConfigError } from '../src/scrape/scrape-config.js';
import { ScrapeManager } from '../src/scrape/scrape-manager.js';
import { relabel } from '../src/scrape/relabel.js';
import { parseRelabelConfigs } from '../src/scrape/relabel.js';
import { type OpenedStore, openStore } from './store-helpers.js';

const TICK = 1_764_000_015_000;
const EXPOSITION = [
  'bbx_jobs_total{queue="a"} 3',
  'bbx_jobs_total{queue="b"} 4',
  'http_requests_total{code="200",path="/x",pod_name="p1"} 7',
  'go_goroutines 12',
  '',
].join('\n');
let server: Server;
let base: string;
let urls: string[] = [];
let s: OpenedStore;

before(async () => {
  server = createServer((req, res) => {
    urls.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(EXPOSITION);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  s = openStore();
});
after(async () => {
  server.close();
  await s.close();
});

function manager(yaml: string) {
  let now = TICK;
  return new ScrapeManager({ config: parseScrapeConfig(yaml), store: s.store, clock: () => (now += 10) });
}

const series = (job: string) =>
  s.source
    .select([{ name: 'job', type: '=', value: job }], 0, TICK * 2)
    .map((x) => x.labels)
    .filter((l) => !['up', 'scrape_duration_seconds', 'scrape_samples_scraped'].includes(l.__name__))
    .map((l) => JSON.stringify(Object.fromEntries(Object.entries(l).sort())))
    .sort();

test('metric_relabel_configs: drop, keep, replace, labeldrop, labelmap as Prometheus', async () => {
  const m = manager(`
scrape_configs:
  - job_name: mr
    static_configs: [{targets: ['${base}']}]
    metric_relabel_configs:
      - {source_labels: [__name__], regex: "bbx_.*", action: drop}
      - {source_labels: [__name__, code], separator: "@", regex: "http_requests_total@(2)..", target_label: class, replacement: "\${1}xx"}
      - {regex: "pod_(.*)", action: labelmap, replacement: "k8s_$1"}
      - {regex: "pod_name|path", action: labeldrop}
`);
  await m.scrapeRound(TICK);
  assert.deepEqual(series('mr'), [
    JSON.stringify({ __name__: 'go_goroutines', instance: base, job: 'mr' }),
    JSON.stringify({
      __name__: 'http_requests_total',
      class: '2xx',
      code: '200',
      instance: base,
      job: 'mr',
      k8s_name: 'p1',
    }),
  ]);
  // up and friends are not relabelled (Prometheus writes them after metric relabelling)
  assert.equal(
    s.source.select(
      [
        { name: '__name__', type: '=', value: 'up' },
        { name: 'job', type: '=', value: 'mr' },
      ],
      0,
      TICK * 2,
    ).length,
    1,
  );
});

test('metric_relabel_configs keep: only what matches the anchored regex is stored', async () => {
  const m = manager(`
scrape_configs:
  - job_name: keep
    static_configs: [{targets: ['${base}']}]
    metric_relabel_configs: [{source_labels: [__name__], regex: "go_.*|bbx_jobs", action: keep}]
`);
  await m.scrapeRound(TICK);
  // "bbx_jobs" does not match bbx_jobs_total: the regex is anchored at both ends
  assert.deepEqual(series('keep'), [
    JSON.stringify({ __name__: 'go_goroutines', instance: base, job: 'keep' }),
  ]);
});

test('relabel_configs: a dropped target is not scraped and is listed as dropped; address, path, params and labels from the rules', async () => {
  const m = manager(`
scrape_configs:
  - job_name: tr
    params: {format: [a]}
    static_configs:
      - {targets: ['${base}'], labels: {env: prod, __meta_team: payments}}
      - {targets: ['10.255.255.1:9'], labels: {env: dev}}
    relabel_configs:
      - {source_labels: [env], regex: dev, action: drop}
      - {source_labels: [__meta_team], target_label: team}
      - {target_label: __metrics_path__, replacement: /custom}
      - {target_label: __param_format, replacement: b}
      - {source_labels: [__address__], regex: "([^:]+):.*", target_label: host}
      - {source_labels: [__address__], modulus: 4, target_label: __tmp_hash, action: hashmod}
      - {source_labels: [__tmp_hash], target_label: shard}
`);
  urls = [];
  await m.scrapeRound(TICK);
  assert.deepEqual(urls, ['/custom?format=b']);
  const { activeTargets, droppedTargets } = m.prometheusTargets({ state: 'any', scrapePool: '' }) as {
    activeTargets: { labels: Record<string, string> }[];
    droppedTargets: { discoveredLabels: Record<string, string> }[];
  };
  assert.equal(activeTargets.length, 1);
  const labels = activeTargets[0].labels;
  assert.deepEqual(
    { ...labels, shard: undefined },
    { env: 'prod', job: 'tr', team: 'payments', host: '127.0.0.1', instance: base, shard: undefined },
  );
  assert.match(labels.shard, /^[0-3]$/);
  assert.deepEqual(droppedTargets, [
    {
      discoveredLabels: {
        env: 'dev',
        __address__: '10.255.255.1:9',
        job: 'tr',
        __scrape_interval__: '1m', // Go's model.Duration, as 2.42 (api-targets-oracle.test.ts)
        __scrape_timeout__: '10s',
        __metrics_path__: '/metrics',
        __scheme__: 'http',
        __param_format: 'a',
      },
    },
  ]);
});

test('a target whose relabelled address makes no URL is scraped as down, not the end of its job; a path without "/" gets one', async () => {
  const m = manager(`
scrape_configs:
  - job_name: odd
    static_configs: [{targets: ['${base}']}, {targets: ['odd'], labels: {odd: 'yes'}}]
    relabel_configs:
      - {source_labels: [__address__], regex: odd, target_label: __address__, replacement: 'bad host'}
      - {target_label: __metrics_path__, replacement: metrics}
`);
  urls = [];
  // Prometheus 2.42 keeps both active (bad%20host:80 fails at its scrape) and reads the path as /metrics
  const { activeTargets } = m.prometheusTargets({ state: 'active', scrapePool: '' }) as {
    activeTargets: { labels: Record<string, string>; scrapeUrl: string }[];
  };
  assert.deepEqual(
    activeTargets.map((t) => [t.labels.instance, t.scrapeUrl]),
    [
      [base, `http://${base}/metrics`],
      ['bad host', 'http://bad host/metrics'],
    ],
  );
  await m.scrapeRound(TICK);
  assert.deepEqual(urls, ['/metrics']);
  assert.ok(
    series('odd').includes(JSON.stringify({ __name__: 'go_goroutines', instance: base, job: 'odd' })),
  );
  const up = s.source.select(
    [
      { name: '__name__', type: '=', value: 'up' },
      { name: 'job', type: '=', value: 'odd' },
    ],
    0,
    TICK * 2,
  );
  assert.deepEqual(up.map((x) => [x.labels.instance, x.values[0]]).sort(), [
    [base, 1],
    ['bad host', 0],
  ]);
  const bad = m.targets().find((t) => t.labels.instance === 'bad host');
  assert.equal(bad?.health, 'down');
  assert.notEqual(bad?.lastError, '');
});

test('without relabel_configs too, group labels starting with __ are not stored and __metrics_path__ from a group is the path', async () => {
  const m = manager(`
scrape_configs:
  - job_name: plain
    static_configs: [{targets: ['${base}'], labels: {__metrics_path__: /custom, __meta_team: payments, env: prod}}]
`);
  urls = [];
  await m.scrapeRound(TICK);
  // Prometheus 2.42 stores go_goroutines{env="prod",instance,job} from /custom
  assert.deepEqual(urls, ['/custom']);
  assert.ok(
    series('plain').includes(
      JSON.stringify({ __name__: 'go_goroutines', env: 'prod', instance: base, job: 'plain' }),
    ),
    series('plain').join('\n'),
  );
});

test('hashmod, lowercase, keepequal and Go expansion ($1x is the group named 1x, {1} braced is group 1)', () => {
  const rules = parseRelabelConfigs(
    [
      { source_labels: ['a'], modulus: 10, target_label: 'h', action: 'hashmod' },
      { source_labels: ['a'], regex: '(.)(.*)', target_label: 'x', replacement: '$1x' },
      { source_labels: ['a'], regex: '(.)(.*)', target_label: 'y', replacement: `\${1}x$$` },
      { source_labels: ['a'], target_label: 'lo', action: 'lowercase' },
    ],
    'test',
  );
  const m = new Map([['a', 'Hello']]);
  assert.equal(relabel(m, rules), true);
  // Prometheus' sum64(md5("Hello")): the digest's last 8 bytes, 0xa827abf8c47804d7, mod 10 = 1
  assert.deepEqual(Object.fromEntries(m), { a: 'Hello', h: '1', y: 'Hx$', lo: 'hello' });
  assert.equal(m.has('x'), false, 'an empty replacement removes the label');
  // read from Prometheus 2.42 (a target 127.0.0.1:29461 with the same two hashmod rules): 2 and 2
  const oracle = parseRelabelConfigs(
    [
      { source_labels: ['__address__'], modulus: 10, target_label: 'h10', action: 'hashmod' },
      { source_labels: ['__address__'], modulus: 4, target_label: 'h4', action: 'hashmod' },
    ],
    'oracle',
  );
  const target = new Map([['__address__', '127.0.0.1:29461']]);
  relabel(target, oracle);
  assert.deepEqual([target.get('h10'), target.get('h4')], ['2', '2']);
  const keep = parseRelabelConfigs([{ source_labels: ['a'], target_label: 'b', action: 'keepequal' }], 't');
  assert.equal(
    relabel(
      new Map([
        ['a', '1'],
        ['b', '1'],
      ]),
      keep,
    ),
    true,
  );
  assert.equal(
    relabel(
      new Map([
        ['a', '1'],
        ['b', '2'],
      ]),
      keep,
    ),
    false,
  );
});

test('keys the collector does not read are refused at start, naming them', () => {
  const refused = (yaml: string, message: RegExp) =>
    assert.throws(
      () => parseScrapeConfig(yaml),
      (e: unknown) => e instanceof ScrapeConfigError && message.test(e.message),
      yaml,
    );
  refused(
    'scrape_configs: [{job_name: a, sample_limit: 10, static_configs: [{targets: [x:1]}]}]',
    /^job a: unsupported key sample_limit \(the metrics collector reads only job_name, /,
  );
  refused(
    'scrape_configs: [{job_name: a, kubernetes_sd_configs: [{role: pod}]}]',
    /unsupported key kubernetes_sd_configs/,
  );
  refused(
    'scrape_configs: [{job_name: a, static_configs: [{targets: 5}]}]',
    /static_configs: targets must be a list/,
  );
  refused(
    'scrape_configs: [{job_name: a, static_configs: [{target: [x:1]}]}]',
    /static_configs: unsupported key target\b/,
  );
  refused(
    'scrape_configs: [{job_name: a, file_sd_configs: [{files: [a.json], filez: 1}]}]',
    /unsupported key filez/,
  );
  refused(
    'scrape_configs: [{job_name: a, metric_relabel_configs: [{action: dorp}]}]',
    /^job a: metric_relabel_configs\[0\]: unknown relabel action "dorp"$/,
  );
  refused(
    'scrape_configs: [{job_name: a, relabel_configs: [{action: replace, source_labels: [x]}]}]',
    /requires 'target_label' value/,
  );
  refused(
    'scrape_configs: [{job_name: a, relabel_configs: [{regex: "(", target_label: x}]}]',
    /invalid regex/,
  );
  refused(
    'scrape_configs: [{job_name: a, relabel_configs: [{action: hashmod, target_label: x}]}]',
    /non-zero modulus/,
  );
  refused(
    'scrape_configs: [{job_name: a, relabel_configs: [{action: labeldrop, regex: x, target_label: y}]}]',
    /requires only 'regex'/,
  );
  refused(
    'scrape_configs: [{job_name: a, relabel_configs: [{sorce_labels: [x]}]}]',
    /field sorce_labels not found/,
  );
});

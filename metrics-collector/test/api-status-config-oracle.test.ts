// /api/v1/status/config as Debian's Prometheus 2.42 answers it (on loopback), byte for byte: both
// load the same scrape config (absolute paths, targets on closed loopback ports) and answer
// {"status":"success","data":{"yaml":"..."}} with Prometheus' defaults filled in, its field
// order, secrets as <secret>, bearer_token as `authorization`, and yaml.v2's quoting of odd values.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeTempDir, type TestApp } from '@flowrent/shared/testing';
import type { Config } from '../src/config.js';
import { startCollector } from './ingest-helpers.js';
import { type PrometheusProcess, prometheusAvailable, startPrometheus } from './prometheus-process.js';

const dir = makeTempDir('status-config-');
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
const secret = file('pw.txt', 'secret-from-file\n');
const sd = file('sd.json', '[{"targets":["127.0.0.1:9"]}]');
const rules = file('rules.yml', 'groups:\n- name: g\n  rules:\n  - record: r\n    expr: up\n');

const ODD = [
  'true',
  '1',
  '',
  ' a',
  'a ',
  'a: b',
  '#x',
  'a #b',
  "it's",
  ',',
  '10:30',
  '2023-01-01',
  '-',
  '- a',
];

const CONFIGS: Record<string, string> = {
  empty: 'global:\n  evaluation_interval: 1m\n',
  elaborate: `global:
  scrape_interval: 15s
  evaluation_interval: 1m
rule_files: [${rules}]
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ['127.0.0.1:9', '127.0.0.1:7']
        labels: {env: prod, team: "a b"}
      - targets: ['127.0.0.1:9']
  - job_name: auth
    scrape_interval: 90s
    scrape_timeout: 5s
    metrics_path: /m
    scheme: https
    params: {module: [http_2xx, x], a: [b]}
    honor_labels: true
    honor_timestamps: false
    basic_auth: {username: u, password: p}
    static_configs: [{targets: ['127.0.0.1:9']}]
  - job_name: bearer
    bearer_token: tok
    file_sd_configs:
      - files: [${sd}, '${dir}/x/*.yml']
        refresh_interval: 1m
      - files: [${sd}]
    relabel_configs:
      - source_labels: [__address__]
        regex: '(.*):9'
        target_label: host
        replacement: '$1'
      - action: labeldrop
        regex: tmp_.*
      - action: hashmod
        source_labels: [a, b]
        separator: ','
        modulus: 4
        target_label: shard
    metric_relabel_configs:
      - action: Keep
        source_labels: [__name__]
        regex: 'up|foo'
    static_configs: [{targets: ['127.0.0.1:9']}]
  - job_name: authz
    authorization: {credentials: abc}
  - job_name: authzfile
    authorization: {type: Bearer, credentials_file: ${secret}}
  - job_name: bfile
    basic_auth: {username: u, password_file: ${secret}}
  - job_name: tfile
    bearer_token_file: ${secret}
`,
  'short interval and odd values': `global:
  scrape_interval: 5s
  evaluation_interval: 1m
scrape_configs:
  - job_name: odd
    metrics_path: '/a: b'
    static_configs:
      - targets: ['127.0.0.1:9']
        labels: {${ODD.map((v, i) => `l${i}: ${JSON.stringify(v)}`).join(', ')}}
    relabel_configs:
      - source_labels: [a]
        separator: ''
        regex: '[a-z]+'
        replacement: ''
        target_label: b
`,
};

describe('/api/v1/status/config as Prometheus 2.42 prints it', {
  skip: !prometheusAvailable && 'prometheus not installed',
}, () => {
  for (const [name, config] of Object.entries(CONFIGS)) {
    describe(name, () => {
      let prometheus: PrometheusProcess;
      let t: TestApp<Config>;
      before(async () => {
        const env = {
          SCRAPE_CONFIG: file(`${name}.yml`, config),
          ...(name === 'elaborate' ? { RULE_FILES: rules } : {}),
        };
        [prometheus, t] = await Promise.all([startPrometheus([], config), startCollector(env)]);
      });
      after(async () => {
        prometheus?.stop();
        await t?.close();
      });

      it('answers the same body', async () => {
        const theirs = await fetch(`${prometheus.base}/api/v1/status/config`);
        const ours = await fetch(`${t.url}/api/v1/status/config`, { headers: t.adminHeaders });
        assert.equal(ours.status, theirs.status);
        assert.equal(await ours.text(), await theirs.text());
      });
    });
  }
});

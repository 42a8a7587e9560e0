// /api/v1/format_query and the rules API's `query` field print an expression back as Debian's
// Prometheus 2.42 prints it (Expr.Pretty(0) and Expr.String(), on loopback): numbers in Go's %v,
// durations as model.Duration, sorted matchers, Go-quoted strings, `by` before the operand,
// 2.42's matching modifiers, and lines split past 100 characters.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeTempDir, type TestApp } from '@flowrent/shared/testing';
import type { Config } from '../src/config.js';
import { startCollector } from './ingest-helpers.js';
import { type PrometheusProcess, prometheusAvailable, startPrometheus } from './prometheus-process.js';

const QUERIES = [
  '1e6',
  '100000',
  '1234567',
  '0.000001',
  '0.0001',
  '1e21',
  '0x10',
  'Inf',
  '-Inf',
  'NaN',
  '-0',
  '- 1',
  '+1',
  '-(1)',
  '+up',
  '-up',
  '-2 ^ 2',
  'up[90s]',
  'up[7d]',
  'up[365d]',
  'up[1d1h]',
  'up[1500ms]',
  'up offset 90s',
  'up offset -5m',
  'up @ 100',
  'up @ 100.5 offset 1m',
  'up @ -100.0005',
  'rate(up[5m] @ start())',
  'rate(up[5m] offset 1m @ 10)',
  'up[5m:]',
  'up[5m:30s] offset 1m @ end()',
  'sum(up) by (job, instance)',
  'sum without (a) (up)',
  'sum by () (up)',
  'sum without () (up)',
  'topk(5, up)',
  'count_values("x", up)',
  'quantile(0.9, up)',
  'x * ignoring() group_left y',
  'x * on() y',
  'x * on(a) group_left(b) y',
  'x / ignoring(a) group_right y',
  'x > bool 1',
  'x and on(a) y',
  'x or ignoring(b) y',
  '"a\\"b\\n"',
  "'single'",
  '`raw\\n`',
  '"tab\\there\\x01\\u00a0\\u200b\ud83d\ude00"',
  '{__name__="up"}',
  '{__name__=~"u.*"}',
  '{job="a"}',
  'up{job="a",a=~"x.*",b!="c",c!~"d"}',
  'up{job=""}',
  '((up))',
  '-(up)',
  '1 + 2 * 3',
  '(1 + 2) * 3',
  '1 + -2',
  'holt_winters(up[5m], 0.5, 0.5)',
  'label_replace(up, "a", "$1", "b", "(.*)")',
  'up{job="\\u00e9<>&"}',
  'time()',
  'vector(1)',
  'absent(nonexistent{job="x"})',
  'rate(up[5m])[30m:1m]',
  'max_over_time(rate(up[5m])[30m:1m])',
  'sum(rate(http_requests_total{job="api-server",code=~"5..",handler!="/metrics"}[5m])) by (job, instance, code) / sum(rate(http_requests_total{job="api-server"}[5m])) by (job, instance, code)',
  'histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket{job="api-server",code=~"2.."}[5m])) by (le, job))',
  'topk(10, sum by (some_quite_long_label_name, another_long_label_name) (rate(some_long_metric_name_total{a="b"}[5m])))',
  '-(sum by (some_quite_long_label_name, another_long_label_name) (rate(some_long_metric_name_total{a="b"}[5m])))',
  '(sum by (some_quite_long_label_name, another_long_label_name) (rate(some_long_metric_name_total{a="b"}[5m])) > 1)',
  'max_over_time((sum by (some_quite_long_label_name, another_long_label_name) (rate(some_long_metric_name_total[5m])))[30m:1m])',
  'a_very_long_metric_name_number_one{label_a="value_a",label_b="value_b"} + on (label_a) group_left (label_c) another_quite_long_metric_name{label_c="value_c"}',
  '1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9 + 10 + 11 + 12 + 13 + 14 + 15 + 16 + 17 + 18 + 19 + 20 + 21 + 22 + 23 + 24 + 25 + 26',
  'some_metric_with_a_very_very_long_name_to_exceed_the_limit_of_one_hundred_characters_on_one_line{a="b"}',
  '- 1 + 2',
  // long enough to be split: the split shows how the modified operand groups
  'a_long_metric_name_number_one_total - a_long_metric_name_number_two_total offset -30s / a_long_metric_three * 2',
  'a_long_metric_name_number_one_total or a_long_metric_name_number_two_total + a_long_metric_three @ 100 ^ 2 > bool 1',
];

/** Rule expressions: the rules API shows them printed back (rule.Query().String()). */
const RULE_EXPRS = [
  'sum(rate(http_requests_total{job="api",code=~"5.."}[5m]))by(job)/ignoring(code)sum(rate(http_requests_total[5m]))by(job)',
  'up{job="node"}==0',
  'histogram_quantile(0.99,sum(rate(x_bucket[5m]))by(le))>1e6',
  'max_over_time(rate(x[5m])[1h:] offset 90s)',
  'vector(0.00001) + -3',
  'sum by (a, b) (rate(some_quite_long_metric_name_to_pass_the_limit_total{label_one="one",label_two="two"}[5m]))',
];

async function ask(base: string, path: string, init: RequestInit = {}) {
  const r = await fetch(`${base}${path}`, init);
  return { status: r.status, text: await r.text() };
}

describe('expressions printed back as Prometheus 2.42 prints them', {
  skip: !prometheusAvailable && 'prometheus not installed',
}, () => {
  let prometheus: PrometheusProcess;
  let t: TestApp<Config>;
  before(async () => {
    const dir = makeTempDir('rules-print-');
    const file = join(dir, 'rules.yml');
    const rules = RULE_EXPRS.map((e, k) =>
      k % 2 === 0
        ? `      - record: r${k}\n        expr: ${JSON.stringify(e)}`
        : `      - alert: A${k}\n        expr: ${JSON.stringify(e)}`,
    );
    writeFileSync(file, `groups:\n  - name: g\n    rules:\n${rules.join('\n')}\n`);
    [prometheus, t] = await Promise.all([
      startPrometheus([], `global:\n  evaluation_interval: 1m\nrule_files: [${JSON.stringify(file)}]\n`),
      startCollector({ RULE_FILES: file }),
    ]);
  });
  after(async () => {
    prometheus?.stop();
    await t?.close();
  });

  for (const query of QUERIES) {
    it(`format_query ${query}`, async () => {
      const path = `/api/v1/format_query?${new URLSearchParams({ query })}`;
      assert.deepEqual(await ask(t.url, path, { headers: t.adminHeaders }), await ask(prometheus.base, path));
    });
  }

  it('format_query by form POST, and its errors', async () => {
    const form = {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'query=sum(up)by(a)',
    };
    const ours = await ask(t.url, '/api/v1/format_query', {
      ...form,
      headers: { ...form.headers, ...t.adminHeaders },
    });
    assert.deepEqual(ours, await ask(prometheus.base, '/api/v1/format_query', form));
    for (const path of ['/api/v1/format_query', '/api/v1/format_query?query=sum(up']) {
      assert.deepEqual(await ask(t.url, path, { headers: t.adminHeaders }), await ask(prometheus.base, path));
    }
  });

  it("the rules API shows each rule's query printed back", async () => {
    const queries = async (base: string, headers = {}) => {
      const body = (await (await fetch(`${base}/api/v1/rules`, { headers })).json()) as {
        data: { groups: Array<{ rules: Array<{ name: string; query: string }> }> };
      };
      return body.data.groups.flatMap((g) => g.rules.map((r) => [r.name, r.query]));
    };
    const theirs = await queries(prometheus.base);
    assert.equal(theirs.length, RULE_EXPRS.length);
    assert.deepEqual(await queries(t.url, t.adminHeaders), theirs);
  });
});

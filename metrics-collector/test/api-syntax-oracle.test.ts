// PromQL syntax errors worded and placed as Debian's Prometheus 2.42 words them (on loopback):
// the lexer's errors (unbalanced parentheses and brackets, bad durations and numbers, stray
// characters) and the parser's "unexpected <token> in <context>, expected <what>" for common
// mistakes, plus the checks that follow parsing (arity, argument types, operand types).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestApp } from '@flowrent/shared/testing';
import type { Config } from '../src/config.js';
import { startCollector } from './ingest-helpers.js';
import { type PrometheusProcess, prometheusAvailable, startPrometheus } from './prometheus-process.js';

const QUERIES = [
  'up{job="node"',
  'up{job="node",',
  'sum(rate(up[5m])',
  'sum(rate(up[5m])))',
  'foo(up)',
  'rate(up[5x])',
  'rate(up[5m]',
  'up +',
  'sum by (job)',
  'rate(up)',
  'rate(up[5m], 1)',
  'histogram_quantile(up)',
  'histogram_quantile("a", up)',
  'round(up[5m])',
  'sum(up) by',
  'up[5m] + 1',
  'abs("a")',
  'up{job=~"("}',
  'up{=~"a"}',
  '{}',
  'up{job}',
  'up offset',
  'up @',
  '1 +* 2',
  'sum(up) without job',
  'count_values(up)',
  'topk(up)',
  'up[5m:1m:1m]',
  'up[1h5]',
  'up == bool 1 +',
  '(up',
  'up)',
  'up]',
  'up }',
  'vector()',
  'vector(1,2)',
  'absent(1)',
  'label_replace(up, "a")',
  'scalar(up[5m])',
  'time(1)',
  'up and 1',
  '1 and up',
  'sum(1)',
  'rate(1)',
  'avg_over_time(up)',
  'quantile_over_time(up[5m])',
  'clamp(up, 1)',
  'sort(up[5m])',
  'up{job="a"}{x="b"}',
  'up unless on(job) group_left up',
  '"a" + 1',
  'up[5m] * 2',
  '-"a"',
  'up ^^ 2',
  'up{job="node"} offset 5m offset 1m',
  'up{job="a" x="b"}',
  'up{job=="a"}',
  'up{job="a",,}',
  'up{job="a"}[5m:x]',
  'up[5m',
  'up[',
  'up[5m:',
  'up[5m:1m',
  'sum(up) by (a b)',
  'sum(up) by (a,',
  'sum(up) by (a',
  'sum(up) by ("a")',
  'sum by (a) up',
  'x + on(a b) y',
  'x + on a y',
  'x + on(a) group_left(b c) y',
  'rate(up[5m] offset)',
  'up offset -',
  'up offset 5',
  'up @ x',
  'up @ start',
  'up @ start(',
  'up[5m] @',
  '{job="a"} {b="c"}',
  'up!x',
  'up =~ "a"',
  'up{a!x}',
  'up{a="b"}}',
  'up{{}',
  'up[[5m]]',
  'up[5m]]',
  '1 2',
  'up up',
  'sum(up up)',
  'rate(up[5m]',
  'rate(',
  'sum(',
  'sum()',
  '(',
  ')',
  '[',
  ']',
  ',',
  'up,',
  'up{a="b",}[5m',
  'abc def',
  'up[5m]x',
  'up[5.5m]',
  'up[5m1]',
  'up[5mx]',
  '"abc" "def"',
  '1e',
  '0x',
  '.5x',
  'sum by(a)(rate(x[5m])) by (b)',
  'topk(5 up)',
  'count_values "a" (up)',
  'max_over_time(up[5m:1m:])',
  'label_replace(up, "a", "b", "c")',
  'up > bool',
  'up and',
  'up unless on',
  'abs(up',
  'abs(up))',
  'abs up',
  'up offset 5m offset',
  'sum(\n  rate(x[5m]\n  ) by (a b)',
  '{"up"}',
  'up{"a"="b"}',
  'sum by ("a") (up)',
  'sum(rate(up up))',
  'rate(up up)',
  'sum up',
  'up{job=~"("}',
  'up{job=~"a)"}',
  'up{job=~"[a"}',
  'up[5m:1m] @',
  // checkAST's order for an operator: its own checks, the operands' types, then the matching
  '1 > 2 and x',
  'x[5m] and 1',
  'x[5m] + on(a) 1',
  'x and on(a) group_left 1',
  'x + on(a) group_left(a) y[5m]',
  'x[5m] + bool x',
  '(1 > 2) + x[5m]',
  'x[5m] or 1 > 2',
  '1 and 2 + on(a) x[5m]',
  'x or on(a) group_right y[1m]',
  // A refused duration (0, past int64 ns) fails when it arrives, before a later syntax error.
  'avg_over_time(cpu[0m:1m) offset 1h',
  'avg_over_time(cpu[300y:1m) offset 1h',
  'sum(cpu[0m) by (x)',
  'cpu[0m',
  'cpu[5m:0s',
  'cpu[0ms:1m)',
  'cpu[1m:0s)',
  'cpu[5m] offset 0s)',
  '(cpu[0m] + 1',
];

const AT = '1700000600';

async function ask(base: string, query: string, headers: Record<string, string> = {}) {
  const r = await fetch(`${base}/api/v1/query?${new URLSearchParams({ query, time: AT })}`, { headers });
  return { status: r.status, text: await r.text() };
}

describe('syntax errors as Prometheus 2.42 words them', {
  skip: !prometheusAvailable && 'prometheus not installed',
}, () => {
  let prometheus: PrometheusProcess;
  let t: TestApp<Config>;
  before(async () => {
    [prometheus, t] = await Promise.all([startPrometheus(), startCollector()]);
  });
  after(async () => {
    prometheus?.stop();
    await t?.close();
  });

  for (const query of QUERIES) {
    it(JSON.stringify(query), async () => {
      const theirs = await ask(prometheus.base, query);
      assert.notEqual(theirs.status, 200, 'a query the oracle accepts belongs elsewhere');
      assert.deepEqual(await ask(t.url, query, t.adminHeaders), theirs);
    });
  }
});

// A rule's expression shares the event loop as API queries do (rule-eval.ts ruleVector with
// evaluateSliced): over the real server, a recording rule held at one of its pauses does not stop
// /healthz, a push or a query; released, it records what the whole evaluation gives. Events, not
// timing: slices are due at every chance (sliceMs 0) and the test owns the turn between them.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeTempDir, type TestApp } from '@flowrent/shared/testing';
import type { Config } from '../src/config.js';
import { evaluateInstant } from '../src/promql/query.js';
import { pushMetrics, startCollector } from './ingest-helpers.js';
import { holdNextPause } from './query-pause.js';

const BASE_S = 1_700_000_020 - (1_700_000_020 % 60);
const SERIES = 30;
const EXPR = 'sum by (mod) (rate(req_total[5m]))';
let now = (BASE_S + 1800) * 1000;
let c: TestApp<Config>;

function push(metrics: object[]): Promise<Response> {
  return pushMetrics(c, metrics);
}

before(async () => {
  const file = join(makeTempDir('rules-sliced-'), 'rules.yml');
  writeFileSync(
    file,
    `groups:\n  - name: g\n    rules:\n      - record: mod:req:rate5m\n        expr: ${EXPR}\n`,
  );
  c = await startCollector({ RULE_FILES: file }, () => now);
  const metrics = [];
  for (let k = 0; k < SERIES; k++) {
    for (let t = BASE_S; t <= BASE_S + 1800; t += 30) {
      metrics.push({
        name: 'req_total',
        type: 'counter',
        labels: { i: String(k), mod: String(k % 3) },
        value: (t - BASE_S) * (k + 1),
        timestamp: t,
      });
    }
  }
  assert.equal((await push(metrics)).status, 204);
});

after(async () => {
  await c?.close();
});

test('a recording rule held mid-evaluation lets /healthz, a push and a query through, then records its whole result', async () => {
  const rules = c.app.rules;
  assert.ok(rules);
  const slicing = rules.slicing;
  slicing.sliceMs = 0;
  const { reached, release } = holdNextPause(slicing);
  now += 60_000; // the next aligned evaluation time
  let done = false;
  const tick = rules.tick(now).then(() => {
    done = true;
  });
  await reached;

  assert.equal((await fetch(`${c.url}/healthz`)).status, 200);
  assert.equal((await push([{ name: 'during_rule', value: 4 }])).status, 204);
  const q = await fetch(`${c.url}/api/v1/query?query=during_rule&time=${now / 1000}`, {
    headers: c.adminHeaders,
  });
  assert.equal((await q.json()).data.result[0].value[1], '4');
  assert.equal(done, false, 'the held rule finished before it was released');

  release();
  await tick;
  const t = Math.floor(now / 60_000) * 60_000;
  const whole = evaluateInstant(c.app.ingestion.source, EXPR, t);
  assert.equal(whole.resultType, 'vector');
  const recorded = evaluateInstant(c.app.ingestion.source, 'mod:req:rate5m', t);
  assert.equal(recorded.resultType, 'vector');
  const byMod = (r: typeof whole) =>
    r.resultType === 'vector' ? Object.fromEntries(r.result.map((s) => [s.metric.mod, s.v])) : {};
  assert.equal(Object.keys(byMod(whole)).length, 3);
  assert.deepEqual(byMod(recorded), byMod(whole));
  assert.equal(rules.groups[0].rules[0].health, 'ok');
});

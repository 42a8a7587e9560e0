// Query limits over the real HTTP server: a pathological subquery (1 ms steps over an hour, 50
// series) is refused by --query.max-samples while its points are being produced, with
// Prometheus 2.42's answer (422, errorType execution), instead of holding the event loop until
// the query timeout; a long single-series evaluation stops at its timeout (503, errorType
// timeout); an ingest request sent while a heavy query runs is answered and its samples kept.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestApp } from '@flowrent/shared/testing';
import type { Config } from '../src/config.js';
import { startCollector } from './ingest-helpers.js';

const BASE_S = 1_700_000_000;
const END_S = BASE_S + 3900;
const NOW = END_S * 1000;
const SERIES = 50;

let c: TestApp<Config>;

function push(metrics: object[]): Promise<Response> {
  return fetch(`${c.url}/api/metrics`, {
    method: 'POST',
    headers: { ...c.adminHeaders, 'content-type': 'application/json' },
    body: JSON.stringify({ metrics }),
  });
}

async function query(q: string, extra = ''): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(`${c.url}/api/v1/query?query=${encodeURIComponent(q)}&time=${END_S}${extra}`, {
    headers: c.adminHeaders,
  });
  return { status: r.status, body: await r.json() };
}

before(async () => {
  c = await startCollector({}, () => NOW);
  const metrics = [];
  for (let k = 0; k < SERIES; k++) {
    for (let t = BASE_S; t <= END_S; t += 15) {
      metrics.push({
        name: 'req_total',
        type: 'counter',
        labels: { i: String(k) },
        value: t - BASE_S,
        timestamp: t,
      });
    }
  }
  const r = await push(metrics);
  assert.equal(r.status, 204, await r.text());
});

after(async () => {
  await c?.close();
});

describe('query limits over HTTP', () => {
  it('stops a long evaluation of one series at its timeout', async () => {
    // 3.6 M steps of one series: under the sample limit, so only the timeout can stop it.
    const r = await query('max_over_time(rate(req_total{i="0"}[5m])[1h:1ms])', '&timeout=1ms');
    assert.equal(r.status, 503);
    assert.deepEqual(r.body, {
      status: 'error',
      errorType: 'timeout',
      error: 'query timed out in expression evaluation',
    });
  });

  it('refuses a 1 ms-step subquery over 50 series with max-samples, as Prometheus, and answers an ingest request sent meanwhile', async () => {
    const heavy = query('rate(req_total[5m])[1h:1ms]');
    const ingest = push([{ name: 'during_query', type: 'gauge', labels: {}, value: 7, timestamp: END_S }]);
    const [q, w] = await Promise.all([heavy, ingest]);
    assert.equal(q.status, 422);
    assert.deepEqual(q.body, {
      status: 'error',
      errorType: 'execution',
      error: 'query processing would load too many samples into memory in query execution',
    });
    assert.equal(w.status, 204, await w.text());
    const read = await query('during_query');
    assert.deepEqual(read.body.data, {
      resultType: 'vector',
      result: [{ metric: { __name__: 'during_query' }, value: [END_S, '7'] }],
    });
    // The refused query released its budget: a light query over every series still runs.
    const light = await query('sum(rate(req_total[5m]))');
    assert.equal(light.status, 200);
  });
});

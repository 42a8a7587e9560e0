// The Prometheus HTTP API end to end: the real collector on 127.0.0.1, data pushed through
// /api/metrics, read back through /api/v1/* by fetch (GET and POST form, as Grafana sends) and by
// Debian's promtool 2.42, with Prometheus' JSON shapes and error bodies.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { TestApp } from '@flowrent/shared/testing';
import Fastify from 'fastify';
import { registerPromApi } from '../src/http/api-routes.js';
import { formatPromResponse } from '../src/promql/format.js';
import { evaluateRange } from '../src/promql/query.js';
import type { Config } from '../src/config.js';
import { startCollector } from './ingest-helpers.js';

const run = promisify(execFile);
const BASE_S = 1_700_000_000;
const NOW = (BASE_S + 3600) * 1000;

let c: TestApp<Config>;

async function api(path: string, init: RequestInit = {}) {
  const r = await fetch(`${c.url}${path}`, { ...init, headers: { ...c.adminHeaders, ...init.headers } });
  return { status: r.status, body: await r.json() };
}

function form(path: string, params: Array<[string, string]>) {
  return api(path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
  });
}

before(async () => {
  c = await startCollector({}, () => NOW);
  const metrics = [];
  for (let k = 0; k <= 240; k++) {
    const timestamp = BASE_S + k * 15;
    for (const [instance, code] of [
      ['a:80', '200'],
      ['a:80', '500'],
      ['b:80', '200'],
    ]) {
      metrics.push({
        name: 'http_requests_total',
        type: 'counter',
        help: 'Requests.',
        labels: { job: 'api', instance, code },
        value: k * (code === '200' ? 10 : 1),
        timestamp,
      });
    }
    metrics.push({
      name: 'temperature_celsius',
      type: 'gauge',
      labels: { room: 'lab' },
      value: 20 + (k % 5),
      timestamp,
    });
  }
  const r = await fetch(`${c.url}/api/metrics`, {
    method: 'POST',
    headers: { ...c.adminHeaders, 'content-type': 'application/json' },
    body: JSON.stringify({ metrics }),
  });
  assert.equal(r.status, 204, await r.text());
});

after(async () => {
  await c?.close();
});

describe('Prometheus query API', () => {
  it('streams a large range result in pieces that make the same JSON as one string', async () => {
    const [start, end] = [BASE_S, BASE_S + 3600];
    const r = await fetch(
      `${c.url}/api/v1/query_range?query=http_requests_total&start=${start}&end=${end}&step=1`,
      {
        headers: c.adminHeaders,
      },
    );
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('transfer-encoding'), 'chunked');
    assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
    const text = await r.text();
    const source = c.app.ingestion.source;
    const expected = formatPromResponse(
      evaluateRange(source, 'http_requests_total', start * 1000, end * 1000, 1000),
    );
    assert.ok(text.length > 200_000, `${text.length} characters`);
    assert.equal(text, expected);
  });

  it("answers Grafana's data-source check (1+1 at time 4) with scalar 2", async () => {
    const r = await fetch(`${c.url}/api/v1/query?query=1%2B1&time=4`, { headers: c.adminHeaders });
    assert.equal(r.status, 200);
    assert.equal(await r.text(), '{"status":"success","data":{"resultType":"scalar","result":[4,"2"]}}');
  });

  it('evaluates instant queries by GET and POST form with the default time = now', async () => {
    const get = await api(
      `/api/v1/query?query=${encodeURIComponent('sum by (code) (rate(http_requests_total[5m]))')}`,
    );
    const post = await form('/api/v1/query', [['query', 'sum by (code) (rate(http_requests_total[5m]))']]);
    assert.deepEqual(get, post);
    assert.equal(get.body.data.resultType, 'vector');
    const byCode = Object.fromEntries(
      get.body.data.result.map((s: { metric: { code: string }; value: [number, string] }) => [
        s.metric.code,
        s.value,
      ]),
    );
    assert.deepEqual(byCode, {
      '200': [NOW / 1000, String(2 * (10 / 15))],
      '500': [NOW / 1000, String(1 / 15)],
    });
  });

  it('returns a matrix with string values for query_range, steps at start + k·step', async () => {
    const r = await form('/api/v1/query_range', [
      ['query', 'temperature_celsius'],
      ['start', String(BASE_S + 0.5)],
      ['end', String(BASE_S + 60.5)],
      ['step', '30s'],
    ]);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.data, {
      resultType: 'matrix',
      result: [
        {
          metric: { __name__: 'temperature_celsius', room: 'lab' },
          values: [
            [BASE_S + 0.5, '20'],
            [BASE_S + 30.5, '22'],
            [BASE_S + 60.5, '24'],
          ],
        },
      ],
    });
  });

  it('writes NaN and +Inf as strings', async () => {
    const r = await api(
      `/api/v1/query?query=${encodeURIComponent('vector(0/0) or vector(1/0)')}&time=${BASE_S}`,
    );
    const text = JSON.stringify(r.body);
    assert.match(text, /"NaN"/);
    const inf = await api(`/api/v1/query?query=${encodeURIComponent('1/0')}&time=${BASE_S}`);
    assert.deepEqual(inf.body.data.result, [BASE_S, '+Inf']);
  });

  it('answers parse errors with 400 bad_data and the position', async () => {
    const r = await api(`/api/v1/query?query=${encodeURIComponent('sum(rate(x[5m])')}`);
    assert.equal(r.status, 400);
    assert.equal(r.body.status, 'error');
    assert.equal(r.body.errorType, 'bad_data');
    assert.match(r.body.error, /^invalid parameter "query": 1:\d+: parse error/);
  });

  it('answers execution errors with 422 execution', async () => {
    const q = 'http_requests_total + on(job) http_requests_total';
    const r = await api(`/api/v1/query?query=${encodeURIComponent(q)}&time=${BASE_S + 60}`);
    assert.equal(r.status, 422);
    assert.equal(r.body.errorType, 'execution');
    assert.match(r.body.error, /many-to-many matching not allowed/);
  });

  it('enforces the 11,000 points limit and validates range parameters', async () => {
    const tooMany = await form('/api/v1/query_range', [
      ['query', 'up'],
      ['start', '0'],
      ['end', '11001'],
      ['step', '1'],
    ]);
    assert.equal(tooMany.status, 400);
    assert.match(tooMany.body.error, /exceeded maximum resolution of 11,000 points per timeseries/);
    const noStep = await form('/api/v1/query_range', [
      ['query', 'up'],
      ['start', '0'],
      ['end', '10'],
    ]);
    assert.equal(noStep.status, 400);
    const badTime = await api('/api/v1/query?query=up&time=yesterday');
    assert.deepEqual(badTime.body, {
      status: 'error',
      errorType: 'bad_data',
      error:
        'invalid parameter "time": Invalid time value for \'time\': cannot parse "yesterday" to a valid timestamp',
    });
    const matrix = await form('/api/v1/query_range', [
      ['query', 'up[5m]'],
      ['start', '0'],
      ['end', '10'],
      ['step', '1'],
    ]);
    assert.match(matrix.body.error, /invalid expression type "range vector" for range query/);
  });

  it('accepts RFC 3339 times', async () => {
    const t = new Date((BASE_S + 60) * 1000).toISOString();
    const r = await api(`/api/v1/query?query=temperature_celsius&time=${t}`);
    assert.deepEqual(r.body.data.result[0].value, [BASE_S + 60, '24']);
  });

  it('times out a query with 503 timeout', async () => {
    const q = 'count(max_over_time(http_requests_total[1h:1s]))';
    const r = await api(`/api/v1/query?query=${encodeURIComponent(q)}&time=${BASE_S + 3600}&timeout=1ms`);
    assert.equal(r.status, 503);
    assert.equal(r.body.errorType, 'timeout');
  });

  it('answers storage failures with 500 internal in the Prometheus shape', async () => {
    const app = Fastify({ logger: false });
    const fire = () => {
      throw new Error('disk on fire');
    };
    const failing = {
      stream: fire,
      select: fire,
      series: () => [],
      labelNames: () => [],
      labelValues: () => [],
    };
    registerPromApi(app, { source: failing, clock: () => 0, version: 'test' });
    const r = await app.inject({ method: 'GET', url: '/api/v1/query?query=up' });
    assert.equal(r.statusCode, 500);
    assert.deepEqual(r.json(), { status: 'error', errorType: 'internal', error: 'disk on fire' });
    await app.close();
  });

  it('requires the admin key', async () => {
    const r = await fetch(`${c.url}/api/v1/query?query=up`);
    assert.equal(r.status, 401);
  });
});

describe('Prometheus metadata API', () => {
  it('lists series for several match[] by GET and POST form', async () => {
    const q = `match[]=${encodeURIComponent('http_requests_total{code="500"}')}&match[]=temperature_celsius`;
    const get = await api(`/api/v1/series?${q}`);
    const post = await form('/api/v1/series', [
      ['match[]', 'http_requests_total{code="500"}'],
      ['match[]', 'temperature_celsius'],
    ]);
    assert.equal(get.status, 200);
    const names = (r: typeof get) =>
      r.body.data.map((l: Record<string, string>) => `${l.__name__}/${l.code ?? ''}`).sort();
    assert.deepEqual(names(get), ['http_requests_total/500', 'temperature_celsius/']);
    assert.deepEqual(names(post), names(get));
    const none = await api('/api/v1/series');
    assert.equal(none.status, 400);
    assert.equal(none.body.error, 'no match[] parameter provided');
  });

  it('lists label names and values', async () => {
    const labels = await api('/api/v1/labels');
    for (const n of ['__name__', 'code', 'instance', 'job', 'room'])
      assert.ok(labels.body.data.includes(n), n);
    const names = await api('/api/v1/label/__name__/values');
    assert.ok(names.body.data.includes('http_requests_total'));
    const codes = await api(`/api/v1/label/code/values?match[]=${encodeURIComponent('{instance="b:80"}')}`);
    assert.deepEqual(codes.body.data, ['200']);
    const re2 = await api(
      `/api/v1/label/code/values?match[]=${encodeURIComponent('{instance=~"(?i)B:80"}')}`,
    );
    assert.deepEqual(re2.body.data, ['200']);
    const series = await api(
      `/api/v1/series?match[]=${encodeURIComponent('{__name__=~"(?i)TEMPERATURE_.*"}')}`,
    );
    assert.deepEqual(series.body.data, [{ __name__: 'temperature_celsius', room: 'lab' }]);
  });

  it('serves metadata, buildinfo, exemplars, rules and alerts', async () => {
    const meta = await api('/api/v1/metadata?metric=http_requests_total');
    assert.equal(meta.body.data.http_requests_total[0].type, 'counter');
    const build = await api('/api/v1/status/buildinfo');
    assert.equal(build.body.data.version, '2.42.0');
    assert.match(build.body.data.revision, /^flowrent-metrics-collector /);
    assert.deepEqual((await api('/api/v1/query_exemplars?query=up&start=0&end=1')).body, {
      status: 'success',
      data: [],
    });
    assert.deepEqual((await api('/api/v1/rules')).body, { status: 'success', data: { groups: [] } });
    assert.deepEqual((await api('/api/v1/alerts')).body, { status: 'success', data: { alerts: [] } });
  });
});

describe('promtool 2.42 against the collector', {
  skip: !existsSync('/usr/bin/promtool') && 'no promtool',
}, () => {
  // promtool 2.42's query commands have no --http.config.file: credentials go in the URL (Go sends
  // them as Basic auth, the key as password) or, for `query range`, in --header.
  const server = () => c.url.replace('http://', 'http://promtool:test-admin-key@');

  it('runs query instant', async () => {
    const { stdout } = await run('promtool', [
      'query',
      'instant',
      `--time=${BASE_S + 60}`,
      server(),
      'temperature_celsius',
    ]);
    assert.match(stdout, /temperature_celsius\{room="lab"\} => 24 @\[1700000060\]/);
  });

  it('runs query range with an Authorization header', async () => {
    const { stdout } = await run('promtool', [
      'query',
      'range',
      '--header=Authorization: Bearer test-admin-key',
      `--start=${BASE_S}`,
      `--end=${BASE_S + 30}`,
      '--step=15s',
      c.url,
      'temperature_celsius',
    ]);
    assert.match(stdout, /20 @\[1700000000\]\n21 @\[1700000015\]\n22 @\[1700000030\]/);
  });

  it('runs query series and labels', async () => {
    // promtool defaults start/end around the wall clock; the test data lives in 2023.
    const range = [`--start=${BASE_S}`, `--end=${BASE_S + 3600}`];
    const series = await run('promtool', [
      'query',
      'series',
      ...range,
      '--match=temperature_celsius',
      server(),
    ]);
    assert.match(series.stdout, /\{__name__="temperature_celsius", room="lab"\}/);
    const labels = await run('promtool', ['query', 'labels', ...range, server(), 'code']);
    assert.deepEqual(labels.stdout.trim().split('\n'), ['200', '500']);
  });

  it('fails without credentials', async () => {
    await assert.rejects(run('promtool', ['query', 'instant', c.url, 'up']));
  });
});

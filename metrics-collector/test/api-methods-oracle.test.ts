// HTTP methods a Prometheus API route does not take, answered as Debian's Prometheus 2.42 answers
// them (on loopback): 405 with its Allow list and Go's http.Error text, 204 for OPTIONS, and
// DELETE /api/v1/series as the admin API's "not implemented".
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestApp } from '@flowrent/shared/testing';
import type { Config } from '../src/config.js';
import { startCollector } from './ingest-helpers.js';
import { type PrometheusProcess, prometheusAvailable, startPrometheus } from './prometheus-process.js';

const CASES: Array<[method: string, path: string]> = [
  ['PUT', '/api/v1/query?query=1'],
  ['DELETE', '/api/v1/query_range'],
  ['PATCH', '/api/v1/labels'],
  ['HEAD', '/api/v1/series'],
  ['DELETE', '/api/v1/series?match[]=up'],
  ['PUT', '/api/v1/query_exemplars'],
  ['POST', '/api/v1/status/buildinfo'],
  ['HEAD', '/api/v1/status/buildinfo'],
  ['PUT', '/api/v1/status/flags'],
  ['POST', '/api/v1/status/runtimeinfo'],
  ['POST', '/api/v1/status/tsdb'],
  ['PUT', '/api/v1/format_query?query=up'],
  ['POST', '/api/v1/rules'],
  ['DELETE', '/api/v1/alerts'],
  ['POST', '/api/v1/alertmanagers'],
  ['HEAD', '/api/v1/alertmanagers'],
  ['PUT', '/api/v1/targets'],
  ['HEAD', '/api/v1/targets'],
  ['GET', '/api/v1/write'],
  ['HEAD', '/api/v1/write'],
  ['PUT', '/api/v1/write'],
  ['HEAD', '/api/v1/status/config'],
  ['POST', '/api/v1/status/config'],
  ['OPTIONS', '/api/v1/query'],
  ['OPTIONS', '/api/v1/status/buildinfo'],
];

async function ask(base: string, method: string, path: string, headers: Record<string, string> = {}) {
  const r = await fetch(`${base}${path}`, { method, headers });
  return {
    status: r.status,
    allow: r.headers.get('allow'),
    type: r.headers.get('content-type')?.replace('; charset=utf-8', '') ?? null,
    nosniff: r.headers.get('x-content-type-options'),
    body: await r.text(),
  };
}

describe('methods a route does not take, as Prometheus 2.42 answers them', {
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

  for (const [method, path] of CASES) {
    it(`${method} ${path}`, async () => {
      const theirs = await ask(prometheus.base, method, path);
      const ours = await ask(t.url, method, path, t.adminHeaders);
      assert.deepEqual(ours, theirs);
    });
  }

  it('answers 405 without the admin key too (the method is wrong whoever asks)', async () => {
    const r = await fetch(`${t.url}/api/v1/query`, { method: 'PUT' });
    assert.equal(r.status, 405);
    assert.equal(r.headers.get('allow'), 'GET, OPTIONS, POST');
  });
});

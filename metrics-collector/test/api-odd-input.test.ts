// Odd input to the Prometheus HTTP API, answered by Debian's Prometheus 2.42 (on loopback, empty)
// and by the collector, GET and form POST: the status, errorType and result type must agree, and
// the collector never answers 500. Cases where the collector answers otherwise on purpose are
// listed apart with the reason.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestApp } from '@flowrent/shared/testing';
import type { Config } from '../src/config.js';
import { startCollector } from './ingest-helpers.js';
import { type PrometheusProcess, prometheusAvailable, startPrometheus } from './prometheus-process.js';

type Params = Record<string, string | string[]>;
type Case = [path: string, params: Params];

const q = (query: string, extra: Params = {}): Case => ['/api/v1/query', { query, ...extra }];
const range = (query: string, start: string, end: string, step: string, extra: Params = {}): Case => [
  '/api/v1/query_range',
  { query, start, end, step, ...extra },
];

/** Answered alike by both (each was a 200 or a 500 of ours, or a 400 of ours where 2.42 says 200,
 * before 26 Nov 2026 where marked *). */
const CASES: Case[] = [
  q('up'),
  ['/api/v1/query', {}],
  q('up{'),
  q('{__name__=~"("}'),
  q('{}'),
  q('up @ 1e20'), // *
  q('up @ -1e20'), // *
  q('up offset 300000y'), // *
  q('up[300000y]'), // *
  q('up[0s]'), // *
  q('up[5m:0s]'), // *
  q('1e400'), // *
  q('{a=~"a{1000000}"}'), // *
  q('{a=~"(?<x>a)"}'), // *
  q('{a=~"\\\\1"}'), // *
  q('{a=~"(?=x)"}'), // *
  q('up{a="\\uD800"}'), // *
  q('up{a="\\400"}'), // *
  q('topk(1e20, vector(1))'), // *
  q('topk(NaN, vector(1))'), // *
  q('topk(-1, vector(1))'),
  q('up', { timeout: '0' }), // *
  q('up{', { timeout: '0' }),
  q('up', { timeout: 'abc' }),
  q('up', { time: 'abc' }),
  q('up', { time: '1e15' }),
  q('count_values("1bad", vector(1))'),
  q('label_replace(vector(1), "1bad", "", "", "")'),
  range('up', '0', '100', '0'),
  range('up', '0', '100', '-1'),
  range('up', '100', '0', '1'),
  range('up', '0', '100000', '1'),
  range('vector(1)', '0', '11000', '1'),
  range('up', '0', '100', 'abc'),
  range('up', 'abc', '100', '1'),
  range('vector(1)', '-1e15', '1e15', '1e12'), // *
  range('vector(1)', '0.5', '2.7', '0.3'),
  ['/api/v1/series', {}],
  ['/api/v1/series', { 'match[]': 'up{' }],
  ['/api/v1/series', { 'match[]': '{}' }],
  ['/api/v1/series', { 'match[]': 'rate(up[5m])' }],
  ['/api/v1/series', { 'match[]': 'up offset 5m' }], // *
  ['/api/v1/series', { 'match[]': 'up @ 5' }], // *
  ['/api/v1/series', { 'match[]': 'up', start: '100', end: '0' }], // *
  ['/api/v1/series', { 'match[]': 'up', start: '1e20' }], // *
  ['/api/v1/series', { 'match[]': ['up', '{job="x"}'] }],
  ['/api/v1/labels', { start: '100', end: '0' }], // *
  ['/api/v1/labels', { 'match[]': 'up{' }],
  ['/api/v1/label/job/values', { start: '100', end: '0' }], // *
  ['/api/v1/label/1bad/values', {}],
  ['/api/v1/label/U__a_2e_b/values', {}], // *
  ['/api/v1/label/U__x_110000_/values', {}], // * (a 500)
  ['/api/v1/query_exemplars', { query: 'up', start: '100', end: '0' }],
];

/** Answered otherwise on purpose. */
const OURS: [Case, number, string | undefined][] = [
  // 2.42 turns NaN/Inf into some time and answers 200; a clear 400 is more use to a client.
  [q('up', { time: 'NaN' }), 400, 'bad_data'],
  // `limit` is newer than 2.42 (which ignores it); later versions check it as we do.
  [['/api/v1/series', { 'match[]': 'up', limit: 'x' }], 400, 'bad_data'],
  // 2.42 answers 204 with no body to a query without a selector.
  [['/api/v1/query_exemplars', { query: '1' }], 200, undefined],
];

/** 2.42 answers 405 to a POST there; the collector takes GET and POST on every route (issue 5). */
const getOnlyInPrometheus = (path: string) =>
  path.startsWith('/api/v1/label/') || path === '/api/v1/metadata';

interface Answer {
  status: number;
  shape: unknown[];
}

async function ask(
  base: string,
  [path, params]: Case,
  method: 'GET' | 'POST',
  headers = {},
): Promise<Answer> {
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const x of Array.isArray(v) ? v : [v]) form.append(k, x);
  const res =
    method === 'GET'
      ? await fetch(`${base}${path}?${form}`, { headers })
      : await fetch(`${base}${path}`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
          body: form.toString(),
        });
  const text = await res.text();
  const body = text
    ? (JSON.parse(text) as { status: string; errorType?: string; data?: unknown })
    : undefined;
  const data = body?.data as { resultType?: string } | unknown[] | undefined;
  const kind = Array.isArray(data) ? 'list' : (data as { resultType?: string } | undefined)?.resultType;
  return { status: res.status, shape: [body?.status, body?.errorType, kind] };
}

describe('odd input to the query API, answered as Prometheus 2.42 answers it', {
  skip: !prometheusAvailable && 'prometheus not installed',
}, () => {
  let prometheus: PrometheusProcess;
  let t: TestApp<Config>;
  before(async () => {
    prometheus = await startPrometheus();
    t = await startCollector();
  });
  after(async () => {
    prometheus?.stop();
    await t?.close();
  });

  for (const method of ['GET', 'POST'] as const) {
    it(`${method}: status, errorType and result type agree with Prometheus; never a 500`, async () => {
      for (const c of CASES) {
        if (method === 'POST' && getOnlyInPrometheus(c[0])) continue;
        const theirs = await ask(prometheus.base, c, method);
        const ours = await ask(t.url, c, method, t.adminHeaders);
        assert.deepEqual(ours, theirs, `${method} ${c[0]} ${JSON.stringify(c[1])}`);
      }
    });
  }

  it('answers the deliberate differences as documented', async () => {
    for (const [c, status, errorType] of OURS) {
      const ours = await ask(t.url, c, 'GET', t.adminHeaders);
      assert.equal(ours.status, status, JSON.stringify(c));
      assert.equal(ours.shape[1], errorType, JSON.stringify(c));
    }
  });
});

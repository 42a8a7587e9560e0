// `stats=all` on /api/v1/query and /api/v1/query_range against Debian's Prometheus 2.42 (on
// loopback), both fed the same remote_write batch: data.stats has 2.42's fields and JSON types, and
// totalQueryableSamples (samples read per step) and peakSamples (the most points 2.42's evaluator
// holds at once, replayed by eval/peak.ts) are 2.42's figures.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestApp } from '@flowrent/shared/testing';
import type { Config } from '../src/config.js';
import { remoteWriteToBoth, startCollector } from './ingest-helpers.js';
import { encodeWriteRequest, type Sample } from './oracle-data.js';
import { type PrometheusProcess, prometheusAvailable, startPrometheus } from './prometheus-process.js';

const T = 1_700_000_000_000;
const samples: Sample[] = [];
for (let k = 0; k <= 40; k++) {
  const t = T + k * 15_000;
  samples.push({ labels: { __name__: 'up', job: 'node', instance: 'a:9100' }, t, v: 1 });
  samples.push({ labels: { __name__: 'up', job: 'node', instance: 'b:9100' }, t, v: k % 3 });
  samples.push({ labels: { __name__: 'req_total', job: 'api', code: '200' }, t, v: k * 3 });
}

const QUERIES = [
  'up',
  'req_total',
  'rate(req_total[1m])',
  'sum(rate(req_total[5m]))',
  'max_over_time(up[2m])',
  'sum(up)',
  'up + up',
  'topk(1, up)',
  'count_over_time(up[1m:15s])',
  '1 + 1',
  'vector(1)',
  'vector(1) + up',
  'up + 1',
  '2 * sum(rate(req_total[1m]))',
  'sum by (job) (up) * 2',
  'up > 0.5',
  'up > bool 0.5',
  '-up',
  'abs(up)',
  'up offset 1m',
  'up @ 1700000300',
  'sum(up @ 1700000300) + up',
  'rate(req_total[1m] @ 1700000300)',
  'time()',
  'scalar(sum(up))',
  'topk(1, rate(req_total[1m]))',
  'quantile(0.5, up)',
  'count_values("v", up)',
  'label_replace(up, "x", "$1", "instance", "(.*):.*")',
  'timestamp(up)',
  'sort(up)',
  'absent(nonexistent)',
  'up and up',
  'up or vector(1)',
  'max_over_time(up[2m:30s])',
  'quantile_over_time(0.5, up[2m])',
  'sum_over_time(rate(req_total[1m])[3m:1m])',
  'histogram_quantile(0.5, sum by (le) (rate(req_total[1m])))',
  'clamp(up, 0, 1)',
  'count_over_time(up[1m])',
  'count_over_time(up[1m] offset 5m)',
  'absent_over_time(up[1m])',
  'absent_over_time(nonexistent[1m])',
  'absent_over_time(up[1m] offset 5m)',
  'absent_over_time(up{instance="b:9100"}[30s] offset 4m)',
  'absent_over_time(up[1m:15s])',
  'absent_over_time(nonexistent[5m:1m])',
  'absent_over_time(rate(req_total[1m])[2m:30s] offset 5m)',
  'sum(absent_over_time(up[1m] offset 5m)) + up',
  // More inner steps than a subquery evaluates at once (SUBQUERY_BLOCK_STEPS).
  'max_over_time(up[20h:1s])',
  'count_over_time(rate(req_total[1m])[20h:1s])',
  'sum_over_time((sum(up) + 1)[20h:1s])',
  'max_over_time(max_over_time(up[1m])[20h:1s])',
  'absent_over_time(up[20h:1s])',
  'max_over_time(vector(1)[20h:1s])',
  // The data straddles the blocks' boundary (6,464 inner steps before the end).
  'max_over_time(up[20h:1s] offset -6164s)',
  'sum_over_time(rate(req_total[1m])[20h:1s] offset -6164s)',
  'count_over_time((up * on(instance) group_left up)[20h:1s] offset -6164s)',
  'max_over_time(sum(count_over_time(up[2m]))[20h:1s] offset -6164s)',
];

type Stats = {
  timings: Record<string, number>;
  samples: { totalQueryableSamples: number; peakSamples: number };
};

async function stats(base: string, path: string, params: Record<string, string>, headers = {}) {
  const r = await fetch(`${base}${path}?${new URLSearchParams({ ...params, stats: 'all' })}`, { headers });
  assert.equal(r.status, 200);
  return ((await r.json()) as { data: { stats: Stats } }).data.stats;
}

const shape = (s: Stats) => ({
  timings: Object.keys(s.timings).map((k) => [k, typeof s.timings[k]]),
  samples: Object.keys(s.samples).map((k) => [k, typeof s.samples[k as keyof Stats['samples']]]),
});

describe('stats=all as Prometheus 2.42 answers it', {
  skip: !prometheusAvailable && 'prometheus not installed',
}, () => {
  let prometheus: PrometheusProcess;
  let t: TestApp<Config>;
  before(async () => {
    [prometheus, t] = await Promise.all([startPrometheus(), startCollector({}, () => T + 3_600_000)]);
    await remoteWriteToBoth(prometheus.base, t, encodeWriteRequest(samples));
  });
  after(async () => {
    prometheus?.stop();
    await t?.close();
  });

  for (const query of QUERIES) {
    for (const [path, params] of [
      ['/api/v1/query', { query, time: String(T / 1000 + 600) }],
      ['/api/v1/query_range', { query, start: String(T / 1000), end: String(T / 1000 + 600), step: '60' }],
    ] as const) {
      it(`${path} ${query}`, async () => {
        const theirs = await stats(prometheus.base, path, params);
        const ours = await stats(t.url, path, params, t.adminHeaders);
        assert.deepEqual(shape(ours), shape(theirs));
        assert.equal(ours.samples.totalQueryableSamples, theirs.samples.totalQueryableSamples);
        assert.equal(ours.samples.peakSamples, theirs.samples.peakSamples);
        for (const v of Object.values(ours.timings)) assert.ok(v >= 0 && Number.isFinite(v));
      });
    }
  }

  for (const query of ['up[2m]', 'up[2m:30s]', 'rate(req_total[1m])[3m:1m]']) {
    it(`/api/v1/query ${query} (a range result)`, async () => {
      const params = { query, time: String(T / 1000 + 600) };
      const theirs = await stats(prometheus.base, '/api/v1/query', params);
      const ours = await stats(t.url, '/api/v1/query', params, t.adminHeaders);
      assert.equal(ours.samples.totalQueryableSamples, theirs.samples.totalQueryableSamples);
      assert.equal(ours.samples.peakSamples, theirs.samples.peakSamples);
    });
  }

  it('leaves stats out unless asked, and answers the same result with them', async () => {
    const url = `${t.url}/api/v1/query?${new URLSearchParams({ query: 'sum(up)', time: String(T / 1000 + 600) })}`;
    const plain = (await (await fetch(url, { headers: t.adminHeaders })).json()) as {
      data: Record<string, unknown>;
    };
    assert.equal('stats' in plain.data, false);
    const withStats = (await (await fetch(`${url}&stats=all`, { headers: t.adminHeaders })).json()) as {
      data: Record<string, unknown>;
    };
    assert.deepEqual(withStats.data.result, plain.data.result);
  });
});

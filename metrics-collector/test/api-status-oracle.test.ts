// /api/v1/status/{flags,runtimeinfo,tsdb} against Debian's Prometheus 2.42 (on loopback), both fed
// the same remote_write batch: the same fields and JSON types, flags named as Prometheus names
// them with the defaults they share, and the tsdb figures of the same series equal.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestApp } from '@flowrent/shared/testing';
import type { Config } from '../src/config.js';
import { remoteWriteToBoth, startCollector } from './ingest-helpers.js';
import { encodeWriteRequest, type Sample } from './oracle-data.js';
import { type PrometheusProcess, prometheusAvailable, startPrometheus } from './prometheus-process.js';

const T = 1_700_000_000_000;

const samples: Sample[] = [];
for (let k = 0; k <= 20; k++) {
  const t = T + k * 15_000;
  for (let i = 0; i < 12; i++) {
    if (i < 4) samples.push({ labels: { __name__: 'up', job: 'node', instance: `n${i}` }, t, v: 1 });
    if (i < 7)
      samples.push({ labels: { __name__: 'http_requests_total', job: 'api', code: `${200 + i}` }, t, v: k });
    samples.push({
      labels: { __name__: 'cpu_seconds_total', job: 'node', cpu: `${i}`, mode: 'idle' },
      t,
      v: k * i,
    });
  }
  samples.push({ labels: { __name__: 'build_info', version: 'a-very-long-version-string' }, t, v: 1 });
}

const EMPTY_HEAD =
  '{"status":"success","data":{"headStats":{"numSeries":0,"numLabelPairs":0,"chunkCount":0,"minTime":9223372036854775807,"maxTime":-9223372036854775808},"seriesCountByMetricName":[],"labelValueCountByLabelName":[],"memoryInBytesByLabelName":[],"seriesCountByLabelValuePair":[]}}';

async function data(base: string, path: string, headers = {}) {
  const r = await fetch(`${base}${path}`, { headers });
  assert.equal(r.status, 200);
  const body = (await r.json()) as { status: string; data: Record<string, unknown> };
  assert.equal(body.status, 'success');
  return body.data;
}

interface Stat {
  name: string;
  value: number;
}

/** A top-10 list as counts in order, names grouped by count: Prometheus' heap leaves ties in any
 * order, and which of the tied entries at the cut make a full list is arbitrary too. */
function ranked(list: Stat[]) {
  const groups = new Map<number, string[]>();
  for (const s of list) groups.set(s.value, [...(groups.get(s.value) ?? []), s.name].sort());
  const smallest = list.at(-1)?.value;
  return {
    counts: list.map((s) => s.value),
    names: [...groups].map(([v, names]) => [v, list.length === 10 && v === smallest ? '(cut)' : names]),
  };
}

const types = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v]));

describe('status endpoints as Prometheus 2.42 answers them', {
  skip: !prometheusAvailable && 'prometheus not installed',
}, () => {
  let prometheus: PrometheusProcess;
  let t: TestApp<Config>;
  before(async () => {
    [prometheus, t] = await Promise.all([startPrometheus(), startCollector({}, () => T + 600_000)]);
  });
  after(async () => {
    prometheus?.stop();
    await t?.close();
  });

  it('tsdb: series, label pairs and the top-10 lists equal for the same series', async () => {
    await remoteWriteToBoth(prometheus.base, t, encodeWriteRequest(samples));
    const ours = await data(t.url, '/api/v1/status/tsdb', t.adminHeaders);
    const theirs = await data(prometheus.base, '/api/v1/status/tsdb');
    type Head = {
      numSeries: number;
      numLabelPairs: number;
      chunkCount: number;
      minTime: number;
      maxTime: number;
    };
    const [oh, th] = [ours.headStats as Head, theirs.headStats as Head];
    assert.deepEqual(types(oh), types(th), JSON.stringify([ours, theirs]));
    assert.equal(oh.numSeries, th.numSeries, JSON.stringify([ours, theirs]));
    assert.equal(oh.numLabelPairs, th.numLabelPairs);
    assert.equal(oh.minTime, th.minTime);
    assert.equal(oh.maxTime, th.maxTime);
    assert.ok(oh.chunkCount > 0 && th.chunkCount > 0);
    for (const list of Object.keys(theirs).filter((k) => k !== 'headStats'))
      assert.deepEqual(ranked(ours[list] as Stat[]), ranked(theirs[list] as Stat[]), list);
  });

  it('tsdb: an empty head reports int64 bounds and empty lists', async () => {
    // Asked of a fresh collector; Prometheus' text for its empty head, observed from 2.42 (asking
    // the oracle here would cache its empty label lists for 5 minutes, cardinalityCacheExpirationTime).
    const fresh = await startCollector();
    try {
      const ours = await (
        await fetch(`${fresh.url}/api/v1/status/tsdb`, { headers: fresh.adminHeaders })
      ).text();
      assert.equal(ours, EMPTY_HEAD);
    } finally {
      await fresh.close();
    }
  });

  it('flags: the flags we have, named as Prometheus names them, with the defaults we share', async () => {
    const ours = await data(t.url, '/api/v1/status/flags', t.adminHeaders);
    const theirs = await data(prometheus.base, '/api/v1/status/flags');
    for (const [name, value] of Object.entries(ours)) {
      assert.ok(name in theirs, `Prometheus has no flag ${name}`);
      assert.equal(typeof value, 'string');
    }
    for (const name of [
      'query.lookback-delta',
      'query.timeout',
      'query.max-samples',
      'storage.tsdb.retention.size',
    ])
      assert.equal(ours[name], theirs[name], name);
    assert.equal(ours['query.max-concurrency'], '4');
    assert.equal(ours['storage.tsdb.retention.time'], '15d');
  });

  it('runtimeinfo: the same fields and types', async () => {
    const ours = await data(t.url, '/api/v1/status/runtimeinfo', t.adminHeaders);
    const theirs = await data(prometheus.base, '/api/v1/status/runtimeinfo');
    assert.deepEqual(types(ours), types(theirs));
    assert.equal(ours.startTime, new Date(T + 600_000).toISOString().replace('.000Z', 'Z'));
    assert.equal(ours.storageRetention, '15d');
  });

  it('alertmanagers: the same answer with no webhook configured (black-box 7)', async () => {
    const theirs = await data(prometheus.base, '/api/v1/alertmanagers');
    assert.deepEqual(await data(t.url, '/api/v1/alertmanagers', t.adminHeaders), theirs);
    assert.deepEqual(theirs, { activeAlertmanagers: [], droppedAlertmanagers: [] });
  });
});

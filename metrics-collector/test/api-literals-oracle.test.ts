// Number and duration literals as Debian's Prometheus 2.42 reads them (on loopback), compared
// byte for byte on /api/v1/query: `1.`, `1.e3`, `0X1F`, octal and overflowing integers are
// numbers there; a duration where a number belongs (`up - 5m`, `1h30m`, Prometheus 3's syntax) and
// a zero offset are parse errors with 2.42's text and position.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestApp } from '@flowrent/shared/testing';
import type { Config } from '../src/config.js';
import { startCollector } from './ingest-helpers.js';
import { type PrometheusProcess, prometheusAvailable, startPrometheus } from './prometheus-process.js';

const QUERIES = [
  // numbers 2.42 takes
  '1.',
  '1.e3',
  '1.E3',
  '0x1F',
  '0X1f',
  'Inf',
  'inf',
  '+Inf',
  '-Inf',
  'NaN',
  'nAn',
  '1e-3',
  '.5',
  '-.5',
  '+1',
  '- 1',
  '1.5e+3',
  '0.5e-2',
  '017',
  '08',
  '09.5',
  '0x7fffffffffffffff',
  '99999999999999999999',
  '01000000000000000000000',
  '1. + 2.',
  '2. ^ 2',
  '-1. ^ 2',
  'up @ 1.',
  'up @ 1.e3',
  'up @ 0x10',
  'up @ -1',
  'topk(1., up)',
  // numbers it refuses
  '1e400',
  '1.e400',
  '-1e400',
  '- 1e400',
  '0x8000000000000000',
  '0x1.8',
  '1e',
  '1.e',
  '0x',
  '1_000',
  '0o17',
  '0b101',
  '1..5',
  '1.1.5',
  '1e+',
  '0x1p3',
  'NaN1',
  // durations where a number belongs
  '1h30m',
  '5m',
  '1ms',
  '1y',
  'up - 5m',
  '5m + up',
  '-5m',
  'up @ 5m',
  'topk(5m, up)',
  'vector(1h)',
  // durations where one belongs
  'up offset 0m',
  'up offset -0m',
  'up offset 0s',
  'up offset 0ms',
  'up offset 0',
  'up offset 1.',
  'up offset 1h30m',
  'up offset -5m',
  'up offset 1.5m',
  'up offset 5m1',
  'up offset 1h1h',
  'up[0m]',
  'up[1.]',
  'up[1.5m]',
  'up[1h30m]',
  'up[1y2w]',
  'up[2w1y]',
  'up[5m5m]',
  'up[5m:0m]',
  'up[5m:1.]',
  'up[0s:1m]',
  // the first of two errors is the one reported
  'up offset 0m + up offset 0m',
  'up[0m] + up[0s]',
  'up[5m:0s] + up[0s]',
  '1e400 + 1e401',
];

async function ask(base: string, query: string, headers: Record<string, string> = {}) {
  const r = await fetch(`${base}/api/v1/query?${new URLSearchParams({ query, time: '1700000600' })}`, {
    headers,
  });
  return { status: r.status, text: await r.text() };
}

describe('number and duration literals as Prometheus 2.42 reads them', {
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
      assert.deepEqual(await ask(t.url, query, t.adminHeaders), await ask(prometheus.base, query));
    });
  }
});

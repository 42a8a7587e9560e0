// Query parameters (time, start, end, step, timeout, an empty query) as Debian's Prometheus 2.42
// reads them (on loopback), compared byte for byte, GET and form POST: its wording of each error
// (query_range gives a parse error without the `invalid parameter "query"` prefix the instant
// query has), strconv.ParseFloat's syntax (`1_0`, `infinity`; `1e400` does not parse), checks on
// nanoseconds (a 0.1 µs step is too fine, not zero), and times past year 2262 that wrap in its
// engine. NaN and ±Inf times are a documented difference (api-odd-input.test.ts).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestApp } from '@flowrent/shared/testing';
import type { Config } from '../src/config.js';
import { startCollector } from './ingest-helpers.js';
import { type PrometheusProcess, prometheusAvailable, startPrometheus } from './prometheus-process.js';

const CASES = [
  '/api/v1/query_range?query=&start=1&end=2&step=1',
  '/api/v1/query_range?start=1&end=2&step=1',
  '/api/v1/query_range?query=%20&start=1&end=2&step=1',
  '/api/v1/query_range?query=up{&start=1&end=2&step=1',
  '/api/v1/query_range?query=rate(up)&start=1&end=2&step=1',
  '/api/v1/query_range?query=up&start=1e400&end=2&step=1',
  '/api/v1/query_range?query=up&start=-1e400&end=2&step=1',
  '/api/v1/query_range?query=up&start=1&end=1e400&step=1',
  '/api/v1/query_range?query=up&start=1&end=2&step=1e400',
  '/api/v1/query_range?query=up&start=1&end=2',
  '/api/v1/query_range?query=up&end=2&step=1',
  '/api/v1/query_range?query=up&start=1&step=1',
  '/api/v1/query_range?query=up&start=x&end=2&step=1',
  '/api/v1/query_range?query=up&start=1&end=2&step=x',
  '/api/v1/query_range?query=up&start=1&end=2&step=0',
  '/api/v1/query_range?query=up&start=1&end=2&step=-1',
  '/api/v1/query_range?query=up&start=1&end=2&step=NaN',
  '/api/v1/query_range?query=up&start=1&end=2&step=Inf',
  '/api/v1/query_range?query=up&start=1&end=2&step=-Inf',
  '/api/v1/query_range?query=up&start=3&end=2&step=1',
  '/api/v1/query_range?query=up&start=0&end=100000&step=1',
  '/api/v1/query_range?query=up&start=1&end=2&step=1&timeout=x',
  '/api/v1/query_range?query=time()&start=1&end=2&step=1m',
  '/api/v1/query_range?query=time()&start=2023-11-14T22:13:20Z&end=2023-11-14T22:23:20Z&step=1m',
  '/api/v1/query_range?query=time()&start=1&end=2&step=1e10',
  '/api/v1/query_range?query=time()&start=1&end=2&step=9223372036.854775807',
  '/api/v1/query_range?query=time()&start=1&end=2&step=9223372036.854775808',
  '/api/v1/query_range?query=time()&start=1&end=2&step=0.0000001',
  '/api/v1/query_range?query=time()&start=1&end=1&step=0.0005',
  '/api/v1/query_range?query=time()&start=9e9&end=1e10&step=1e5',
  '/api/v1/query_range?query=time()&start=-1e300&end=1e300&step=1e5',
  '/api/v1/query_range?query=time()&start=1_0&end=2_0&step=1_0',
  '/api/v1/query_range?query=time()&start=9223372036854775807&end=9223372036854775807&step=1',
  '/api/v1/query?query=',
  '/api/v1/query',
  '/api/v1/query?query=%20&time=1',
  '/api/v1/query?query=%23comment&time=1',
  '/api/v1/query?query=up&time=1e400',
  '/api/v1/query?query=up&time=x',
  '/api/v1/query?query=up&time=1&timeout=x',
  '/api/v1/query?query=up&time=1&timeout=-1s',
  '/api/v1/query?query=up&time=1&timeout=Inf',
  '/api/v1/query?query=up&time=1&timeout=1e400',
  '/api/v1/query?query=up&time=1&timeout=5m',
  '/api/v1/query?query=time()&time=1e10',
  '/api/v1/query?query=time()&time=-1e10',
  '/api/v1/query?query=time()&time=1e300',
  '/api/v1/query?query=time()&time=9223372036.854775',
  '/api/v1/query?query=time()&time=-0.0005',
  '/api/v1/query?query=time()&time=1700001800.0015',
  '/api/v1/query?query=time()&time=-nan',
  '/api/v1/query?query=time()&time=0x10',
  '/api/v1/query?query=time()&time=1_0',
  '/api/v1/query?query=time()&time=1__0',
  '/api/v1/query?query=time()&time=1e1_0',
  '/api/v1/query?query=time()&time=%2B5',
  '/api/v1/format_query?query=',
  '/api/v1/format_query?query=up{',
];

async function ask(base: string, url: string, method: string, headers: Record<string, string> = {}) {
  const [path, query = ''] = url.split('?');
  const r =
    method === 'GET'
      ? await fetch(`${base}${url}`, { headers })
      : await fetch(`${base}${path}`, {
          method,
          headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
          body: query,
        });
  return { status: r.status, text: await r.text() };
}

describe('query parameters as Prometheus 2.42 reads them', {
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

  for (const method of ['GET', 'POST']) {
    for (const url of CASES) {
      it(`${method} ${url}`, async () => {
        assert.deepEqual(
          await ask(t.url, url, method, t.adminHeaders),
          await ask(prometheus.base, url, method),
        );
      });
    }
  }
});

// Subqueries finer than --query.max-samples steps, against Debian's Prometheus 2.42 on loopback:
// Prometheus counts the points a subquery's inner expression produces (a step without a value
// produces none), so an empty or sparse metric at 1 ms resolution over an hour (3.6 M steps) is answered, and a
// dense one is refused (422 execution). Our engine must give the same answers.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PromQLError } from '../src/promql/errors.js';
import { formatPromResponse } from '../src/promql/format.js';
import { MemorySource } from '../src/promql/memory-source.js';
import { evaluateInstant } from '../src/promql/query.js';
import { encodeWriteRequest, type Sample } from './oracle-data.js';
import { type PrometheusProcess, prometheusAvailable, startPrometheus } from './prometheus-process.js';

const MAX_SAMPLES = 1000;
const LOOKBACK_MS = 100;
const TIME_MS = 7_200_000;

const samples: Sample[] = [{ labels: { __name__: 'sparse' }, t: 5_400_000, v: 5 }];
// A value at every 1 ms step of the last second (50 ms apart, 100 ms lookback).
for (let t = TIME_MS - 1000; t <= TIME_MS; t += 50) samples.push({ labels: { __name__: 'dense' }, t, v: 1 });

const QUERIES = [
  'nonexistent[1h:1ms]',
  'max_over_time(nonexistent[1h:1ms])',
  'sparse[1h:1ms]',
  'count_over_time(sparse[1h:1ms])',
  'max_over_time(sparse[1h:1ms]) + count_over_time(nonexistent[1h:1ms])',
  // At the limit. A subquery's points are held while the function runs over them, and the
  // function's window over them is counted again (Prometheus' matrixIterSlice): 999 points are
  // answered as a matrix, but a function over 499 of them holds 499 + 499 + 1 output = 999 and
  // over 500 holds 1,001. Each side's subquery is released after its call: 668 at most here.
  'dense[998ms:1ms]',
  'count_over_time(dense[998ms:1ms])',
  'count_over_time(dense[498ms:1ms])',
  'count_over_time(dense[499ms:1ms])',
  'count_over_time(dense[332ms:1ms]) + count_over_time(dense[332ms:1ms])',
  'rate(dense[10ms])[498ms:1ms]',
  'dense[1s:1ms]',
  'count_over_time(dense[999ms:1ms])',
  'count_over_time(dense[1s:1ms])',
  'count_over_time(dense[1h:1ms])',
];

let prometheus: PrometheusProcess | undefined;
const memory = new MemorySource();

describe('subqueries over max-samples steps, against Prometheus 2.42', {
  skip: !prometheusAvailable && 'prometheus not installed',
}, () => {
  before(async () => {
    for (const s of samples) memory.add(s.labels, s.t, s.v);
    prometheus = await startPrometheus([
      `--query.max-samples=${MAX_SAMPLES}`,
      `--query.lookback-delta=${LOOKBACK_MS}ms`,
    ]);
    const r = await fetch(`${prometheus.base}/api/v1/write`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-protobuf',
        'content-encoding': 'snappy',
        'x-prometheus-remote-write-version': '0.1.0',
      },
      body: encodeWriteRequest(samples),
    });
    assert.equal(r.status, 204, await r.text());
  });

  after(() => prometheus?.stop());

  for (const q of QUERIES) {
    it(q, async () => {
      const url = `${prometheus?.base}/api/v1/query?query=${encodeURIComponent(q)}&time=${TIME_MS / 1000}`;
      const expected = await (await fetch(url)).json();
      let actual: unknown;
      try {
        const r = evaluateInstant(memory, q, TIME_MS, { maxSamples: MAX_SAMPLES, lookbackMs: LOOKBACK_MS });
        actual = JSON.parse(formatPromResponse(r));
      } catch (e) {
        if (!(e instanceof PromQLError)) throw e;
        actual = { status: 'error', errorType: e.errorType, error: e.message };
      }
      assert.deepEqual(actual, expected);
    });
  }
});

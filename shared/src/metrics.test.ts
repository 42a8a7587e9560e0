import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from './metrics.js';

test('Registry.render() writes counters, gauges and histograms in text format 0.0.4', () => {
  const r = new Registry();
  const requests = r.counter('http_requests_total', 'Requests by route and status.');
  requests.inc({ route: '/a', status: '200' });
  requests.inc({ status: '200', route: '/a' }, 2);
  requests.inc({ route: '/b"\\\n', status: '500' });
  r.gauge('process_resident_memory_bytes', 'RSS.', (g) => g.set({}, 1234));
  const latency = r.histogram('http_request_duration_seconds', 'Latency.', [0.1, 1]);
  latency.observe({ route: '/a' }, 0.05);
  latency.observe({ route: '/a' }, 0.5);
  latency.observe({ route: '/a' }, 5);
  assert.equal(
    r.render(),
    [
      '# HELP http_requests_total Requests by route and status.',
      '# TYPE http_requests_total counter',
      'http_requests_total{route="/a",status="200"} 3',
      'http_requests_total{route="/b\\"\\\\\\n",status="500"} 1',
      '# HELP process_resident_memory_bytes RSS.',
      '# TYPE process_resident_memory_bytes gauge',
      'process_resident_memory_bytes 1234',
      '# HELP http_request_duration_seconds Latency.',
      '# TYPE http_request_duration_seconds histogram',
      'http_request_duration_seconds_bucket{route="/a",le="0.1"} 1',
      'http_request_duration_seconds_bucket{route="/a",le="1"} 2',
      'http_request_duration_seconds_bucket{route="/a",le="+Inf"} 3',
      'http_request_duration_seconds_sum{route="/a"} 5.55',
      'http_request_duration_seconds_count{route="/a"} 3',
      '',
    ].join('\n'),
  );
});

test('registering a name twice returns the same metric, or throws on a type clash', () => {
  const r = new Registry();
  assert.equal(r.counter('x_total', 'x'), r.counter('x_total', 'x'));
  assert.throws(() => r.histogram('x_total', 'x'), /already registered as counter/);
});

test('a counter read from a monotonic source is collected at scrape time and typed counter', () => {
  const r = new Registry();
  let cpuSeconds = 1.5;
  r.counter('process_cpu_seconds_total', 'CPU time.', (c) => c.setTotal({}, cpuSeconds));
  r.counter('dropped_total', 'Dropped.', (c) => {
    c.setTotal({ reason: 'bad_line' }, 2);
    c.setTotal({ reason: 'too_long' }, 0);
  });
  const expected = (cpu: string) =>
    [
      '# HELP process_cpu_seconds_total CPU time.',
      '# TYPE process_cpu_seconds_total counter',
      `process_cpu_seconds_total ${cpu}`,
      '# HELP dropped_total Dropped.',
      '# TYPE dropped_total counter',
      'dropped_total{reason="bad_line"} 2',
      'dropped_total{reason="too_long"} 0',
      '',
    ].join('\n');
  assert.equal(r.render(), expected('1.5'));
  cpuSeconds = 2.25;
  assert.equal(r.render(), expected('2.25'));
});

test('names follow the convention: counters end in _total, gauges do not', () => {
  const r = new Registry();
  assert.throws(() => r.counter('events_accepted', 'x'), /counter events_accepted must be named \*_total/);
  assert.throws(() => r.gauge('cpu_seconds_total', 'x', () => {}), /must not be named \*_total/);
  assert.doesNotThrow(() => r.gauge('queue_depth', 'x'));
});

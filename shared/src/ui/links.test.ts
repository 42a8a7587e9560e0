import assert from 'node:assert/strict';
import { test } from 'node:test';
import { metricsQueryUrl, requestMetricsQuery, traceErrorsUrl, traceLogsUrl } from './links.js';

test('requestMetricsQuery() takes either request counter and escapes the service name', () => {
  assert.equal(
    requestMetricsQuery('shop'),
    'sum by (route, status) (rate(http_requests_total{service="shop"}[5m])) or ' +
      'sum by (route, status) (rate(http_request_duration_seconds_count{service="shop"}[5m]))',
  );
  assert.match(requestMetricsQuery('a"b\\c'), /service="a\\"b\\\\c"/);
});

test('cross-service links join base URLs without doubling slashes and never become javascript:', () => {
  assert.equal(traceLogsUrl('http://logs:5011/', 'abc'), 'http://logs:5011/?query=trace_id%3Aabc');
  assert.equal(traceErrorsUrl('http://errors:5010', 'abc'), 'http://errors:5010/events?trace_id=abc');
  assert.equal(metricsQueryUrl('http://m:5012', 'up'), 'http://m:5012/?query=up');
  assert.equal(traceLogsUrl('javascript:alert(1)//', 'x'), '#');
});

// Links that join the three UIs (UI.md: an error's trace → its log lines, a log line's trace → its
// errors, a service → its request metrics). One definition, so the three services agree.
import { safeUrl } from './html.js';

/** Same as layout's serviceLink, kept free of page code so browser bundles can import this file. */
function serviceLink(base: string, path: string): string {
  return safeUrl(base.replace(/\/+$/, '') + path);
}

function promqlString(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/**
 * Request rate by route and status of one service. Prometheus clients count requests in
 * `http_requests_total`; histogram-only clients (our Python client) have
 * `http_request_duration_seconds_count`, the same count, so the query takes whichever exists.
 */
export function requestMetricsQuery(service: string): string {
  const rate = (metric: string) =>
    `sum by (route, status) (rate(${metric}{service=${promqlString(service)}}[5m]))`;
  return `${rate('http_requests_total')} or ${rate('http_request_duration_seconds_count')}`;
}

export function metricsQueryUrl(metricsBase: string, promql: string): string {
  return serviceLink(metricsBase, `/?query=${encodeURIComponent(promql)}`);
}

export function traceLogsUrl(logViewerBase: string, traceId: string): string {
  return serviceLink(logViewerBase, `/?query=${encodeURIComponent(`trace_id:${traceId}`)}`);
}

export function traceErrorsUrl(errorTrackerBase: string, traceId: string): string {
  return serviceLink(errorTrackerBase, `/events?trace_id=${encodeURIComponent(traceId)}`);
}

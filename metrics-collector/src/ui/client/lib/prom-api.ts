// The Prometheus HTTP API as our pages call it (same origin, session cookie; see shared apiJson).
import { apiJson } from '@flowrent/shared/ui/client/lib/api';

export type Labels = Record<string, string>;
export type SamplePair = [number, string];

export type QueryResult =
  | { resultType: 'matrix'; result: { metric: Labels; values: SamplePair[] }[] }
  | { resultType: 'vector'; result: { metric: Labels; value: SamplePair }[] }
  | { resultType: 'scalar'; result: SamplePair }
  | { resultType: 'string'; result: SamplePair };

interface ApiEnvelope<T> {
  status: 'success' | 'error';
  data: T;
  warnings?: string[];
  error?: string;
}

async function get<T>(
  path: string,
  params: Record<string, string>,
  signal?: AbortSignal,
): Promise<ApiEnvelope<T>> {
  const qs = new URLSearchParams(params).toString();
  return apiJson<ApiEnvelope<T>>(`${path}?${qs}`, { signal });
}

export function queryRange(
  query: string,
  startMs: number,
  endMs: number,
  stepMs: number,
  signal?: AbortSignal,
): Promise<ApiEnvelope<QueryResult>> {
  return get<QueryResult>(
    '/api/v1/query_range',
    { query, start: String(startMs / 1000), end: String(endMs / 1000), step: String(stepMs / 1000) },
    signal,
  );
}

export function queryInstant(
  query: string,
  timeMs: number,
  signal?: AbortSignal,
): Promise<ApiEnvelope<QueryResult>> {
  return get<QueryResult>('/api/v1/query', { query, time: String(timeMs / 1000) }, signal);
}

/** `http_requests_total{code="200", job="api"}` — for legends and tables (always set as text). */
export function seriesName(metric: Labels): string {
  const name = metric.__name__ ?? '';
  const labels = Object.keys(metric)
    .filter((k) => k !== '__name__')
    .sort()
    .map((k) => `${k}=${JSON.stringify(metric[k])}`);
  return labels.length > 0 || !name ? `${name}{${labels.join(', ')}}` : name;
}

/** Prometheus sends sample values as strings ("NaN", "+Inf" included). */
export function parseSampleValue(value: string): number {
  if (value === '+Inf') return Number.POSITIVE_INFINITY;
  if (value === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(value);
}

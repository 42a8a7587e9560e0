// Builds queries and page URLs from clicks ("filter by this value", "exclude it", a trace id).
// Pure and DOM-free: the server renders these links and the browser bundle builds the same ones.
import { metricsQueryUrl, requestMetricsQuery, traceErrorsUrl } from '@flowrent/shared/ui/links';

/** A value as the query language reads it back verbatim: bare when it is one plain word, else quoted. */
export function quoteValue(value: string): string {
  if (/^[A-Za-z0-9_.@/:+-]+$/.test(value) && !/^(AND|OR|NOT)$/.test(value) && !value.startsWith('-'))
    return value;
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A field name as the query language reads it back: bare when it spells a name, else quoted. */
export function quoteField(field: string): string {
  if (/^[\p{L}_@][\p{L}\p{N}\p{M}_.@/-]*$/u.test(field) && !/[./-]$/.test(field)) return field;
  return `"${field.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** `field:=value` for exact matching (service and level use their own exact forms). */
export function fieldClause(field: string, value: string): string {
  if (field === 'service' || field === 'level') return `${field}:${quoteValue(value)}`;
  return `${quoteField(field)}:=${quoteValue(value)}`;
}

/** Appends a filter (or an exclusion) to a query, keeping the user's query intact. */
export function addFilter(query: string, field: string, value: string, exclude = false): string {
  const clause = `${exclude ? '-' : ''}${fieldClause(field, value)}`;
  const q = query.trim();
  if (q === '') return clause;
  return /\bOR\b/.test(q) ? `(${q}) ${clause}` : `${q} ${clause}`;
}

export interface PageState {
  query: string;
  from: string;
  to: string;
  live?: boolean;
}

/** The page URL of a state: the URL is the state, so any view can be bookmarked and shared. */
export function pageUrl(state: PageState): string {
  const params = new URLSearchParams();
  if (state.query) params.set('query', state.query);
  if (state.from) params.set('from', state.from);
  if (state.to) params.set('to', state.to);
  if (state.live) params.set('live', '1');
  const qs = params.toString();
  return qs ? `/?${qs}` : '/';
}

/** Link to the error tracker's events of one trace (the cross-service contract). */
export function errorTrackerTraceUrl(base: string, traceId: string): string {
  return traceErrorsUrl(base, traceId);
}

/** Link to the metrics collector's request rate of one service. */
export function metricsServiceUrl(base: string, service: string): string {
  return metricsQueryUrl(base, requestMetricsQuery(service));
}

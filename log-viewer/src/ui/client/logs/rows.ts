// Client-side twin of render-logs.ts renderRecord(): builds a result row from API JSON with text
// nodes only, for rows that arrive after the page (load more, live tail, context).
import {
  addFilter,
  errorTrackerTraceUrl,
  metricsServiceUrl,
  type PageState,
  pageUrl,
} from '../../filter-query.js';
import type { RecordJson } from '../../../http/query-record-json.js';
import { type Child, h } from './dom.js';

// The read API's record shape, defined once beside the handler that writes it.
export type { RecordJson } from '../../../http/query-record-json.js';

export interface RowContext {
  state: PageState;
  errorsUrl: string;
  metricsUrl: string;
}

/** Only http(s) links from config; anything else becomes inert. */
function httpOnly(url: string): string {
  return /^https?:\/\//i.test(url) ? url : '#';
}

function filterLinks(ctx: RowContext, field: string, value: string): Node[] {
  return [
    h(
      'a',
      {
        class: 'filter-link',
        href: pageUrl({ ...ctx.state, query: addFilter(ctx.state.query, field, value) }),
        title: 'Filter by this value',
        'data-filter': 'include',
      },
      '+',
    ),
    h(
      'a',
      {
        class: 'filter-link',
        href: pageUrl({ ...ctx.state, query: addFilter(ctx.state.query, field, value, true) }),
        title: 'Exclude this value',
        'data-filter': 'exclude',
      },
      '−',
    ),
  ];
}

function detailRow(ctx: RowContext, field: string, value: string, ...extra: Child[]): HTMLElement {
  return h(
    'tr',
    {},
    h('th', { class: 'mono' }, field),
    h(
      'td',
      {},
      h('span', { class: 'mono field-value' }, value),
      ' ',
      ...filterLinks(ctx, field, value),
      ...extra,
    ),
  );
}

function flatAttributes(obj: Record<string, unknown>, prefix = ''): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(obj)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v))
      out.push(...flatAttributes(v as Record<string, unknown>, `${prefix}${k}.`));
    else out.push([prefix + k, typeof v === 'string' ? v : JSON.stringify(v)]);
  }
  return out;
}

const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);

export function renderRow(r: RecordJson, ctx: RowContext): HTMLElement {
  const level = LEVELS.has(r.level) ? r.level : 'unknown';
  const rows: HTMLElement[] = [
    detailRow(
      ctx,
      'service',
      r.service,
      ' ',
      h(
        'a',
        { class: 'small', href: httpOnly(metricsServiceUrl(ctx.metricsUrl, r.service)) },
        'request metrics',
      ),
    ),
    detailRow(ctx, 'level', r.level),
  ];
  if (r.host) rows.push(detailRow(ctx, 'host', r.host));
  if (r.trace_id) {
    rows.push(
      detailRow(
        ctx,
        'trace_id',
        r.trace_id,
        ' ',
        h(
          'a',
          {
            class: 'small',
            href: httpOnly(errorTrackerTraceUrl(ctx.errorsUrl, r.trace_id)),
            'data-trace-errors': '',
          },
          'errors of this trace',
        ),
        ' · ',
        h(
          'a',
          { class: 'small', href: pageUrl({ ...ctx.state, query: `trace_id:${r.trace_id}` }) },
          'all lines of this trace',
        ),
      ),
    );
  }
  if (r.span_id) rows.push(detailRow(ctx, 'span_id', r.span_id));
  for (const [k, v] of Object.entries(r.labels)) rows.push(detailRow(ctx, `labels.${k}`, v));
  for (const [k, v] of flatAttributes(r.attributes)) rows.push(detailRow(ctx, k, v));

  const details = h(
    'div',
    { class: 'log-details' },
    h('table', { class: 'data kv-table' }, h('tbody', {}, ...rows)),
    h(
      'details',
      { class: 'log-json' },
      h('summary', { class: 'small' }, 'JSON'),
      h('pre', { class: 'code mono' }, JSON.stringify(r, null, 2)),
    ),
    h(
      'div',
      { class: 'log-actions' },
      h('button', { type: 'button', class: 'btn btn-small', 'data-context': '' }, 'Show context'),
      ' ',
      h('span', { class: 'small muted' }, r.protocol),
    ),
    h('div', { class: 'log-context', 'data-context-slot': '' }),
  );
  details.hidden = true;
  return h(
    'li',
    { class: 'log-row', 'data-row': '', 'data-seq': String(r.seq), 'data-time-ns': r.time_ns },
    h(
      'div',
      { class: 'log-summary', 'data-toggle': '' },
      h(
        'a',
        {
          class: 'log-expand',
          href: '#',
          'data-row-link': '',
          'aria-label': 'Show details',
          title: 'Details (Enter)',
        },
        '▸',
      ),
      h(
        'time',
        { class: 'log-time mono', datetime: r.timestamp, 'data-format': 'absolute' },
        r.timestamp.replace('T', ' ').slice(0, 23),
      ),
      ' ',
      h('span', { class: `badge level-${level}` }, r.level),
      ' ',
      h('span', { class: 'log-service mono' }, r.service),
      ' ',
      h('span', { class: 'log-line log-message' }, r.message),
    ),
    details,
  );
}

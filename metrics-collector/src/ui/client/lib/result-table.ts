// Instant query results as a table: one row per series, labels as text chips, the value right-aligned.
import { formatNumber } from '@flowrent/shared/ui/format';
import { el } from './dom.js';
import { type QueryResult, seriesName } from './prom-api.js';

export interface ResultLinks {
  /** The log viewer's base URL (from the server's config); `service` values link to their logs. */
  logsUrl?: string;
}

function logsLink(base: string | undefined, service: string): HTMLElement | null {
  if (!base) return null;
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  url.pathname = url.pathname.replace(/\/*$/, '/');
  url.search = new URLSearchParams({ query: `service:${JSON.stringify(service)}` }).toString();
  return el('a', { href: url.href, class: 'small', title: 'Logs of this service' }, 'logs');
}

function labelsCell(metric: Record<string, string>, links: ResultLinks): HTMLElement {
  const cell = el('td', { class: 'series-labels' });
  const name = metric.__name__;
  if (name) cell.append(el('span', { class: 'series-metric mono' }, name), ' ');
  for (const key of Object.keys(metric).sort()) {
    if (key === '__name__') continue;
    cell.append(el('span', { class: 'label' }, el('span', { class: 'label-key' }, `${key}=`), metric[key]!));
    if (key === 'service') {
      const link = logsLink(links.logsUrl, metric[key]!);
      if (link) cell.append(link, ' ');
    }
  }
  if (cell.childNodes.length === 0) cell.append(el('span', { class: 'muted' }, '{}'));
  return cell;
}

export function renderResultTable(result: QueryResult, limit = 1000, links: ResultLinks = {}): HTMLElement {
  const body = el('tbody');
  let count = 0;
  if (result.resultType === 'vector') {
    for (const s of result.result.slice(0, limit)) {
      body.append(
        el(
          'tr',
          { 'data-row': true },
          labelsCell(s.metric, links),
          el('td', { class: 'num mono' }, formatNumber(s.value[1])),
        ),
      );
      count++;
    }
  } else if (result.resultType === 'matrix') {
    for (const s of result.result.slice(0, limit)) {
      const values = s.values.map(([t, v]) => `${formatNumber(v)} @${t}`).join('\n');
      body.append(
        el(
          'tr',
          { 'data-row': true },
          labelsCell(s.metric, links),
          el('td', { class: 'num mono pre-line' }, values),
        ),
      );
      count++;
    }
  } else {
    body.append(
      el(
        'tr',
        {},
        el('td', { class: 'muted' }, result.resultType),
        el('td', { class: 'num mono' }, formatNumber(result.result[1])),
      ),
    );
    count = 1;
  }
  const total = result.resultType === 'vector' || result.resultType === 'matrix' ? result.result.length : 1;
  const wrap = el(
    'div',
    { class: 'table-wrap' },
    el(
      'table',
      { class: 'data result-table' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Series'), el('th', { class: 'num' }, 'Value'))),
      body,
    ),
  );
  if (count === 0)
    return el(
      'div',
      { class: 'empty' },
      el('p', { class: 'empty-title' }, 'No data'),
      el(
        'div',
        { class: 'empty-hint' },
        'The query matched no series at this time. Try a longer range, or check the metric name with autocomplete.',
      ),
    );
  if (total > count)
    wrap.append(
      el('p', { class: 'hint' }, `Showing ${formatNumber(count)} of ${formatNumber(total)} series.`),
    );
  return wrap;
}

export { seriesName };

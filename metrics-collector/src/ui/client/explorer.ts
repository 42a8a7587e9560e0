// /assets/explorer.js: the Explore page. The server renders the form from the URL (query, range, end, step,
// tab, stacked); this script mounts the PromQL editor, runs the query, draws the graph or table, keeps recent
// queries, and turns a drag on the chart into a new URL (zoom).
import './lib/metrics.css';
import { formatNumber } from '@flowrent/shared/ui/format';
import { renderChart } from './lib/chart.js';
import { el } from './lib/dom.js';
import { mountPromqlEditor } from './lib/promql-editor.js';
import { queryInstant, queryRange } from './lib/prom-api.js';
import { recentQueries, rememberQuery } from './lib/recent-queries.js';
import { renderResultTable } from './lib/result-table.js';

function num(el: HTMLElement, key: string): number {
  return Number(el.dataset[key]);
}

const MAX_GRAPH_SERIES = 200;

function showWarnings(target: HTMLElement, warnings: string[] | undefined): void {
  for (const w of warnings ?? []) target.prepend(el('p', { class: 'alert alert-warn' }, w));
}

function showError(target: HTMLElement, message: string): void {
  target.replaceChildren(el('p', { class: 'alert alert-error', role: 'alert' }, message));
}

function renderRecent(list: HTMLElement): void {
  const items = recentQueries();
  if (items.length === 0) {
    list.replaceChildren(el('li', { class: 'muted' }, 'Queries you run appear here.'));
    return;
  }
  list.replaceChildren(
    ...items.map((q) => {
      const url = new URL(location.href);
      url.searchParams.set('query', q);
      return el('li', {}, el('a', { href: url.pathname + url.search }, q));
    }),
  );
}

async function run(form: HTMLFormElement, query: string): Promise<void> {
  const result = document.getElementById('explore-result')!;
  const status = document.getElementById('explore-status')!;
  const startMs = num(form, 'start');
  const endMs = num(form, 'end');
  const stepMs = num(form, 'step');
  const tab = form.dataset.tab === 'table' ? 'table' : 'graph';
  status.replaceChildren(el('span', { class: 'spinner' }), ' Running…');
  const began = performance.now();
  try {
    if (tab === 'table') {
      const res = await queryInstant(query, endMs);
      result.replaceChildren(renderResultTable(res.data, 1000, { logsUrl: form.dataset.logsUrl }));
      showWarnings(result, res.warnings);
      const n =
        res.data.resultType === 'vector' || res.data.resultType === 'matrix' ? res.data.result.length : 1;
      status.textContent = `${formatNumber(n)} result${n === 1 ? '' : 's'} · ${Math.round(performance.now() - began)} ms`;
    } else {
      const res = await queryRange(query, startMs, endMs, stepMs);
      if (res.data.resultType !== 'matrix')
        throw new Error(`expected a range vector result, got ${res.data.resultType}`);
      const all = res.data.result;
      // Hundreds of lines are unreadable and slow to draw; the table view lists everything.
      const series = all.slice(0, MAX_GRAPH_SERIES);
      if (series.length === 0) {
        result.replaceChildren(
          el(
            'div',
            { class: 'empty' },
            el('p', { class: 'empty-title' }, 'No data in this range'),
            el(
              'div',
              { class: 'empty-hint' },
              'Try a longer range, or start typing a metric name for suggestions.',
            ),
          ),
        );
      } else {
        const chart = el('div', { class: 'chart', id: 'chart' });
        result.replaceChildren(chart);
        const draw = () =>
          renderChart(chart, series, {
            startMs,
            endMs,
            stepMs,
            stacked: form.dataset.stacked === '1',
            onZoom: (from, to) => {
              const url = new URL(location.href);
              url.searchParams.set('range', `${Math.max(1, Math.round((to - from) / 1000))}s`);
              url.searchParams.set('end', new Date(to).toISOString());
              url.searchParams.delete('step');
              url.searchParams.delete('from');
              location.assign(url.href);
            },
          });
        let plot = draw();
        const redraw = () => {
          plot.destroy();
          plot = draw();
        };
        document.addEventListener('flowrent:theme', redraw);
        document.addEventListener('flowrent:timezone', redraw);
      }
      const points = series.reduce((n, s) => n + s.values.length, 0);
      status.textContent = `${formatNumber(all.length)} series · ${formatNumber(points)} points · step ${stepMs / 1000}s · ${Math.round(performance.now() - began)} ms`;
      if (all.length > series.length)
        result.prepend(
          el(
            'p',
            { class: 'alert alert-warn' },
            `Showing the first ${formatNumber(series.length)} of ${formatNumber(all.length)} series; narrow the query or aggregate it.`,
          ),
        );
      showWarnings(result, res.warnings);
    }
  } catch (err) {
    status.textContent = '';
    showError(result, (err as Error).message);
  }
}

function start(): void {
  const form = document.getElementById('explore-form') as HTMLFormElement | null;
  const textarea = document.getElementById('query-input') as HTMLTextAreaElement | null;
  if (!form || !textarea) return;
  const recent = document.getElementById('recent-queries');
  form.addEventListener('submit', () => rememberQuery(textarea.value));
  mountPromqlEditor(textarea, { onSubmit: () => form.requestSubmit() });
  const query = textarea.value.trim();
  if (query) {
    rememberQuery(query);
    void run(form, query);
  }
  if (recent) renderRecent(recent);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();

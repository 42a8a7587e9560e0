// /assets/dashboard.js: fills each panel of a dashboard (graph, table or single stat) from query_range or
// query, re-runs them on the chosen refresh interval, and turns a drag on any graph into a zoomed URL.
import './lib/metrics.css';
import { formatNumber } from '@flowrent/shared/ui/format';
import type uPlot from 'uplot';
import { parseDurationMs } from '../time-range.js';
import { renderChart } from './lib/chart.js';
import { el } from './lib/dom.js';
import { parseSampleValue, queryInstant, queryRange } from './lib/prom-api.js';
import { renderResultTable } from './lib/result-table.js';

interface Window {
  startMs: number;
  endMs: number;
  stepMs: number;
}

const plots = new Map<HTMLElement, uPlot>();

function zoom(from: number, to: number): void {
  const url = new URL(location.href);
  url.searchParams.set('range', `${Math.max(1, Math.round((to - from) / 1000))}s`);
  url.searchParams.set('end', new Date(to).toISOString());
  url.searchParams.delete('from');
  location.assign(url.href);
}

async function fillPanel(panel: HTMLElement, w: Window): Promise<void> {
  const body = panel.querySelector<HTMLElement>('.panel-body')!;
  const expr = panel.dataset.expr ?? '';
  const kind = panel.dataset.kind ?? 'graph';
  try {
    if (kind === 'graph') {
      const res = await queryRange(expr, w.startMs, w.endMs, w.stepMs);
      if (res.data.resultType !== 'matrix')
        throw new Error(`expected a range vector, got ${res.data.resultType}`);
      plots.get(panel)?.destroy();
      if (res.data.result.length === 0) {
        body.replaceChildren(el('div', { class: 'empty' }, 'No data in this range'));
        return;
      }
      const chart = el('div', { class: 'chart' });
      body.replaceChildren(chart);
      plots.set(
        panel,
        renderChart(chart, res.data.result, {
          ...w,
          stacked: panel.dataset.stacked === '1',
          height: 220,
          onZoom: zoom,
        }),
      );
    } else {
      const res = await queryInstant(expr, w.endMs);
      if (kind === 'table') {
        body.replaceChildren(renderResultTable(res.data, 200));
      } else {
        const d = res.data;
        const value =
          d.resultType === 'scalar' || d.resultType === 'string'
            ? d.result[1]
            : d.resultType === 'vector' && d.result.length > 0
              ? d.result[0]!.value[1]
              : undefined;
        const n = value === undefined ? Number.NaN : parseSampleValue(value);
        body.replaceChildren(
          el(
            'div',
            { class: 'panel-stat' },
            value === undefined ? '—' : formatNumber(Number(n.toPrecision(6))),
          ),
        );
      }
    }
  } catch (err) {
    body.replaceChildren(el('p', { class: 'panel-error', role: 'alert' }, (err as Error).message));
  }
}

function start(): void {
  const toolbar = document.getElementById('dashboard-toolbar');
  if (!toolbar) return;
  const panels = [...document.querySelectorAll<HTMLElement>('[data-panel]')];
  const status = document.getElementById('dashboard-status');
  const rangeMs = Number(toolbar.dataset.end) - Number(toolbar.dataset.start);
  const fixedEnd = new URL(location.href).searchParams.get('end');
  const refreshMs = parseDurationMs(toolbar.dataset.refresh ?? '');
  const refresh = async () => {
    // A live dashboard slides its window to now; one with an explicit end stays put.
    const endMs = fixedEnd ? Number(toolbar.dataset.end) : Date.now();
    const w = { startMs: endMs - rangeMs, endMs, stepMs: Number(toolbar.dataset.step) };
    await Promise.all(panels.map((p) => fillPanel(p, w)));
    if (status)
      status.textContent = `Updated ${new Date().toLocaleTimeString()}${refreshMs && !fixedEnd ? ` · refreshing every ${toolbar.dataset.refresh}` : ''}`;
  };
  void refresh();
  if (refreshMs && !fixedEnd) setInterval(() => void refresh(), refreshMs);
  toolbar
    .querySelector('select[name="refresh"]')
    ?.addEventListener('change', () => (toolbar as HTMLFormElement).requestSubmit());
  document.addEventListener('flowrent:theme', () => void refresh());
  document.addEventListener('flowrent:timezone', () => void refresh());
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();

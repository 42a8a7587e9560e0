// A uPlot time-series chart of a query_range matrix: theme-aware colours, a live legend (values under the
// cursor), optional stacking, drag-to-zoom reported to the caller. Labels reach the DOM only as text
// (uPlot sets legend labels with textContent and draws axes on canvas).
import { formatNumber } from '@flowrent/shared/ui/format';
import { formatAbsolute, useUtc } from '@flowrent/shared/ui/client/lib/times';
import uPlot from 'uplot';
import { tooltipPlugin } from './chart-tooltip.js';
import { parseSampleValue, type SamplePair, seriesName } from './prom-api.js';

const PALETTE = [
  '#4c6ef5',
  '#f08c00',
  '#2f9e44',
  '#e03131',
  '#9c36b5',
  '#1098ad',
  '#d6336c',
  '#5c940d',
  '#e8590c',
  '#3b5bdb',
  '#0ca678',
  '#ae3ec9',
  '#74b816',
  '#f76707',
  '#1c7ed6',
  '#c2255c',
];

export interface ChartSeries {
  metric: Record<string, string>;
  values: SamplePair[];
}

export interface ChartOptions {
  startMs: number;
  endMs: number;
  stepMs: number;
  stacked?: boolean;
  height?: number;
  legend?: boolean;
  /** Called with the selected time span (ms) after a drag on the plot. */
  onZoom?: (fromMs: number, toMs: number) => void;
}

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

/** Aligns every series on the step grid start + k·step (what query_range returns) with nulls for gaps. */
export function alignSeries(series: ChartSeries[], startMs: number, endMs: number, stepMs: number) {
  const n = Math.floor((endMs - startMs) / stepMs) + 1;
  const xs = Array.from({ length: n }, (_, i) => (startMs + i * stepMs) / 1000);
  const ys = series.map((s) => {
    const col: (number | null)[] = new Array(n).fill(null);
    for (const [t, v] of s.values) {
      const i = Math.round((t * 1000 - startMs) / stepMs);
      const num = parseSampleValue(v);
      if (i >= 0 && i < n && Number.isFinite(num)) col[i] = num;
    }
    return col;
  });
  return { xs, ys };
}

function stack(ys: (number | null)[][]): (number | null)[][] {
  const acc: number[] = new Array(ys[0]?.length ?? 0).fill(0);
  return ys.map((col) =>
    col.map((v, i) => {
      if (v === null) return null;
      acc[i]! += v;
      return acc[i]!;
    }),
  );
}

const pad = (n: number) => String(n).padStart(2, '0');

/** 24-hour local time ticks; the date is added when the range spans more than a day. */
function timeTick(seconds: number, rangeMs: number): string {
  const d = new Date(seconds * 1000);
  const utc = useUtc();
  const [mo, day, h, mi] = utc
    ? [d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes()]
    : [d.getMonth(), d.getDate(), d.getHours(), d.getMinutes()];
  const time = `${pad(h)}:${pad(mi)}`;
  return rangeMs > 86_400_000 ? `${pad(mo + 1)}-${pad(day)} ${time}` : time;
}

function fmt(v: number | null | undefined): string {
  return v === null || v === undefined
    ? '—'
    : formatNumber(Math.abs(v) >= 1000 || Number.isInteger(v) ? v : Number(v.toPrecision(4)));
}

export function renderChart(container: HTMLElement, series: ChartSeries[], options: ChartOptions): uPlot {
  const { xs, ys } = alignSeries(series, options.startMs, options.endMs, options.stepMs);
  const shown = options.stacked ? stack(ys) : ys;
  const axisColor = cssVar('--text-muted', '#5f6b7a');
  const gridColor = cssVar('--border', '#dde1e7');
  const width = Math.max(300, container.clientWidth || 800);
  const opts: uPlot.Options = {
    width,
    height: options.height ?? 320,
    legend: { show: options.legend ?? true, live: true },
    cursor: { drag: { x: true, y: false, setScale: false }, focus: { prox: 16 } },
    focus: { alpha: 0.35 },
    scales: { x: { time: true, min: options.startMs / 1000, max: options.endMs / 1000 } },
    axes: [
      {
        stroke: axisColor,
        grid: { stroke: gridColor, width: 1 },
        ticks: { stroke: gridColor, width: 1 },
        values: (_u, splits) => splits.map((v) => timeTick(v, options.endMs - options.startMs)),
      },
      {
        stroke: axisColor,
        grid: { stroke: gridColor, width: 1 },
        ticks: { stroke: gridColor, width: 1 },
        size: 64,
        values: (_u, splits) => splits.map((v) => fmt(v)),
      },
    ],
    series: [
      {
        value: (_u, v) => (v === null ? '—' : formatAbsolute(new Date(v * 1000))),
      },
      ...series.map((s, i) => {
        const color = PALETTE[i % PALETTE.length]!;
        return {
          label: seriesName(s.metric),
          stroke: color,
          width: 1.5,
          spanGaps: false,
          points: { show: false },
          fill: options.stacked ? `${color}33` : undefined,
          // The legend shows each series' own value even when the plot stacks them.
          value: (_u: uPlot, _v: number | null, _si: number, idx: number | null) =>
            idx === null ? '—' : fmt(ys[i]![idx]),
        } satisfies uPlot.Series;
      }),
    ],
    plugins: [
      tooltipPlugin(
        series.map((s) => seriesName(s.metric)),
        (si, idx) => ys[si - 1]?.[idx] ?? null,
      ),
    ],
    bands: options.stacked
      ? series.slice(1).map((_, i) => ({ series: [i + 2, i + 1] as [number, number] }))
      : undefined,
    hooks: {
      setSelect: [
        (u) => {
          if (u.select.width < 3 || !options.onZoom) return;
          const from = u.posToVal(u.select.left, 'x') * 1000;
          const to = u.posToVal(u.select.left + u.select.width, 'x') * 1000;
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          options.onZoom(Math.round(from), Math.round(to));
        },
      ],
    },
  };
  container.replaceChildren();
  const plot = new uPlot(opts, [xs, ...shown] as uPlot.AlignedData, container);
  const resize = new ResizeObserver(() => {
    const w = container.clientWidth;
    if (w > 0 && Math.abs(w - plot.width) > 2) plot.setSize({ width: w, height: plot.height });
  });
  resize.observe(container);
  return plot;
}

// Volume histogram stacked by level, drawn as SVG from /api/logs/histogram; drag across it (or
// click a bar) to zoom the page's time range to the selection.
import { useUtc } from '@flowrent/shared/ui/client/lib/times';
import { type PageState, pageUrl } from '../../filter-query.js';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
const SVG = 'http://www.w3.org/2000/svg';
const W = 1000;
const H = 110;

interface HistogramJson {
  data: {
    start_ns: string;
    step_ns: string;
    counts: Record<string, number[]>;
    totals: number[];
    total: number;
  };
  truncated: boolean;
}

function svg(tag: string, attrs: Record<string, string | number>): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Axis label in the page's time zone choice (the top bar's Local/UTC toggle). */
function label(ms: number, spanMs: number): string {
  const d = new Date(ms);
  const utc = useUtc();
  const [mo, day, h, mi, sec] = utc
    ? [d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()]
    : [d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()];
  return spanMs > 2 * 86_400_000
    ? `${pad(mo)}-${pad(day)} ${pad(h)}:${pad(mi)}`
    : `${pad(h)}:${pad(mi)}:${pad(sec)}`;
}

export async function loadHistogram(container: HTMLElement, state: PageState): Promise<void> {
  const params = new URLSearchParams({ query: state.query, from: state.from, to: state.to });
  const res = await fetch(`/api/logs/histogram?${params}`, {
    credentials: 'same-origin',
    headers: { accept: 'application/json' },
  });
  if (!res.ok) {
    container.textContent = res.status === 400 ? '' : `Volume unavailable (${res.status})`;
    return;
  }
  const body = (await res.json()) as HistogramJson;
  draw(container, body, state);
  const total = document.querySelector('[data-total]');
  if (total) {
    total.textContent = `${body.truncated ? '≥ ' : ''}${body.data.total.toLocaleString('en-US')} in range`;
    total.removeAttribute('hidden');
  }
  document.addEventListener('flowrent:timezone', () => draw(container, body, state));
}

function draw(container: HTMLElement, body: HistogramJson, state: PageState): void {
  const { counts, totals, total } = body.data;
  const startMs = Number(BigInt(body.data.start_ns) / 1_000_000n);
  const stepMs = Number(BigInt(body.data.step_ns) / 1_000_000n);
  const n = totals.length;
  const max = Math.max(1, ...totals);
  const bw = W / Math.max(1, n);
  const root = svg('svg', {
    viewBox: `0 0 ${W} ${H + 16}`,
    preserveAspectRatio: 'none',
    class: 'histogram-svg',
    role: 'img',
  });
  const title = svg('title', {});
  title.textContent = `${total.toLocaleString('en-US')} lines; drag to zoom`;
  root.append(title);
  for (let i = 0; i < n; i++) {
    let y = H;
    const group = svg('g', { class: 'hist-bucket', 'data-bucket': i });
    const tip = svg('title', {});
    tip.textContent = `${new Date(startMs + i * stepMs).toISOString()}: ${
      LEVELS.map((l) => (counts[l][i] ? `${l} ${counts[l][i]}` : ''))
        .filter(Boolean)
        .join(', ') || 'none'
    }`;
    group.append(tip);
    for (const level of LEVELS) {
      const c = counts[level][i];
      if (!c) continue;
      const h = (c / max) * (H - 4);
      y -= h;
      group.append(
        svg('rect', {
          x: i * bw + 0.5,
          y,
          width: Math.max(0.5, bw - 1),
          height: h,
          class: `hist-bar hist-${level}`,
        }),
      );
    }
    group.append(svg('rect', { x: i * bw, y: 0, width: bw, height: H, class: 'hist-hit' }));
    root.append(group);
  }
  const ticks = 6;
  for (let t = 0; t <= ticks; t++) {
    const x = (t / ticks) * W;
    const text = svg('text', {
      x: Math.min(Math.max(x, 30), W - 30),
      y: H + 13,
      class: 'hist-axis',
      'text-anchor': 'middle',
    });
    text.textContent = label(startMs + (t / ticks) * n * stepMs, n * stepMs);
    root.append(text);
  }
  const selection = svg('rect', { x: 0, y: 0, width: 0, height: H, class: 'hist-selection' });
  root.append(selection);
  container.replaceChildren(root);
  if (body.truncated)
    container.append(
      Object.assign(document.createElement('p'), {
        className: 'small muted',
        textContent: 'Partial: the scan budget ran out; narrow the range for exact counts.',
      }),
    );
  bindZoom(root, selection, { startMs, stepMs, n }, state);
}

function bindZoom(
  root: SVGElement,
  selection: SVGElement,
  g: { startMs: number; stepMs: number; n: number },
  state: PageState,
): void {
  let startX: number | null = null;
  const toX = (e: PointerEvent) => {
    const box = root.getBoundingClientRect();
    return Math.min(Math.max(((e.clientX - box.left) / box.width) * W, 0), W);
  };
  const toMs = (x: number) => g.startMs + (x / W) * g.n * g.stepMs;
  root.addEventListener('pointerdown', (e) => {
    startX = toX(e);
    root.setPointerCapture(e.pointerId);
  });
  root.addEventListener('pointermove', (e) => {
    if (startX === null) return;
    const x = toX(e);
    selection.setAttribute('x', String(Math.min(x, startX)));
    selection.setAttribute('width', String(Math.abs(x - startX)));
  });
  root.addEventListener('pointerup', (e) => {
    if (startX === null) return;
    let a = Math.min(startX, toX(e));
    let b = Math.max(startX, toX(e));
    startX = null;
    if (b - a < 3) {
      // a click: zoom to that bucket
      const i = Math.floor((a / W) * g.n);
      a = (i / g.n) * W;
      b = ((i + 1) / g.n) * W;
    }
    const from = new Date(Math.floor(toMs(a))).toISOString();
    const to = new Date(Math.ceil(toMs(b))).toISOString();
    location.assign(pageUrl({ ...state, from, to }));
  });
}

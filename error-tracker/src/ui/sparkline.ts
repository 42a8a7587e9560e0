// A 24-bar inline SVG of an issue's hourly event counts (oldest hour first). Only numbers we
// computed go into the SVG, so it is built from our own constants.
import { html, type SafeHtml } from './html.js';

export interface SparklineSize {
  width: number;
  height: number;
}

const SMALL: SparklineSize = { width: 96, height: 24 };

export function renderSparkline(
  counts: readonly number[],
  size: SparklineSize = SMALL,
  label = 'events per hour, last 24 h',
): SafeHtml {
  const { width: WIDTH, height: HEIGHT } = size;
  const n = Math.max(counts.length, 1);
  const max = Math.max(1, ...counts);
  const slot = WIDTH / n;
  const bars = counts.map((c, i) => {
    const h = c <= 0 ? 0 : Math.max(1.5, (c / max) * HEIGHT);
    const x = (i * slot + 0.5).toFixed(2);
    const w = Math.max(slot - 1, 0.5).toFixed(2);
    return html`<rect x="${x}" y="${(HEIGHT - h).toFixed(2)}" width="${w}" height="${h.toFixed(2)}"><title>${c}</title></rect>`;
  });
  const total = counts.reduce((a, b) => a + b, 0);
  return html`<svg class="sparkline" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${total} ${label}"><line x1="0" y1="${HEIGHT - 0.5}" x2="${WIDTH}" y2="${HEIGHT - 0.5}" class="baseline"/>${bars}</svg>`;
}

/**
 * Lays stored hourly counts onto the 24 hours ending at `nowMs`: `hours` maps the start of an hour
 * (epoch ms) to its count; missing hours are zero.
 */
export function last24Hours(
  hours: ReadonlyMap<number, number> | readonly { hourMs: number; count: number }[],
  nowMs: number,
): number[] {
  const map =
    hours instanceof Map
      ? hours
      : new Map((hours as { hourMs: number; count: number }[]).map((h) => [h.hourMs, h.count]));
  const currentHour = Math.floor(nowMs / 3600_000) * 3600_000;
  const out: number[] = [];
  for (let i = 23; i >= 0; i--) out.push(map.get(currentHour - i * 3600_000) ?? 0);
  return out;
}

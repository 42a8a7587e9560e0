// A uPlot plugin: a small box by the cursor with the time and the value of the series nearest to it
// (uPlot's focus), so long legends need no scrolling. Text only (textContent), never HTML.
import { formatNumber } from '@flowrent/shared/ui/format';
import { formatAbsolute } from '@flowrent/shared/ui/client/lib/times';
import type uPlot from 'uplot';

export function tooltipPlugin(
  labels: string[],
  rawValue: (seriesIdx: number, idx: number) => number | null,
): uPlot.Plugin {
  let box: HTMLDivElement;
  let focused = -1;
  const hide = () => {
    box.style.display = 'none';
  };
  return {
    hooks: {
      init: (u) => {
        box = document.createElement('div');
        box.className = 'chart-tooltip';
        hide();
        u.over.append(box);
        u.over.addEventListener('mouseleave', hide);
      },
      setSeries: (_u, seriesIdx, opts) => {
        // uPlot types this argument as Series; at runtime it is { focus } or { show }.
        const focus = (opts as { focus?: boolean }).focus;
        if (focus !== undefined) focused = focus && seriesIdx !== null ? seriesIdx : -1;
      },
      setCursor: (u) => {
        const idx = u.cursor.idx;
        const left = u.cursor.left ?? -1;
        const top = u.cursor.top ?? -1;
        if (idx === null || idx === undefined || focused < 1 || left < 0) return hide();
        const value = rawValue(focused, idx);
        if (value === null) return hide();
        const time = new Date(u.data[0][idx]! * 1000);
        box.replaceChildren();
        const name = document.createElement('div');
        name.className = 'chart-tooltip-name';
        name.textContent = labels[focused - 1] ?? '';
        const line = document.createElement('div');
        line.textContent = `${formatNumber(Number(value.toPrecision(6)))}  ·  ${formatAbsolute(time)}`;
        box.append(name, line);
        box.style.display = 'block';
        const flip = left > u.over.clientWidth * 0.6;
        box.style.left = flip ? '' : `${left + 12}px`;
        box.style.right = flip ? `${u.over.clientWidth - left + 12}px` : '';
        box.style.top = `${Math.max(0, top - 10)}px`;
      },
    },
  };
}

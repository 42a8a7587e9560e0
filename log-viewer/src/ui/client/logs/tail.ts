// Live tail: an EventSource on /api/logs/tail with the page's query; new lines go on top, the
// status shows how far behind the newest line is and how many lines were dropped for this client.
import { announceContent } from './dom.js';
import { type RecordJson, type RowContext, renderRow } from './rows.js';

export const MAX_LIVE_ROWS = 500;

export class LiveTail {
  private source: EventSource | null = null;
  private dropped = 0;
  private lastLagMs = 0;

  constructor(
    private readonly list: HTMLElement,
    private readonly status: HTMLElement,
    private readonly ctx: RowContext,
  ) {}

  get running(): boolean {
    return this.source !== null;
  }

  start(): void {
    if (this.source) return;
    const params = new URLSearchParams({ query: this.ctx.state.query });
    const source = new EventSource(`/api/logs/tail?${params}`);
    this.source = source;
    source.addEventListener('log', (e) =>
      this.onLog(JSON.parse((e as MessageEvent<string>).data) as RecordJson),
    );
    source.addEventListener('dropped', (e) => {
      this.dropped = (JSON.parse((e as MessageEvent<string>).data) as { dropped: number }).dropped;
      this.render();
    });
    source.addEventListener('ready', () => this.render());
    source.addEventListener('error', () => this.render('reconnecting…'));
    this.render('connecting…');
  }

  stop(): void {
    this.source?.close();
    this.source = null;
    this.status.hidden = true;
  }

  private onLog(r: RecordJson): void {
    const row = renderRow(r, this.ctx);
    row.classList.add('log-row-new');
    this.list.prepend(row);
    while (this.list.children.length > MAX_LIVE_ROWS) this.list.lastElementChild?.remove();
    // How far behind the pipeline is: from when the line was first seen to now.
    this.lastLagMs = Math.max(0, Date.now() - Number(BigInt(r.observed_time_ns || r.time_ns) / 1_000_000n));
    const count = document.querySelector('[data-result-count]');
    if (count) count.textContent = `${this.list.children.length} shown`;
    announceContent(row);
    document.querySelector('[data-empty]')?.remove();
    this.render();
  }

  private render(note?: string): void {
    this.status.hidden = false;
    this.status.replaceChildren();
    const live = document.createElement('span');
    live.className = 'live';
    live.textContent = 'Live';
    const lag = this.lastLagMs < 1000 ? '< 1 s behind' : `${(this.lastLagMs / 1000).toFixed(1)} s behind`;
    const parts = [note ?? lag];
    if (this.dropped > 0)
      parts.push(`${this.dropped.toLocaleString('en-US')} lines dropped (client too slow)`);
    this.status.append(live, ` ${parts.join(' · ')}`);
    this.status.dataset.dropped = String(this.dropped);
  }
}

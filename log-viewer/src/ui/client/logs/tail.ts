// Live tail: an EventSource on /api/logs/tail with the page's query; new lines go on top, the
// status shows how far behind the newest line is and how many lines were dropped for this client
// since the tail was switched on: the server counts per connection (slow client, and lines a
// reconnect could not replay), and EventSource reconnects by itself, so the page adds them up. A
// reconnect whose replay ran out of budget says its count is a lower bound: "at least" from then on.
import { announceContent } from './dom.js';
import { type RecordJson, type RowContext, renderRow } from './rows.js';

export const MAX_LIVE_ROWS = 500;

export class LiveTail {
  private source: EventSource | null = null;
  /** Dropped on this tail's earlier connections. */
  private droppedBefore = 0;
  /** Dropped on the current connection (the server's running count). */
  private droppedNow = 0;
  /** Some connection lost lines it could not count. */
  private droppedAtLeast = false;
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
    this.droppedBefore = 0;
    this.droppedNow = 0;
    this.droppedAtLeast = false;
    // a new connection (the first, or EventSource's reconnect): its count starts again from 0
    source.addEventListener('open', () => {
      this.droppedBefore += this.droppedNow;
      this.droppedNow = 0;
    });
    source.addEventListener('log', (e) =>
      this.onLog(JSON.parse((e as MessageEvent<string>).data) as RecordJson),
    );
    source.addEventListener('dropped', (e) => {
      const data = JSON.parse((e as MessageEvent<string>).data) as { dropped: number; lower_bound?: boolean };
      this.droppedNow = data.dropped;
      if (data.lower_bound) this.droppedAtLeast = true;
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
    const dropped = this.droppedBefore + this.droppedNow;
    const count = `${this.droppedAtLeast ? 'at least ' : ''}${dropped.toLocaleString('en-US')}`;
    if (dropped > 0) parts.push(`${count} lines dropped (client too slow or reconnecting)`);
    else if (this.droppedAtLeast) parts.push('lines may be missing (a reconnect could not replay them all)');
    this.status.append(live, ` ${parts.join(' · ')}`);
    this.status.dataset.dropped = String(dropped);
    this.status.dataset.droppedAtLeast = String(this.droppedAtLeast);
  }
}

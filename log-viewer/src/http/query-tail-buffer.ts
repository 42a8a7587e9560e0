// Per-client flow control of live tail: lines are written while the socket accepts them; while it
// is backed up they queue up to a bound, and beyond it they are dropped and counted, so a slow
// client never makes the server buffer without limit or slows ingest. Pure; the SSE handler owns I/O.

export const MAX_QUEUED_TAIL_LINES = 2_000;

export interface TailSink {
  /** Returns false when the socket is backed up (like stream.write). */
  write(chunk: string): boolean;
}

export class TailBuffer {
  private queue: string[] = [];
  private blocked = false;
  /** Lines dropped for this client since it connected. */
  dropped = 0;
  private reportedDropped = 0;

  constructor(
    private readonly sink: TailSink,
    private readonly maxQueued = MAX_QUEUED_TAIL_LINES,
  ) {}

  /** Offers SSE-framed events; returns how many were dropped now. */
  push(events: string[]): number {
    if (!this.blocked && this.queue.length === 0) {
      this.write(events.join('') + this.droppedEvent());
      return 0;
    }
    const room = Math.max(0, this.maxQueued - this.queue.length);
    const kept = events.slice(0, room);
    const lost = events.length - kept.length;
    this.queue.push(...kept);
    this.dropped += lost;
    return lost;
  }

  /** A control event (heartbeat): sent only when nothing is pending, never queued or counted. */
  offer(event: string): void {
    if (!this.blocked && this.queue.length === 0) this.write(event);
  }

  /** The socket drained: send what queued up, then the updated dropped counter. */
  drain(): void {
    this.blocked = false;
    if (this.queue.length === 0 && this.dropped === this.reportedDropped) return;
    const chunk = this.queue.join('');
    this.queue = [];
    this.write(chunk + this.droppedEvent());
  }

  get queued(): number {
    return this.queue.length;
  }

  private droppedEvent(): string {
    if (this.dropped === this.reportedDropped) return '';
    this.reportedDropped = this.dropped;
    return `event: dropped\ndata: ${JSON.stringify({ dropped: this.dropped })}\n\n`;
  }

  private write(chunk: string): void {
    if (chunk === '') return;
    if (!this.sink.write(chunk)) this.blocked = true;
  }
}

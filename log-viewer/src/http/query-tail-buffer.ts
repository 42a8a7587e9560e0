// Per-client flow control of live tail: lines are written while the socket accepts them; while it
// is backed up they queue up to a bound, and beyond it they are dropped and counted, so a slow
// client never makes the server buffer without limit or slows ingest. Pure; the SSE handler owns I/O.

export const MAX_QUEUED_TAIL_LINES = 2_000;
/** More than a person can read; beyond it a tail is a firehose that would cost the ingest path. */
export const MAX_TAIL_LINES_PER_SECOND = 2_000;

/** A per-client budget of lines per wall-clock second (clock in ms, a parameter for tests). */
export class TailRateLimit {
  private windowStart = 0;
  private sent = 0;
  constructor(
    private readonly clock: () => number,
    private readonly perSecond = MAX_TAIL_LINES_PER_SECOND,
  ) {}

  /** How many of `wanted` lines may go now; the caller drops the rest. */
  take(wanted: number): number {
    const now = this.clock();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.sent = 0;
    }
    const granted = Math.max(0, Math.min(wanted, this.perSecond - this.sent));
    this.sent += granted;
    return granted;
  }
}

export interface TailSink {
  /** Returns false when the socket is backed up (like stream.write). */
  write(chunk: string): boolean;
}

export class TailBuffer {
  private queue: string[] = [];
  private blocked = false;
  /** Lines dropped for this client since it connected. */
  dropped = 0;
  /** Some lines were lost without being counted (a reconnect's replay ran out of budget). */
  lowerBound = false;
  private reportedDropped = 0;
  private reportedLowerBound = false;

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

  /** How many more events push() would keep right now (the rest would be dropped). */
  room(): number {
    return !this.blocked && this.queue.length === 0
      ? Number.POSITIVE_INFINITY
      : this.maxQueued - this.queue.length;
  }

  /** Counts lines the caller did not even serialize (no room, or over the rate limit). */
  drop(count: number): void {
    this.dropped += count;
    if (!this.blocked && this.queue.length === 0) this.write(this.droppedEvent());
  }

  /** Counts lines lost, and more that were never counted: `dropped` is a lower bound from now on. */
  dropAtLeast(count: number): void {
    this.lowerBound = true;
    this.drop(count);
  }

  /** A control event (heartbeat): sent only when nothing is pending, never queued or counted. */
  offer(event: string): void {
    if (!this.blocked && this.queue.length === 0) this.write(event);
  }

  /** The socket drained: send what queued up, then the updated dropped counter. */
  drain(): void {
    this.blocked = false;
    if (this.queue.length === 0 && this.dropped === this.reportedDropped && !this.lowerBoundUnsent) return;
    const chunk = this.queue.join('');
    this.queue = [];
    this.write(chunk + this.droppedEvent());
  }

  get queued(): number {
    return this.queue.length;
  }

  /** The running count as the `dropped` event and heartbeat carry it. */
  get droppedJson(): { dropped: number; lower_bound?: true } {
    return this.lowerBound ? { dropped: this.dropped, lower_bound: true } : { dropped: this.dropped };
  }

  private get lowerBoundUnsent(): boolean {
    return this.lowerBound !== this.reportedLowerBound;
  }

  private droppedEvent(): string {
    if (this.dropped === this.reportedDropped && !this.lowerBoundUnsent) return '';
    this.reportedDropped = this.dropped;
    this.reportedLowerBound = this.lowerBound;
    return `event: dropped\ndata: ${JSON.stringify(this.droppedJson)}\n\n`;
  }

  private write(chunk: string): void {
    if (chunk === '') return;
    if (!this.sink.write(chunk)) this.blocked = true;
  }
}

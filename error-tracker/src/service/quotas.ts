// Per-project ingest quotas over fixed one-minute and one-hour windows, in memory (a restart
// forgets them, which only ever lets more through).
export class QuotaTracker {
  private readonly windows = new Map<string, { start: number; count: number }>();

  /** Counts `n` events; returns seconds until the exhausted window resets, or 0 when allowed. */
  take(projectId: number, perMinute: number, perHour: number, nowMs: number, n: number): number {
    for (const [limit, size] of [
      [perMinute, 60_000],
      [perHour, 3_600_000],
    ] as const) {
      if (limit <= 0) continue;
      const w = this.window(projectId, size, nowMs);
      if (w.count + n > limit) return Math.ceil((w.start + size - nowMs) / 1000);
    }
    for (const [limit, size] of [
      [perMinute, 60_000],
      [perHour, 3_600_000],
    ] as const) {
      if (limit > 0) this.window(projectId, size, nowMs).count += n;
    }
    return 0;
  }

  private window(projectId: number, size: number, nowMs: number) {
    const start = Math.floor(nowMs / size) * size;
    const key = `${projectId}:${size}`;
    let w = this.windows.get(key);
    if (!w || w.start !== start) {
      w = { start, count: 0 };
      this.windows.set(key, w);
    }
    return w;
  }
}

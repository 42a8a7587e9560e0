// Rows acknowledged but not yet sealed, in memory (the inbox holds the durable copy). Readers see
// them like sealed blocks. Open blocks are keyed by stream; since block format 3 there is one stream
// for all services (STREAM), so a request's lines land in one block and compress together.
import type { Row } from './row.js';

/** The stream key of every row: one block stream for all services (a NUL: no service name clashes in seal marks). */
export const STREAM = '\u0000';

export interface OpenBlock {
  /** The stream key (STREAM); the rows carry their own services. */
  service: string;
  rows: Row[];
  /** Clock ms when the first row arrived (blocks are sealed by age as well as size). */
  openedAt: number;
  minMs: number;
  maxMs: number;
  levelCounts: number[];
}

export class OpenBlocks {
  readonly byService = new Map<string, OpenBlock>();
  total = 0;

  add(row: Row, now: number): OpenBlock {
    let b = this.byService.get(STREAM);
    if (!b) {
      b = {
        service: STREAM,
        rows: [],
        openedAt: now,
        minMs: row.ms,
        maxMs: row.ms,
        levelCounts: [0, 0, 0, 0, 0, 0],
      };
      this.byService.set(STREAM, b);
    }
    b.rows.push(row);
    if (row.ms < b.minMs) b.minMs = row.ms;
    if (row.ms > b.maxMs) b.maxMs = row.ms;
    b.levelCounts[row.level]++;
    this.total++;
    return b;
  }

  /** Removes and returns the block of a service. */
  take(service: string): OpenBlock | undefined {
    const b = this.byService.get(service);
    if (!b) return undefined;
    this.byService.delete(service);
    this.total -= b.rows.length;
    return b;
  }

  /** Drops a service's rows up to a seq (now in a sealed block), keeping later ones open. */
  dropUpTo(service: string, uptoSeq: number): void {
    const b = this.byService.get(service);
    if (!b) return;
    let n = 0;
    while (n < b.rows.length && b.rows[n].seq <= uptoSeq) n++;
    if (n === 0) return;
    this.total -= n;
    if (n === b.rows.length) {
      this.byService.delete(service);
      return;
    }
    b.rows = b.rows.slice(n);
    b.minMs = Number.POSITIVE_INFINITY;
    b.maxMs = Number.NEGATIVE_INFINITY;
    b.levelCounts = [0, 0, 0, 0, 0, 0];
    for (const r of b.rows) {
      if (r.ms < b.minMs) b.minMs = r.ms;
      if (r.ms > b.maxMs) b.maxMs = r.ms;
      b.levelCounts[r.level]++;
    }
  }

  /** Lowest seq still only in memory + inbox (rows are appended in seq order per service). */
  lowWaterSeq(nextSeq: number): number {
    let low = nextSeq;
    for (const b of this.byService.values())
      if (b.rows.length > 0 && b.rows[0].seq < low) low = b.rows[0].seq;
    return low;
  }

  largest(): OpenBlock | undefined {
    let best: OpenBlock | undefined;
    for (const b of this.byService.values()) if (!best || b.rows.length > best.rows.length) best = b;
    return best;
  }
}

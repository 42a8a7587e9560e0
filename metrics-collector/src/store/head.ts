// Per-series in-memory state: the open in-order chunk, an out-of-order buffer, and sealed chunks
// waiting for the next checkpoint. Every chunk gets a sequence number when it is opened; on reads,
// for equal timestamps the sample from the chunk with the higher sequence wins (last write wins).
import { XorAppender } from './xor-chunk.js';

export const CHUNK_MAX_SAMPLES = 720;
/** Chunks never span more than this, so a range read can bound its index scan on min_t. */
export const CHUNK_MAX_SPAN_MS = 6 * 3600_000;
const OOO_MAX_SAMPLES = 240;

export interface SealedChunk {
  minT: number;
  maxT: number;
  count: number;
  seq: number;
  xor: Uint8Array;
}

export const APPEND_OK = 0;
export const APPEND_DUPLICATE = 1;
export const APPEND_TOO_OLD = 2;

export class SeriesHead {
  app: XorAppender | null = null;
  appSeq = 0;
  oooT: number[] | null = null;
  oooV: number[] | null = null;
  oooSeq = 0;
  sealed: SealedChunk[] = [];
  /** Highest timestamp accepted in order; older samples go through the out-of-order buffer. */
  lastT = Number.NEGATIVE_INFINITY;
  lastV = 0;
  firstT = Number.POSITIVE_INFINITY;
  dirty = false;

  constructor(readonly id: number) {}

  append(t: number, v: number, oooWindowMs: number, nextSeq: () => number): number {
    this.dirty = true;
    if (t < this.firstT) this.firstT = t;
    if (t > this.lastT) {
      let app = this.app;
      if (app && (app.count >= CHUNK_MAX_SAMPLES || t - app.minT >= CHUNK_MAX_SPAN_MS)) {
        this.sealApp();
        app = null;
      }
      if (!app) {
        app = new XorAppender();
        this.app = app;
        this.appSeq = nextSeq();
      }
      app.append(t, v);
      this.lastT = t;
      this.lastV = v;
      return APPEND_OK;
    }
    if (t === this.lastT && Object.is(v, this.lastV)) return APPEND_DUPLICATE;
    if (t < this.lastT - oooWindowMs) return APPEND_TOO_OLD;
    this.insertOutOfOrder(t, v, nextSeq);
    if (t === this.lastT) this.lastV = v;
    return APPEND_OK;
  }

  private insertOutOfOrder(t: number, v: number, nextSeq: () => number): void {
    if (this.oooT && this.oooV) {
      const lo = Math.min(this.oooT[0], t);
      const hi = Math.max(this.oooT[this.oooT.length - 1], t);
      // A buffer older than the current in-order chunk must not lose a tie against it.
      if (this.oooT.length >= OOO_MAX_SAMPLES || hi - lo >= CHUNK_MAX_SPAN_MS || this.appSeq > this.oooSeq) {
        this.sealOutOfOrder();
      }
    }
    if (!this.oooT || !this.oooV) {
      this.oooT = [t];
      this.oooV = [v];
      this.oooSeq = nextSeq();
      return;
    }
    const ts = this.oooT;
    let a = 0;
    let b = ts.length;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (ts[mid] < t) a = mid + 1;
      else b = mid;
    }
    if (ts[a] === t) this.oooV[a] = v;
    else {
      ts.splice(a, 0, t);
      this.oooV.splice(a, 0, v);
    }
  }

  sealApp(): void {
    const app = this.app;
    if (!app) return;
    this.sealed.push({
      minT: app.minT,
      maxT: app.maxT,
      count: app.count,
      seq: this.appSeq,
      xor: app.bytes(),
    });
    this.app = null;
  }

  sealOutOfOrder(): void {
    if (!this.oooT || !this.oooV) return;
    const app = new XorAppender();
    for (let i = 0; i < this.oooT.length; i++) app.append(this.oooT[i], this.oooV[i]);
    this.sealed.push({
      minT: app.minT,
      maxT: app.maxT,
      count: app.count,
      seq: this.oooSeq,
      xor: app.bytes(),
    });
    this.oooT = null;
    this.oooV = null;
  }

  /** Restores an open chunk from its snapshot bytes. */
  restoreApp(seq: number, ts: number[], vs: number[]): void {
    const app = new XorAppender();
    for (let i = 0; i < ts.length; i++) app.append(ts[i], vs[i]);
    this.app = app;
    this.appSeq = seq;
    if (ts.length) {
      this.lastT = Math.max(this.lastT, ts[ts.length - 1]);
      this.lastV = vs[vs.length - 1];
      this.firstT = Math.min(this.firstT, ts[0]);
    }
  }

  restoreOutOfOrder(seq: number, ts: number[], vs: number[]): void {
    this.oooT = ts;
    this.oooV = vs;
    this.oooSeq = seq;
    if (ts.length) this.firstT = Math.min(this.firstT, ts[0]);
  }

  sealedBytes(): number {
    let n = 0;
    for (const c of this.sealed) n += c.xor.length;
    return n;
  }
}

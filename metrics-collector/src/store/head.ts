// Per-series in-memory state: the open in-order chunk (encoding 7, delta-chunk.ts), an out-of-order
// buffer, and sealed chunks (also encoding 7) waiting for the next checkpoint. Every chunk gets a
// sequence number when it is opened; on reads, for equal timestamps the sample from the chunk with
// the higher sequence wins (last write wins).
import { CHUNK_MAX_SAMPLES, CHUNK_MAX_SPAN_MS, DeltaAppender } from './delta-chunk.js';

const OOO_MAX_SAMPLES = 240;

export interface SealedChunk {
  minT: number;
  maxT: number;
  count: number;
  seq: number;
  /** Encoding 7 (delta-chunk.ts). */
  data: Uint8Array;
}

export const APPEND_OK = 0;
export const APPEND_DUPLICATE = 1;
export const APPEND_TOO_OLD = 2;

/** The `sealed` of every head without sealed chunks (most of them, between checkpoints): an empty
 * array per series cost 32 bytes. Frozen, so a push on it throws instead of leaking into all. */
const NO_SEALED: SealedChunk[] = Object.freeze([]) as unknown as SealedChunk[];

export class SeriesHead {
  app: DeltaAppender | null = null;
  appSeq = 0;
  oooT: number[] | null = null;
  oooV: number[] | null = null;
  /** 1 where the out-of-order sample is a staleness marker (parallel to oooT). */
  oooS: number[] | null = null;
  oooSeq = 0;
  sealed: SealedChunk[] = NO_SEALED;
  /** Highest timestamp accepted in order; older samples go through the out-of-order buffer. */
  lastT = Number.NEGATIVE_INFINITY;
  lastV = 0;
  lastStale = false;
  firstT = Number.POSITIVE_INFINITY;
  dirty = false;

  constructor(readonly id: number) {}

  append(t: number, v: number, oooWindowMs: number, nextSeq: () => number, stale = false): number {
    this.dirty = true;
    if (t < this.firstT) this.firstT = t;
    if (t > this.lastT) {
      let app = this.app;
      if (app && (app.count >= CHUNK_MAX_SAMPLES || t - app.minT >= CHUNK_MAX_SPAN_MS)) {
        this.sealApp();
        app = null;
      }
      if (!app) {
        app = new DeltaAppender();
        this.app = app;
        this.appSeq = nextSeq();
      }
      app.append(t, v, stale);
      this.lastT = t;
      this.lastV = v;
      this.lastStale = stale;
      return APPEND_OK;
    }
    if (t === this.lastT && Object.is(v, this.lastV) && stale === this.lastStale) return APPEND_DUPLICATE;
    if (t < this.lastT - oooWindowMs) return APPEND_TOO_OLD;
    this.insertOutOfOrder(t, v, nextSeq, stale);
    if (t === this.lastT) {
      this.lastV = v;
      this.lastStale = stale;
    }
    return APPEND_OK;
  }

  private insertOutOfOrder(t: number, v: number, nextSeq: () => number, stale: boolean): void {
    if (this.oooT && this.oooV) {
      const lo = Math.min(this.oooT[0], t);
      const hi = Math.max(this.oooT[this.oooT.length - 1], t);
      // A buffer older than the current in-order chunk must not lose a tie against it.
      if (this.oooT.length >= OOO_MAX_SAMPLES || hi - lo >= CHUNK_MAX_SPAN_MS || this.appSeq > this.oooSeq) {
        this.sealOutOfOrder();
      }
    }
    const flag = stale ? 1 : 0;
    if (!this.oooT || !this.oooV || !this.oooS) {
      this.oooT = [t];
      this.oooV = [v];
      this.oooS = [flag];
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
    if (ts[a] === t) {
      this.oooV[a] = v;
      this.oooS[a] = flag;
    } else {
      ts.splice(a, 0, t);
      this.oooV.splice(a, 0, v);
      this.oooS.splice(a, 0, flag);
    }
  }

  sealApp(): void {
    const app = this.app;
    if (!app) return;
    this.addSealed({
      minT: app.minT,
      maxT: app.maxT,
      count: app.count,
      seq: this.appSeq,
      data: app.bytes(),
    });
    app.release();
    this.app = null;
  }

  sealOutOfOrder(): void {
    if (!this.oooT || !this.oooV) return;
    const app = new DeltaAppender();
    const flags = this.oooS;
    for (let i = 0; i < this.oooT.length; i++) app.append(this.oooT[i], this.oooV[i], flags?.[i] === 1);
    this.addSealed({
      minT: app.minT,
      maxT: app.maxT,
      count: app.count,
      seq: this.oooSeq,
      data: app.bytes(),
    });
    app.release();
    this.oooT = null;
    this.oooV = null;
    this.oooS = null;
  }

  /** Restores an open chunk from its decoded snapshot (`stale`: ascending marker indexes). */
  restoreApp(seq: number, ts: number[], vs: number[], stale: number[] = []): void {
    const app = new DeltaAppender();
    let k = 0;
    for (let i = 0; i < ts.length; i++) {
      const isStale = stale[k] === i;
      if (isStale) k++;
      app.append(ts[i], vs[i], isStale);
    }
    this.app?.release();
    this.app = app;
    this.appSeq = seq;
    if (ts.length) {
      this.lastT = Math.max(this.lastT, ts[ts.length - 1]);
      this.lastV = vs[vs.length - 1];
      this.lastStale = stale[stale.length - 1] === ts.length - 1;
      this.firstT = Math.min(this.firstT, ts[0]);
    }
  }

  restoreOutOfOrder(seq: number, ts: number[], vs: number[], stale: number[] = []): void {
    this.oooT = ts;
    this.oooV = vs;
    this.oooS = flagsOf(stale, ts.length);
    this.oooSeq = seq;
    if (ts.length) this.firstT = Math.min(this.firstT, ts[0]);
  }

  private addSealed(chunk: SealedChunk): void {
    if (this.sealed === NO_SEALED) this.sealed = [chunk];
    else this.sealed.push(chunk);
  }

  /** The sealed chunks were persisted (checkpoint). */
  clearSealed(): void {
    this.sealed = NO_SEALED;
  }

  sealedBytes(): number {
    let n = 0;
    for (const c of this.sealed) n += c.data.length;
    return n;
  }
}

/** Ascending indexes → 0/1 flags of length n. */
export function flagsOf(indexes: number[], n: number): number[] {
  const flags = new Array<number>(n).fill(0);
  for (const i of indexes) flags[i] = 1;
  return flags;
}

/** 0/1 flags → ascending indexes of the ones. */
export function indexesOf(flags: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < flags.length; i++) if (flags[i]) out.push(i);
  return out;
}

// Per-series in-memory state: the open in-order chunk (encoding 7, delta-chunk.ts), an out-of-order
// buffer, and sealed chunks (also encoding 7) waiting for the next checkpoint. Every chunk gets a
// sequence number when it is opened; on reads, for equal timestamps the sample from the chunk with
// the higher sequence wins (last write wins).
//
// The scalars of every head sit in typed arrays indexed by the head's slot (the open chunks' state
// in a DeltaChunks with the same slots; `slotOf` maps a series id to its slot, and a removed head's
// slot is reused): a SeriesHead and a DeltaAppender object per series with their boxed float64
// fields took ~370 bytes of V8 heap per series, these arrays ~95 and the slot 4 more. Out-of-order
// buffers and sealed chunks are rare between checkpoints and live in maps, by series id.
import { CHUNK_MAX_SAMPLES, CHUNK_MAX_SPAN_MS, DeltaAppender, DeltaChunks } from './delta-chunk.js';

const OOO_MAX_SAMPLES = 240;

export interface SealedChunk {
  minT: number;
  maxT: number;
  count: number;
  seq: number;
  /** Encoding 7 (delta-chunk.ts). */
  data: Uint8Array;
}

/** Out-of-order samples of a series, ascending and unique by timestamp. */
export interface OutOfOrderBuffer {
  seq: number;
  ts: number[];
  vs: number[];
  /** 1 where the sample is a staleness marker (parallel to ts). */
  stale: number[];
}

export const APPEND_OK = 0;
export const APPEND_DUPLICATE = 1;
export const APPEND_TOO_OLD = 2;

/** The `sealed` of every head without sealed chunks. Frozen, so a push on it throws. */
const NO_SEALED: readonly SealedChunk[] = Object.freeze([]);

/** Highest timestamp accepted in order; older samples go through the out-of-order buffer. */
const F_LAST_T = 0;
const F_LAST_V = 1;
/** Oldest sample time the series has (persisted chunks included). */
const F_FIRST_T = 2;
/** Sequence of the open chunk (kept after it is sealed, for the snapshot). */
const F_APP_SEQ = 3;
const F_STRIDE = 4;

const EXISTS = 1;
const DIRTY = 2;
const LAST_STALE = 4;

/** One undo record (saveForUndo): series id, its open chunk's sample count (-1: no open chunk,
 * -2: no head), its F_STRIDE scalars and flags. */
const U_ID = 0;
const U_COUNT = 1;
const U_F = 2;
const U_FLAGS = U_F + F_STRIDE;
const U_STRIDE = U_FLAGS + 1;

export class Heads {
  /** Series id → its slot + 1 (0: no head). The typed arrays below and the open chunks are indexed
   * by slot, and a removed head's slot goes to the next new one: indexed by id, they kept ~95 bytes
   * for every series ever created (series-expiry.ts removes heads; ids are never reused). */
  private slotOf = new Int32Array(1024);
  private readonly freeSlots: number[] = [];
  private slotsUsed = 0;
  /** The open chunk of the series in slot `s` is chunk slot `s`. */
  private readonly chunks = new DeltaChunks(1024);
  private f = new Float64Array(1024 * F_STRIDE);
  private flags = new Uint8Array(1024);
  private readonly sealedById = new Map<number, SealedChunk[]>();
  private readonly ooo = new Map<number, OutOfOrderBuffer>();
  /** Bytes of all sealed chunks waiting for a checkpoint. */
  sealedBytes = 0;
  // The undo log of the request being applied (beginUndo … endUndo or rollback): a record per
  // series the request touches, saved before its first sample (saveForUndo: 8 numbers; the open
  // chunk's own state is rebuilt on rollback from its first `count` samples, so the hot path copies
  // only the count), and closures for the rare changes those records cannot undo (a seal, an
  // out-of-order insert), each with the number of records saved before it so that rollback
  // interleaves them in reverse order.
  private undo = new Float64Array(256 * U_STRIDE);
  private undoCount = 0;
  private undoing = false;
  private readonly undoRare: { after: number; undo: () => void }[] = [];

  /** Starts an undo log: until endUndo(), rollback() can put every head back as it is now, for the
   * series passed to saveForUndo() before their samples (a malformed remote_write request applies
   * nothing, as Prometheus decodes the whole request first). */
  beginUndo(): void {
    this.undoCount = 0;
    this.undoRare.length = 0;
    this.undoing = true;
  }

  /** Records a series' head before the request appends to it (again for a series seen twice). */
  saveForUndo(id: number): void {
    if (!this.undoing) return;
    let u = this.undo;
    const o = this.undoCount * U_STRIDE;
    if (o + U_STRIDE > u.length) {
      u = new Float64Array(u.length * 2);
      u.set(this.undo);
      this.undo = u;
    }
    this.undoCount++;
    u[o + U_ID] = id;
    const slotOf = this.slotOf;
    const s = (id < slotOf.length ? slotOf[id] : 0) - 1;
    if (s < 0) {
      u[o + U_COUNT] = -2;
      return;
    }
    const f = this.f;
    const r = s * F_STRIDE;
    u[o + U_COUNT] = this.chunks.openCount(s);
    u[o + U_F] = f[r];
    u[o + U_F + 1] = f[r + 1];
    u[o + U_F + 2] = f[r + 2];
    u[o + U_F + 3] = f[r + 3];
    u[o + U_FLAGS] = this.flags[s];
  }

  /** Registers how to undo a change outside the heads' saved state (while an undo log is open). */
  onUndo(undo: () => void): void {
    if (this.undoing) this.undoRare.push({ after: this.undoCount, undo });
  }

  /** Closes the undo log: the request's appends stay. */
  endUndo(): void {
    this.undoing = false;
    this.undoCount = 0;
    this.undoRare.length = 0;
  }

  /** Puts every head the open undo log saved back as it was, then closes the log. */
  rollback(): void {
    this.undoing = false;
    const u = this.undo;
    const rare = this.undoRare;
    for (let k = this.undoCount - 1; k >= 0; k--) {
      while (rare.length > 0 && rare[rare.length - 1].after > k) rare.pop()!.undo();
      const o = k * U_STRIDE;
      const id = u[o + U_ID];
      const count = u[o + U_COUNT];
      if (count === -2) {
        this.remove(id);
        continue;
      }
      const s = this.slotOf[id] - 1;
      const r = s * F_STRIDE;
      this.f[r] = u[o + U_F];
      this.f[r + 1] = u[o + U_F + 1];
      this.f[r + 2] = u[o + U_F + 2];
      this.f[r + 3] = u[o + U_F + 3];
      this.flags[s] = u[o + U_FLAGS];
      // Rebuilt even when the count is the same: a chunk reopened from its sealed copy has it.
      if (count === -1) this.chunks.release(s);
      else this.chunks.truncate(s, count);
    }
    while (rare.length > 0) rare.pop()!.undo();
    this.undoCount = 0;
  }

  has(id: number): boolean {
    return id < this.slotOf.length && this.slotOf[id] !== 0;
  }

  /** Slots in use (heads), for tests of memory under churn. */
  get slotCount(): number {
    return this.slotsUsed - this.freeSlots.length;
  }

  /** Length of the slot arrays (grows only with the heads alive at once). */
  get slotCapacity(): number {
    return this.flags.length;
  }

  /** Ids of every head, ascending. */
  *ids(): Generator<number> {
    const slotOf = this.slotOf;
    for (let id = 0; id < slotOf.length; id++) if (slotOf[id] !== 0) yield id;
  }

  /** Creates an empty head for a series (no-op when it has one). */
  create(id: number): void {
    if (this.has(id)) return;
    if (id >= this.slotOf.length) {
      const slotOf = new Int32Array(Math.max(id + 1, Math.ceil(this.slotOf.length * 1.5)));
      slotOf.set(this.slotOf);
      this.slotOf = slotOf;
    }
    const s = this.freeSlots.pop() ?? this.slotsUsed++;
    if (s >= this.flags.length) {
      const n = Math.max(s + 1, Math.ceil(this.flags.length * 1.5));
      const f = new Float64Array(n * F_STRIDE);
      f.set(this.f);
      const flags = new Uint8Array(n);
      flags.set(this.flags);
      this.f = f;
      this.flags = flags;
    }
    this.chunks.reserve(s + 1);
    const r = s * F_STRIDE;
    this.f[r + F_LAST_T] = Number.NEGATIVE_INFINITY;
    this.f[r + F_LAST_V] = 0;
    this.f[r + F_FIRST_T] = Number.POSITIVE_INFINITY;
    this.f[r + F_APP_SEQ] = 0;
    this.flags[s] = EXISTS;
    this.slotOf[id] = s + 1;
  }

  /** Forgets a series' head (series-expiry.ts): its open chunk's block goes back to the arena,
   * its out-of-order buffer and sealed chunks are dropped (persist them first: sealAll + a
   * checkpoint), and its slot goes to the next new head. */
  remove(id: number): void {
    if (!this.has(id)) return;
    const s = this.slotOf[id] - 1;
    this.chunks.release(s);
    this.clearSealed(id);
    this.ooo.delete(id);
    this.flags[s] = 0;
    this.slotOf[id] = 0;
    this.freeSlots.push(s);
  }

  /** Seals the open chunk and the out-of-order buffer, so the next checkpoint writes them as
   * chunks (the head then holds nothing that is not in SQLite). */
  sealAll(id: number): void {
    if (!this.has(id)) return;
    if (!this.hasApp(id) && !this.ooo.has(id)) return;
    this.sealApp(id);
    this.sealOutOfOrder(id);
    this.flags[this.slotOf[id] - 1] |= DIRTY;
  }

  /** True when the head holds samples not yet written as chunks (open, out-of-order or sealed). */
  holdsSamples(id: number): boolean {
    return this.has(id) && (this.hasApp(id) || this.ooo.has(id) || this.sealedById.has(id));
  }

  /** Gives every open chunk's block back to the arena (the store is closing). */
  releaseAll(): void {
    for (const id of this.ids()) this.chunks.release(this.slotOf[id] - 1);
  }

  lastT(id: number): number {
    return this.f[(this.slotOf[id] - 1) * F_STRIDE + F_LAST_T];
  }

  firstT(id: number): number {
    return this.f[(this.slotOf[id] - 1) * F_STRIDE + F_FIRST_T];
  }

  /** Widens the head's time bounds to a persisted chunk's (start-up). */
  includeBounds(id: number, minT: number, maxT: number): void {
    const r = (this.slotOf[id] - 1) * F_STRIDE;
    if (minT < this.f[r + F_FIRST_T]) this.f[r + F_FIRST_T] = minT;
    if (maxT > this.f[r + F_LAST_T]) this.f[r + F_LAST_T] = maxT;
  }

  isDirty(id: number): boolean {
    return (this.flags[this.slotOf[id] - 1] & DIRTY) !== 0;
  }

  clearDirty(id: number): void {
    this.flags[this.slotOf[id] - 1] &= ~DIRTY;
  }

  append(
    id: number,
    t: number,
    v: number,
    oooWindowMs: number,
    nextSeq: () => number,
    stale = false,
  ): number {
    const f = this.f;
    const s = this.slotOf[id] - 1;
    const r = s * F_STRIDE;
    const lastT = f[r + F_LAST_T];
    if (t > lastT) {
      if (t < f[r + F_FIRST_T]) f[r + F_FIRST_T] = t;
      const chunks = this.chunks;
      if (!chunks.appendInOrder(s, t, v, stale, CHUNK_MAX_SAMPLES, CHUNK_MAX_SPAN_MS)) {
        this.cutApp(id, s, nextSeq);
        chunks.append(s, t, v, stale);
      }
      f[r + F_LAST_T] = t;
      f[r + F_LAST_V] = v;
      this.flags[s] = stale ? EXISTS | DIRTY | LAST_STALE : EXISTS | DIRTY;
      return APPEND_OK;
    }
    const lastStale = (this.flags[s] & LAST_STALE) !== 0;
    if (t === lastT && Object.is(v, f[r + F_LAST_V]) && stale === lastStale) return APPEND_DUPLICATE;
    // Only a sample that is kept may widen the bounds reads use to pick series.
    if (t < lastT - oooWindowMs) return APPEND_TOO_OLD;
    this.flags[s] |= DIRTY;
    if (t < f[r + F_FIRST_T]) f[r + F_FIRST_T] = t;
    this.insertOutOfOrder(id, t, v, nextSeq, stale);
    if (t === lastT) {
      f[r + F_LAST_V] = v;
      if (stale) this.flags[s] |= LAST_STALE;
      else this.flags[s] &= ~LAST_STALE;
    }
    return APPEND_OK;
  }

  /** Seals the open chunk (if any) and opens the next one. */
  private cutApp(id: number, s: number, nextSeq: () => number): void {
    const chunks = this.chunks;
    if (this.undoing && chunks.isOpen(s)) {
      // Undone: the sealed copy goes back into the slot (rollback then truncates it).
      const data = chunks.bytes(s);
      this.onUndo(() => this.chunks.reopenFrom(this.slotOf[id] - 1, data));
    }
    this.sealApp(id);
    chunks.open(s);
    this.f[s * F_STRIDE + F_APP_SEQ] = nextSeq();
  }

  private insertOutOfOrder(id: number, t: number, v: number, nextSeq: () => number, stale: boolean): void {
    let buf = this.ooo.get(id);
    if (this.undoing) {
      const was = buf && { seq: buf.seq, ts: buf.ts.slice(), vs: buf.vs.slice(), stale: buf.stale.slice() };
      this.onUndo(() => (was ? this.ooo.set(id, was) : this.ooo.delete(id)));
    }
    if (buf) {
      const lo = Math.min(buf.ts[0], t);
      const hi = Math.max(buf.ts[buf.ts.length - 1], t);
      // A buffer older than the current in-order chunk must not lose a tie against it.
      if (buf.ts.length >= OOO_MAX_SAMPLES || hi - lo >= CHUNK_MAX_SPAN_MS || this.appSeq(id) > buf.seq) {
        this.sealOutOfOrder(id);
        buf = undefined;
      }
    }
    const flag = stale ? 1 : 0;
    if (!buf) {
      this.ooo.set(id, { seq: nextSeq(), ts: [t], vs: [v], stale: [flag] });
      return;
    }
    const ts = buf.ts;
    let a = 0;
    let b = ts.length;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (ts[mid] < t) a = mid + 1;
      else b = mid;
    }
    if (ts[a] === t) {
      buf.vs[a] = v;
      buf.stale[a] = flag;
    } else {
      ts.splice(a, 0, t);
      buf.vs.splice(a, 0, v);
      buf.stale.splice(a, 0, flag);
    }
  }

  // ---- the open chunk ------------------------------------------------------------------------

  hasApp(id: number): boolean {
    return this.has(id) && this.chunks.isOpen(this.slotOf[id] - 1);
  }

  appSeq(id: number): number {
    return this.f[(this.slotOf[id] - 1) * F_STRIDE + F_APP_SEQ];
  }

  setAppSeq(id: number, seq: number): void {
    this.f[(this.slotOf[id] - 1) * F_STRIDE + F_APP_SEQ] = seq;
  }

  appMinT(id: number): number {
    return this.chunks.minT(this.slotOf[id] - 1);
  }

  appMaxT(id: number): number {
    return this.chunks.maxT(this.slotOf[id] - 1);
  }

  /** The open chunk's bytes (a copy). */
  appBytes(id: number): Uint8Array {
    return this.chunks.bytes(this.slotOf[id] - 1);
  }

  /** Decodes the open chunk's samples in [fromMs, toMs] (see decodeDeltaChunk). */
  decodeApp(
    id: number,
    ts: number[],
    vs: number[],
    stale?: number[],
    fromMs?: number,
    toMs?: number,
  ): number {
    return this.chunks.decodeInto(this.slotOf[id] - 1, ts, vs, stale, fromMs, toMs);
  }

  /** Restores an open chunk from its decoded snapshot (`stale`: ascending marker indexes). */
  restoreApp(id: number, seq: number, ts: number[], vs: number[], stale: number[] = []): void {
    this.create(id);
    const s = this.slotOf[id] - 1;
    const chunks = this.chunks;
    chunks.open(s);
    let k = 0;
    for (let i = 0; i < ts.length; i++) {
      const isStale = stale[k] === i;
      if (isStale) k++;
      chunks.append(s, ts[i], vs[i], isStale);
    }
    this.setAppSeq(id, seq);
    if (ts.length) {
      const r = s * F_STRIDE;
      const last = ts[ts.length - 1];
      if (last > this.f[r + F_LAST_T]) this.f[r + F_LAST_T] = last;
      this.f[r + F_LAST_V] = vs[vs.length - 1];
      if (stale[stale.length - 1] === ts.length - 1) this.flags[s] |= LAST_STALE;
      else this.flags[s] &= ~LAST_STALE;
      if (ts[0] < this.f[r + F_FIRST_T]) this.f[r + F_FIRST_T] = ts[0];
    }
  }

  sealApp(id: number): void {
    if (!this.hasApp(id)) return;
    const s = this.slotOf[id] - 1;
    const chunks = this.chunks;
    this.addSealed(id, {
      minT: chunks.minT(s),
      maxT: chunks.maxT(s),
      count: chunks.count(s),
      seq: this.appSeq(id),
      data: chunks.bytes(s),
    });
    chunks.release(s);
  }

  // ---- out-of-order buffer and sealed chunks ---------------------------------------------------

  outOfOrder(id: number): OutOfOrderBuffer | undefined {
    return this.ooo.get(id);
  }

  restoreOutOfOrder(id: number, seq: number, ts: number[], vs: number[], stale: number[] = []): void {
    this.create(id);
    this.ooo.set(id, { seq, ts, vs, stale: flagsOf(stale, ts.length) });
    if (ts.length) this.includeBounds(id, ts[0], Number.NEGATIVE_INFINITY);
  }

  sealOutOfOrder(id: number): void {
    const buf = this.ooo.get(id);
    if (!buf) return;
    const app = new DeltaAppender(buf.ts.length * 2 + 32);
    for (let i = 0; i < buf.ts.length; i++) app.append(buf.ts[i], buf.vs[i], buf.stale[i] === 1);
    this.addSealed(id, { minT: app.minT, maxT: app.maxT, count: app.count, seq: buf.seq, data: app.bytes() });
    app.release();
    this.ooo.delete(id);
  }

  sealed(id: number): readonly SealedChunk[] {
    return this.sealedById.get(id) ?? NO_SEALED;
  }

  private addSealed(id: number, chunk: SealedChunk): void {
    const list = this.sealedById.get(id);
    if (list) list.push(chunk);
    else this.sealedById.set(id, [chunk]);
    this.sealedBytes += chunk.data.length;
    if (this.undoing)
      this.onUndo(() => {
        const chunks = this.sealedById.get(id)!;
        chunks.splice(chunks.indexOf(chunk), 1);
        if (chunks.length === 0) this.sealedById.delete(id);
        this.sealedBytes -= chunk.data.length;
      });
  }

  /** The sealed chunks were persisted (checkpoint). */
  clearSealed(id: number): void {
    for (const c of this.sealedById.get(id) ?? []) this.sealedBytes -= c.data.length;
    this.sealedById.delete(id);
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

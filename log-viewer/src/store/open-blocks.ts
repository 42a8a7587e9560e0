// Rows acknowledged but not yet sealed, on the main thread (the inbox holds the durable copy). Readers
// see them like sealed blocks. Open blocks are keyed by stream: one per ingest worker (all services
// together, so a request's lines land in one block and compress together). A batch is one append or
// one request body; when a worker parsed the body, the main thread keeps a summary, and the body only
// until the request is answered: then it reads the body back from its inbox frame if a reader (or a
// seal on this thread) needs the rows.
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { BodyKind, BodyOptions } from '../ingest/body-parsers.js';
import { type BatchSummary, parseBodyColumns, parseBodyRows } from './body-rows.js';
import type { Row } from './row.js';
import { RowColumns } from './row-columns.js';

/** The stream key of the first stream (the only one before ingest workers; a NUL: no service name clashes in seal marks). */
export const STREAM = '\u0000';

/** Seal-mark key of stream i. */
export function streamKey(i: number): string {
  return i === 0 ? STREAM : `${STREAM}${i}`;
}

export interface OpenBatch extends BatchSummary {
  seqBase: number;
  /** Clock ms when it arrived (blocks are sealed by age as well as size). */
  arrivedAt: number;
  /** The rows (seq order), or undefined until parsed from `body`. */
  rows?: Row[];
  /**
   * The request body: its bytes until the request is answered (durable, live tail notified), then only
   * `read`, which reads it back from the inbox when a query or a seal on this thread needs the rows.
   */
  body?: {
    kind: BodyKind;
    bytes?: Uint8Array;
    read: () => Uint8Array;
    nowNs: bigint;
    /** As written in its inbox frame. */
    options?: BodyOptions;
  };
}

/** The bytes of a batch's body (read back from the inbox once its request was answered). */
function bodyBytes(body: NonNullable<OpenBatch['body']>): Uint8Array {
  return body.bytes ?? body.read();
}

/**
 * The request was answered: the bytes go (released at once when the body owns its buffer), the inbox
 * keeps them. Open bodies were up to 11 (13 MB) on the main thread in the in-process ingest bench.
 */
export function forgetBodyBytes(batch: OpenBatch): void {
  const body = batch.body;
  if (!body?.bytes) return;
  releaseBody(body.bytes);
  body.bytes = undefined;
}

export interface OpenBlock {
  /** The stream key; the rows carry their own services. */
  service: string;
  batches: OpenBatch[];
  /** Rows with seq <= this are already in sealed blocks (a batch can be sealed in part). */
  sealedUpTo: number;
  /** Open rows. */
  count: number;
  /** Their text (rawSize), about: a batch sealed in part counts whole until it is dropped. */
  rawBytes: number;
  openedAt: number;
  /** Bounds over the batches (a superset once a batch is sealed in part: fine for pruning). */
  minMs: number;
  maxMs: number;
  levelCounts: number[];
}

/** The rows of a batch, parsing its body on first use and keeping them (queries of the open rows). */
function batchRows(b: OpenBatch): Row[] {
  b.rows ??= parseBatchRows(b);
  return b.rows;
}

/**
 * The rows of a batch without keeping them on it: the live tail's one look at every batch. Kept, every
 * open batch would hold a Row object per line (and its strings) while a tail is open, in place of the
 * body that forgetBodyBytes() lets go.
 */
export function parseBatchRows(b: OpenBatch): Row[] {
  if (b.rows) return b.rows;
  const body = b.body!;
  return parseBodyRows(body.kind, bodyBytes(body), body.nowNs, b.seqBase, body.options).rows;
}

/** The rows of a body as columns, parsed as its request was. */
function parseBody(body: NonNullable<OpenBatch['body']>, seqBase: number): RowColumns {
  return parseBodyColumns(body.kind, bodyBytes(body), body.nowNs, seqBase, undefined, body.options).rows;
}

/** Bodies below this size are copied to a worker and left to the garbage collector (they may share Node's Buffer pool). */
const SOLE_MIN_BYTES = 64 * 1024;
let sink: MessagePort | undefined;

/**
 * The ArrayBuffer that `bytes` alone spans (not a view into a larger one, not a slice of Node's pool,
 * which is never handed out whole, not shared); undefined otherwise.
 */
function ownedBuffer(bytes: Uint8Array): ArrayBuffer | undefined {
  const ab = bytes.buffer;
  if (bytes.byteOffset !== 0 || !(ab instanceof ArrayBuffer) || ab.byteLength !== bytes.byteLength)
    return undefined;
  return ab;
}

/** ownedBuffer() of a body large enough to be worth moving to a worker rather than copying. */
export function soleBuffer(bytes: Uint8Array): ArrayBuffer | undefined {
  return bytes.byteLength < SOLE_MIN_BYTES ? undefined : ownedBuffer(bytes);
}

/**
 * Frees the memory of a body the store owns once it is no longer needed: a request body (~1.2 MB for
 * 5 000 lines) is promoted to the old generation while its batch is open, and V8 frees an
 * ArrayBuffer's memory only when a full collection finds the object dead, which comes after tens of MB
 * of such garbage (the bench server's main malloc arena held 30-50 MB of dead bodies). Only a buffer
 * that the body alone spans is released (soleBuffer): small Buffers can be slices of Node's shared pool.
 */
export function releaseBody(bytes: Uint8Array): void {
  release(soleBuffer(bytes));
}

/**
 * releaseBody() for a buffer of any size that its caller alone holds: an ingest worker's encoded
 * blocks once posted (the main thread got copies). Left to the collector they piled up as ~2 MB of
 * dead buffers a block until a full collection, in the worker's own malloc arena, which kept the
 * peak: OTLP ingest grew the workers' arenas with every block (README, Benchmark).
 */
export function releaseOwned(bytes: Uint8Array): void {
  release(ownedBuffer(bytes));
}

/**
 * Transferring an ArrayBuffer detaches it and hands its memory to the message; a port whose other end
 * is closed drops the message at once (Node 20 has no ArrayBuffer.prototype.transfer).
 */
function release(ab: ArrayBuffer | undefined): void {
  if (!ab) return;
  if (!sink) {
    const channel = new MessageChannel();
    channel.port2.close();
    sink = channel.port1;
    sink.unref();
  }
  sink.postMessage(null, [ab]);
}

export class OpenBlocks {
  readonly byService = new Map<string, OpenBlock>();
  total = 0;

  add(stream: string, batch: OpenBatch): OpenBlock {
    let b = this.byService.get(stream);
    if (!b) {
      b = {
        service: stream,
        batches: [],
        sealedUpTo: 0,
        count: 0,
        rawBytes: 0,
        openedAt: batch.arrivedAt,
        minMs: batch.minMs,
        maxMs: batch.maxMs,
        levelCounts: [0, 0, 0, 0, 0, 0],
      };
      this.byService.set(stream, b);
    }
    b.batches.push(batch);
    b.count += batch.count;
    b.rawBytes += batch.rawBytes;
    if (batch.minMs < b.minMs) b.minMs = batch.minMs;
    if (batch.maxMs > b.maxMs) b.maxMs = batch.maxMs;
    for (let l = 0; l < 6; l++) b.levelCounts[l] += batch.levelCounts[l];
    this.total += batch.count;
    return b;
  }

  /** The open rows of a block in seq order (bodies parsed where needed). */
  rows(b: Pick<OpenBlock, 'batches' | 'sealedUpTo'>): Row[] {
    const out: Row[] = [];
    for (const batch of b.batches) {
      const rows = batchRows(batch);
      if (batch.seqBase > b.sealedUpTo) for (const r of rows) out.push(r);
      else for (const r of rows) if (r.seq > b.sealedUpTo) out.push(r);
    }
    return out;
  }

  /**
   * The open rows of a block in seq order as one column table (a seal on this thread): bodies not
   * parsed here yet go straight into columns, without Row objects.
   */
  columns(b: Pick<OpenBlock, 'batches' | 'sealedUpTo' | 'count'>): RowColumns {
    const out = new RowColumns(Math.max(16, b.count));
    for (const batch of b.batches) {
      // A batch's rows have consecutive seqs from seqBase: those up to sealedUpTo are its first ones.
      const part = batch.rows ? RowColumns.fromRows(batch.rows) : parseBody(batch.body!, batch.seqBase);
      part.dropPrefix(b.sealedUpTo + 1 - batch.seqBase);
      out.append(part);
    }
    return out;
  }

  /** Seq of the k-th open row (0-based) of a block. */
  seqAt(b: OpenBlock, k: number): number {
    for (const batch of b.batches) {
      const first = Math.max(batch.seqBase, b.sealedUpTo + 1);
      const n = batch.seqBase + batch.count - first;
      if (k < n) return first + k;
      k -= n;
    }
    throw new RangeError('past the open rows');
  }

  /** Removes and returns the block of a stream. */
  take(stream: string): OpenBlock | undefined {
    const b = this.byService.get(stream);
    if (!b) return undefined;
    this.byService.delete(stream);
    this.total -= b.count;
    return b;
  }

  /** Drops a stream's rows up to a seq (now in a sealed block), keeping later ones open. */
  dropUpTo(stream: string, uptoSeq: number): void {
    const b = this.byService.get(stream);
    if (!b || uptoSeq <= b.sealedUpTo) return;
    let open = 0;
    const kept: OpenBatch[] = [];
    for (const batch of b.batches) {
      const end = batch.seqBase + batch.count; // exclusive
      if (end - 1 <= uptoSeq) continue;
      kept.push(batch);
      open += end - Math.max(batch.seqBase, uptoSeq + 1);
    }
    this.total -= b.count - open;
    if (kept.length === 0) {
      this.byService.delete(stream);
      return;
    }
    b.batches = kept;
    b.count = open;
    b.sealedUpTo = uptoSeq;
    b.openedAt = kept[0].arrivedAt;
    b.minMs = Number.POSITIVE_INFINITY;
    b.maxMs = Number.NEGATIVE_INFINITY;
    b.levelCounts = [0, 0, 0, 0, 0, 0];
    b.rawBytes = 0;
    for (const batch of kept) {
      b.rawBytes += batch.rawBytes;
      if (batch.minMs < b.minMs) b.minMs = batch.minMs;
      if (batch.maxMs > b.maxMs) b.maxMs = batch.maxMs;
      for (let l = 0; l < 6; l++) b.levelCounts[l] += batch.levelCounts[l];
    }
  }

  /** Lowest seq still only in memory + inbox. */
  lowWaterSeq(nextSeq: number): number {
    let low = nextSeq;
    for (const b of this.byService.values()) {
      const first = b.batches[0];
      if (first) low = Math.min(low, Math.max(first.seqBase, b.sealedUpTo + 1));
    }
    return low;
  }

  largest(): OpenBlock | undefined {
    let best: OpenBlock | undefined;
    for (const b of this.byService.values()) if (!best || b.count > best.count) best = b;
    return best;
  }
}

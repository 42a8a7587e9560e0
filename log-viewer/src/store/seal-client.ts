// Main-thread side of one ingest worker: starts it (also from TypeScript sources under tsx, in tests),
// sends bodies to parse and rows to hold, and hands encoded blocks back to the store.
import type { LokiStreams } from '../ingest/loki.js';
import { Worker } from 'node:worker_threads';
import { type AppError, BadRequest, ParseError, TooLarge, ValidationError } from '@flowrent/shared/errors';
import type { BodyKind, BodyOptions } from '../ingest/body-parsers.js';
import type { BulkItem } from '../ingest/elasticsearch-bulk.js';
import type { EncodedBlock } from './block-codec.js';
import type { BatchSummary } from './body-rows.js';
import { soleBuffer } from './open-blocks.js';
import type { SealReply, SealRequest, SealWorkerData, WorkerError } from './seal-worker.js';

/**
 * The worker holds its open rows plus one block being encoded: keep its heap small. Young generation
 * is RSS (its semi-spaces all get touched): at 48 MB each worker's heap reached ~77 MB and the bench
 * server's peak RSS 298 MB; at 16 MB, 251 MB (02:09 UTC). With open rows as column tables (outside
 * the JavaScript heap) almost nothing survives a scavenge, so 4 MB costs no CPU: in-process peak RSS
 * 216-227 -> 192-196 MB at 9.3-9.7 CPU-us per line either way (300k lines, interleaved, load 7-9).
 */
const WORKER_LIMITS = { maxOldGenerationSizeMb: 160, maxYoungGenerationSizeMb: 4 };

export interface Parsed {
  id: number;
  /** The body, handed back by the worker when parse() moved it there (the caller's copy is detached). */
  body?: Uint8Array;
  summary: BatchSummary;
  rejected: number;
  errors: string[];
  items?: BulkItem[];
  /** Loki: each stream's stored entries (ingest/loki.ts). */
  lokiStreams?: LokiStreams;
}

/** The parser's typed errors, rebuilt on this side so the HTTP layer maps them as usual. */
const ERRORS: Record<string, new (message: string, details?: unknown) => AppError> = {
  ParseError,
  TooLarge,
  BadRequest,
  ValidationError,
};

function rebuild(e: WorkerError): Error {
  const Type = ERRORS[e.name];
  return Type ? new Type(e.message, e.details) : new Error(e.message);
}

export class SealClient {
  private readonly worker: Worker;
  private failed = false;
  private nextId = 1;
  private readonly parsing = new Map<number, { resolve: (p: Parsed) => void; reject: (e: Error) => void }>();
  /** Streams with a seal request in flight, and up to which seq. */
  readonly pending = new Map<string, number>();

  /**
   * onSealed gets a stream's blocks, or the error that kept the worker from encoding them (the rows
   * then stay in the worker until a 'drop'); onError, the worker's end; warmUp, whether the worker
   * runs its JIT warm-up at start (ingest-warm-up.ts).
   */
  constructor(
    onSealed: (stream: string, uptoSeq: number, blocks: EncodedBlock[] | Error) => void,
    onError: (err: Error) => void,
    warmUp = true,
  ) {
    const fromSource = import.meta.url.endsWith('.ts');
    const url = new URL(fromSource ? './seal-worker.ts' : './seal-worker.js', import.meta.url);
    const workerData: SealWorkerData = { warmUp };
    // Under tsx (tests, bench from sources) the worker needs the loader registered in its own thread.
    this.worker = fromSource
      ? new Worker(
          `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`,
          { eval: true, resourceLimits: WORKER_LIMITS, workerData },
        )
      : new Worker(url, { resourceLimits: WORKER_LIMITS, workerData });
    this.worker.unref();
    this.worker.on('message', (msg: SealReply) => {
      if (msg.t === 'error') return this.fail(new Error(`ingest worker: ${msg.message}`), onError);
      if (msg.t === 'parsed' || msg.t === 'parse-failed') {
        const waiter = this.parsing.get(msg.id);
        this.parsing.delete(msg.id);
        if (msg.t === 'parsed') waiter?.resolve(msg);
        else waiter?.reject(rebuild(msg.error));
        return;
      }
      this.pending.delete(msg.stream);
      if (msg.t === 'seal-failed')
        return onSealed(msg.stream, msg.uptoSeq, new Error(`ingest worker: ${msg.message}`));
      const blocks = msg.blocks.map((b) => ({ ...b, data: asBuffer(b.data), bloom: asBuffer(b.bloom) }));
      onSealed(msg.stream, msg.uptoSeq, blocks);
    });
    this.worker.on('error', (err) => this.fail(err, onError));
    // An exit we did not ask for (close() marks the client failed first) must not leave parses waiting.
    this.worker.on('exit', (code) => this.fail(new Error(`ingest worker exited with code ${code}`), onError));
  }

  private fail(err: Error, onError: (err: Error) => void): void {
    if (this.failed) return;
    this.failed = true;
    this.pending.clear();
    for (const w of this.parsing.values()) w.reject(err);
    this.parsing.clear();
    void this.worker.terminate();
    onError(err);
  }

  get ok(): boolean {
    return !this.failed;
  }

  /** Bodies sent and not yet answered. */
  get parsingCount(): number {
    return this.parsing.size;
  }

  /**
   * Parses a body in the worker, which keeps the rows until commit(id) or abort(id). A body that owns
   * its ArrayBuffer (soleBuffer) is moved there and back instead of copied twice (serialized, then
   * deserialized in the worker): the caller's view is detached until `Parsed.body` returns it, and is
   * lost if the worker dies meanwhile (the promise then rejects; nothing was stored).
   */
  parse(kind: BodyKind, body: Uint8Array, nowNs: bigint, options?: BodyOptions): Promise<Parsed> {
    if (this.failed) return Promise.reject(new Error('ingest worker has stopped'));
    const id = this.nextId++;
    const sole = soleBuffer(body);
    return new Promise<Parsed>((resolve, reject) => {
      this.parsing.set(id, { resolve, reject });
      const msg: SealRequest = { t: 'parse', id, kind, body, nowNs, moved: sole !== undefined, options };
      this.worker.postMessage(msg, sole ? [sole] : []);
    });
  }

  send(msg: SealRequest): void {
    if (this.failed) return;
    if (msg.t === 'seal') this.pending.set(msg.stream, msg.uptoSeq);
    this.worker.postMessage(msg);
  }

  async close(): Promise<void> {
    this.failed = true;
    this.pending.clear(); // its seals will not be answered: nobody waits for them (sealsSettled)
    for (const w of this.parsing.values()) w.reject(new Error('log store is closed'));
    this.parsing.clear();
    await this.worker.terminate();
  }
}

function asBuffer(u: Uint8Array): Buffer {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

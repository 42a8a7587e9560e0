// Decodes remote_write bodies (snappy + protobuf walk + raw-label hashes) on one worker thread, so the
// JS thread only looks series up and appends (see README, "Ingest: fifth session"). Bodies are
// answered in the order sent. If the worker stops, every body in it is refused with
// DecoderStoppedError (nothing of those was applied) and `ok` turns false: callers then decode on
// the JS thread.
import { Worker } from 'node:worker_threads';
import { ProtobufError } from '../ingest/remote-write.js';
import type { DecodedWriteRequest } from '../ingest/remote-write-decode.js';
import { SnappyBlockError } from '../ingest/snappy-block.js';

export interface DecodeRequest {
  id: number;
  body: Uint8Array;
}

export type DecodeReply =
  | { id: number; decoded: DecodedWriteRequest }
  | { id: number; failure: 'snappy'; message: string }
  | { id: number; failure: 'protobuf'; message: string; offset: number };

export class DecoderStoppedError extends Error {}

/** The worker's heap holds one request's arrays at a time; its young generation follows the
 * process' flags (the Dockerfile's --max-semi-space-size). */
const WORKER_LIMITS = { maxOldGenerationSizeMb: 32 };

export class RemoteWriteDecoder {
  private readonly worker: Worker;
  private stopped: Error | undefined;
  private nextId = 1;
  private readonly waiting = new Map<
    number,
    { resolve: (d: DecodedWriteRequest) => void; reject: (err: Error) => void }
  >();

  constructor() {
    const fromSource = import.meta.url.endsWith('.ts');
    const url = new URL(`./remote-write-decode-worker.${fromSource ? 'ts' : 'js'}`, import.meta.url);
    // Under tsx (tests, in-process bench) the worker registers the loader in its own thread.
    this.worker = fromSource
      ? new Worker(
          `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`,
          { eval: true, resourceLimits: WORKER_LIMITS },
        )
      : new Worker(url, { resourceLimits: WORKER_LIMITS });
    this.worker.unref();
    this.worker.on('message', (msg: DecodeReply) => {
      const waiter = this.waiting.get(msg.id);
      this.waiting.delete(msg.id);
      if (!waiter) return;
      if ('decoded' in msg) waiter.resolve(msg.decoded);
      else if (msg.failure === 'snappy') waiter.reject(new SnappyBlockError(msg.message));
      else waiter.reject(new ProtobufError(msg.message, msg.offset));
    });
    this.worker.on('error', (err) => this.stop(err));
    this.worker.on('exit', (code) =>
      this.stop(new Error(`remote_write decode worker exited with code ${code}`)),
    );
  }

  /** False once the worker has stopped (an error, an exit, or close()). */
  get ok(): boolean {
    return this.stopped === undefined;
  }

  /** Bodies sent and not answered yet. */
  get pending(): number {
    return this.waiting.size;
  }

  /** Rejects with SnappyBlockError, ProtobufError (malformed: nothing decoded is returned), or
   * DecoderStoppedError. `body` is copied, the caller keeps it. */
  decode(body: Uint8Array): Promise<DecodedWriteRequest> {
    if (this.stopped) return Promise.reject(new DecoderStoppedError(this.stopped.message));
    const id = this.nextId++;
    const copy = new Uint8Array(body);
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, body: copy } satisfies DecodeRequest, [copy.buffer]);
    });
  }

  private stop(err: Error): void {
    if (this.stopped) return;
    this.stopped = err;
    for (const w of this.waiting.values()) w.reject(new DecoderStoppedError(err.message));
    this.waiting.clear();
    void this.worker.terminate();
  }

  async close(): Promise<void> {
    this.stop(new Error('remote_write decode worker closed'));
    await this.worker.terminate();
  }
}

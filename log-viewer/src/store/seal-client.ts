// Main-thread side of the seal worker: starts it (also from TypeScript sources under tsx, in tests),
// forwards inbox payloads, and hands encoded blocks back to the store.
import { Worker } from 'node:worker_threads';
import type { EncodedBlock } from './block-codec.js';
import type { SealReply, SealRequest } from './seal-worker.js';

/** The worker holds at most the open rows plus one block being encoded: keep its heap small. */
const WORKER_LIMITS = { maxOldGenerationSizeMb: 160, maxYoungGenerationSizeMb: 48 };

export class SealClient {
  private readonly worker: Worker;
  private failed = false;
  /** Services with a seal request in flight, and up to which seq. */
  readonly pending = new Map<string, number>();

  constructor(
    onSealed: (service: string, uptoSeq: number, blocks: EncodedBlock[]) => void,
    onError: (err: Error) => void,
  ) {
    const fromSource = import.meta.url.endsWith('.ts');
    const url = new URL(fromSource ? './seal-worker.ts' : './seal-worker.js', import.meta.url);
    // Under tsx (tests, bench from sources) the worker needs the loader registered in its own thread.
    this.worker = fromSource
      ? new Worker(
          `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`,
          { eval: true, resourceLimits: WORKER_LIMITS },
        )
      : new Worker(url, { resourceLimits: WORKER_LIMITS });
    this.worker.unref();
    this.worker.on('message', (msg: SealReply) => {
      if (msg.t === 'error') return this.fail(new Error(`seal worker: ${msg.message}`), onError);
      this.pending.delete(msg.service);
      const blocks = msg.blocks.map((b) => ({ ...b, data: asBuffer(b.data), bloom: asBuffer(b.bloom) }));
      onSealed(msg.service, msg.uptoSeq, blocks);
    });
    this.worker.on('error', (err) => this.fail(err, onError));
  }

  private fail(err: Error, onError: (err: Error) => void): void {
    if (this.failed) return;
    this.failed = true;
    this.pending.clear();
    void this.worker.terminate();
    onError(err);
  }

  get ok(): boolean {
    return !this.failed;
  }

  send(msg: SealRequest): void {
    if (this.failed) return;
    if (msg.t === 'seal') this.pending.set(msg.service, msg.uptoSeq);
    this.worker.postMessage(msg);
  }

  async close(): Promise<void> {
    this.failed = true;
    await this.worker.terminate();
  }
}

function asBuffer(u: Uint8Array): Buffer {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

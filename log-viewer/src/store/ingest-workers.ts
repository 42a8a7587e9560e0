// The ingest workers: one SealClient per worker, each owning one open block stream (stream i is worker
// i's), which parse request bodies and encode that stream's blocks off the main thread. A worker that
// stops is forgotten here, and its stream is sealed on the main thread from then on.
import type { EncodedBlock } from './block-codec.js';
import { STREAM } from './open-blocks.js';
import { SealClient } from './seal-client.js';

export class IngestWorkers {
  /** Ingest worker i owns stream i; undefined once it failed (its stream is then sealed here). */
  private readonly sealers: (SealClient | undefined)[] = [];
  private turn = 0;
  private idleWaiters: (() => void)[] = [];

  /**
   * `onSealed` receives a worker's blocks of a stream's rows up to uptoSeq, or why it could not encode
   * them; `warmUp`: each worker runs its JIT warm-up at start (ingest-warm-up.ts).
   */
  constructor(
    count: number,
    onSealed: (stream: string, uptoSeq: number, blocks: EncodedBlock[] | Error) => void,
    warmUp = true,
  ) {
    for (let i = 0; i < count; i++) {
      this.sealers.push(
        new SealClient(
          onSealed,
          () => {
            this.sealers[i] = undefined; // its stream falls back to sealing on the main thread
            this.wakeIdle();
          },
          warmUp,
        ),
      );
    }
  }

  /** Index of the stream that receives the next batch: the live worker with the fewest bodies in flight. */
  pickStream(): number {
    let best = -1;
    for (let k = 0; k < this.sealers.length; k++) {
      const i = (this.turn + k) % this.sealers.length;
      const c = this.sealers[i];
      if (c && (best < 0 || c.parsingCount < this.sealers[best]!.parsingCount)) best = i;
    }
    this.turn++;
    return Math.max(best, 0);
  }

  sealerOf(stream: string): SealClient | undefined {
    if (this.sealers.length === 0) return undefined;
    const index = stream === STREAM ? 0 : Number(stream.slice(STREAM.length));
    return this.sealers[(Number.isInteger(index) ? index : 0) % this.sealers.length];
  }

  /** Worker i (it owns stream i), or undefined when there is none or it stopped. */
  at(index: number): SealClient | undefined {
    return this.sealers[index];
  }

  /** Whether any worker is left (a stopped one is forgotten). */
  hasWorkers(): boolean {
    return this.sealers.some((c) => c);
  }

  /** Ingest workers running (bench, /metrics): fewer than configured means some fell back to this thread. */
  live(): number {
    return this.sealers.filter((c) => c?.ok).length;
  }

  /** Resolves once no block is being encoded in a worker (tests, bench). */
  settled(): Promise<void> {
    if (this.sealers.every((c) => !c || c.pending.size === 0)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  wakeIdle(): void {
    if (this.sealers.every((c) => !c || c.pending.size === 0))
      for (const w of this.idleWaiters.splice(0)) w();
  }

  async close(): Promise<void> {
    await Promise.all(this.sealers.map((c) => c?.close()));
  }
}

// Main-thread side of the scan helper thread (scan-worker.ts). A needle scan over many candidate
// blocks spends ~1.5-2 ms per block (zstd of ~1 MB of sections, meta columns, the search), nearly all
// of it fixed per block, so a phrase spread over a day of logs (~75 blocks) took ~150 ms on one core.
// Here the helper reads blocks from the back of the scan order while the scan reads from the front;
// the scan takes the helper's rows when it reaches a block the helper claimed (waiting for them if
// they are not there yet), so the store stays synchronous and records still come out in order.
//
// The thread starts on the first scan that could use it and is used once it is ready (that first
// scan runs alone); it holds its own read-only connection, a zstd context and one block's buffers.
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { Row } from './row.js';
import { CLAIM_MAIN, type ScanJob, type ScanRows } from './scan-worker.js';

/** Longest the scan waits for a block the helper claimed before reading it itself. */
const MAX_WAIT_MS = 500;
/** The helper holds one block at a time: a small heap. */
const LIMITS = { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 4 };

export class ScanHelper {
  private worker?: Worker;
  private port?: MessagePort;
  private ready = false;
  private failed = false;
  private nextScan = 1;
  private readyWaiters: ((ok: boolean) => void)[] = [];
  /** Blocks whose rows scans took from the helper (tests, stats). */
  blocksTaken = 0;

  constructor(
    /** The database file (the helper opens its own read-only connection). */
    private readonly file: string,
  ) {}

  /** Starts the thread unless it runs; scans use it once it has said it is ready. */
  start(): void {
    if (this.worker || this.failed) return;
    const { port1, port2 } = new MessageChannel();
    const fromSource = import.meta.url.endsWith('.ts');
    const url = new URL(fromSource ? './scan-worker.ts' : './scan-worker.js', import.meta.url);
    const options = {
      workerData: { scanHelper: true, file: this.file, port: port2 },
      transferList: [port2],
      resourceLimits: LIMITS,
    };
    // Under tsx (tests, bench from sources) the worker needs the loader registered in its own thread.
    this.worker = fromSource
      ? new Worker(
          `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`,
          { ...options, eval: true },
        )
      : new Worker(url, options);
    this.worker.unref();
    this.worker.on('error', () => this.stop());
    this.worker.on('exit', () => this.stop());
    this.port = port1;
    port1.on('message', (m: { t: string }) => {
      if (m.t !== 'ready') return; // results of scans that ended before the helper got to them
      this.ready = true;
      port1.unref();
      for (const w of this.readyWaiters.splice(0)) w(true);
    });
    port1.unref();
  }

  private stop(): void {
    this.failed = true;
    this.ready = false;
    this.port?.close();
    for (const w of this.readyWaiters.splice(0)) w(false);
  }

  /** Resolves once the helper can be used (true) or has stopped (false); starts it (tests, bench). */
  whenReady(): Promise<boolean> {
    this.start();
    if (this.ready || this.failed) return Promise.resolve(this.running);
    this.port?.ref(); // someone waits: keep the process up until the helper answers
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /** Whether scans can use the helper now. */
  get running(): boolean {
    return this.ready && !this.failed;
  }

  /** Starts the helper on `blocks` (in scan order) for `tokens`; undefined when it cannot help now. */
  begin(blocks: { id: number; service: string }[], tokens: string[]): HelperScan | undefined {
    if (!this.running || !this.port) return undefined;
    const claims = new Int32Array(new SharedArrayBuffer(4 * (blocks.length + 2)));
    const scan = this.nextScan++;
    this.port.postMessage({
      t: 'scan',
      scan,
      claims: claims.buffer as SharedArrayBuffer,
      blocks,
      tokens,
    } satisfies ScanJob);
    return new HelperScan(scan, claims, blocks.length, this.port, () => this.blocksTaken++);
  }

  async close(): Promise<void> {
    this.stop();
    await this.worker?.terminate();
  }
}

/** One scan's share with the helper. */
export class HelperScan {
  private readonly results = new Map<number, Row[] | null>();
  private gaveUp = false;

  constructor(
    private readonly scan: number,
    private readonly claims: Int32Array,
    private readonly n: number,
    private readonly port: MessagePort,
    private readonly onTaken: () => void,
  ) {}

  /**
   * Block i's candidate rows when the helper read it; undefined when this thread is to read it (it
   * is then claimed here, or the helper gave it back or took too long).
   */
  take(i: number): Row[] | undefined {
    if (Atomics.compareExchange(this.claims, i, 0, CLAIM_MAIN) === 0) return undefined;
    if (Atomics.load(this.claims, i) === CLAIM_MAIN) return undefined;
    const deadline = performance.now() + MAX_WAIT_MS;
    for (;;) {
      const seen = Atomics.load(this.claims, this.n);
      this.drain();
      const rows = this.results.get(i);
      if (rows) this.onTaken();
      if (this.results.has(i)) return rows ?? undefined;
      const left = deadline - performance.now();
      if (left <= 0 || this.gaveUp) {
        // A stuck helper: this thread reads this block and the rest itself.
        this.gaveUp = true;
        this.end();
        return undefined;
      }
      Atomics.wait(this.claims, this.n, seen, left);
    }
  }

  private drain(): void {
    for (let m = receiveMessageOnPort(this.port); m; m = receiveMessageOnPort(this.port)) {
      const r = m.message as ScanRows;
      if (r.t === 'rows' && r.scan === this.scan) this.results.set(r.index, r.rows);
    }
  }

  /** The scan is over: the helper stops at its next block. */
  end(): void {
    Atomics.store(this.claims, this.n + 1, 1);
  }
}

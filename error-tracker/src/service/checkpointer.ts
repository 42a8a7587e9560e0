// Runs WAL checkpoints on a worker thread (see store/checkpoint-worker.ts) and turns off SQLite's
// automatic checkpoints on the main connection meanwhile; stop() restores them.
import { once } from 'node:events';
import type { Db } from '@flowrent/shared/db';
import { spawnWorker } from './spawn-worker.js';

const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;

export class Checkpointer {
  private worker: ReturnType<typeof spawnWorker> | null = null;

  constructor(private readonly db: Db) {}

  start(intervalMs: number): void {
    if (this.worker || this.db.name === ':memory:') return;
    this.worker = spawnWorker('../store/checkpoint-worker', {
      workerData: { file: this.db.name, intervalMs },
      resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 16 },
    });
    this.worker.on('error', () => this.restoreAutocheckpoint());
    this.worker.unref();
    this.db.pragma('wal_autocheckpoint = 0');
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.restoreAutocheckpoint();
    if (!worker) return;
    worker.postMessage('stop');
    await Promise.race([once(worker, 'exit'), new Promise((r) => setTimeout(r, 1000))]);
    await worker.terminate();
  }

  private restoreAutocheckpoint(): void {
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
  }
}

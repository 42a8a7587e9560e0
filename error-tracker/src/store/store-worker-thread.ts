// Worker thread with its own connection for the write work kept off the main thread: WAL
// checkpoints (their fsyncs) on a timer, and grouping batches (the digest) when the main thread
// asks for one. The main thread starts no inbox append while a batch runs here (see
// service/store-worker.ts), so neither side waits on SQLite's lock in the normal course.
import { openDatabase } from '@flowrent/shared/db';
import { parentPort, workerData } from 'node:worker_threads';
import { createDigest } from './digest.js';

export type StoreWorkerRequest = { type: 'digest'; limit: number; nowMs: number } | { type: 'stop' };
export type StoreWorkerReply =
  | { type: 'digested'; count: number; grouped: number }
  | { type: 'digest-failed'; message: string };

const { file, intervalMs, cacheKb } = workerData as { file: string; intervalMs: number; cacheKb: number };
const db = openDatabase(file);
db.pragma(`cache_size = -${cacheKb}`);
// prepared on the first request: a worker that only checkpoints needs no statements
let digest: ReturnType<typeof createDigest> | null = null;

const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // busy or closing: the next tick retries
  }
}, intervalMs);

const reply = (msg: StoreWorkerReply) => parentPort?.postMessage(msg);

parentPort?.on('message', (msg: StoreWorkerRequest) => {
  if (msg.type === 'stop') {
    clearInterval(timer);
    db.close();
    parentPort?.close();
    return;
  }
  try {
    digest ??= createDigest(db);
    const outcomes = digest(msg.limit, msg.nowMs);
    let grouped = 0;
    for (const o of outcomes) if (!o.duplicate) grouped++;
    reply({ type: 'digested', count: outcomes.length, grouped });
  } catch (err) {
    reply({ type: 'digest-failed', message: (err as Error)?.message ?? String(err) });
  }
});

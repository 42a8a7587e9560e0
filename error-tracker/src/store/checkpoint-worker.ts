// Worker thread that checkpoints the WAL with its own connection, so the fsyncs of checkpointing
// never stall the main thread (which runs with wal_autocheckpoint = 0 while this runs).
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { file, intervalMs } = workerData as { file: string; intervalMs: number };
const db = new Database(file);
db.pragma('busy_timeout = 1000');
// checkpointing copies WAL frames; it needs no page cache of its own
db.pragma('cache_size = -256');

const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // busy or closing: the next tick retries
  }
}, intervalMs);

parentPort?.on('message', (msg: string) => {
  if (msg === 'stop') {
    clearInterval(timer);
    db.close();
    parentPort?.close();
  }
});

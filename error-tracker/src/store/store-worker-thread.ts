// Worker thread with its own connections for the write work kept off the main thread: WAL
// checkpoints of errors.db and of the inbox file (their fsyncs) on a timer, and grouping batches
// (the digest) when the main thread asks for one. The digest reads the inbox file and writes
// errors.db; the main thread appends to the inbox file meanwhile, so neither waits for the other.
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { openDatabase } from '@flowrent/shared/db';
import { parentPort, workerData } from 'node:worker_threads';
import { createDigest } from './digest.js';
import { createInboxReader, finishInboxCheckpoint } from './inbox.js';

export type StoreWorkerRequest =
  | { type: 'digest'; limit: number; nowMs: number }
  | { type: 'finish-inbox-checkpoint' }
  | { type: 'stop' };
export type StoreWorkerReply =
  | { type: 'digested'; entries: number; events: number; grouped: number; digestedThrough: number }
  | { type: 'digest-failed'; message: string }
  | { type: 'inbox-checkpointed' }
  | { type: 'inbox-checkpoint-finished' };

const { file, inboxFile, intervalMs, cacheKb, nice } = workerData as {
  file: string;
  inboxFile: string;
  intervalMs: number;
  cacheKb: number;
  nice: number;
};
lowerPriority(nice);
const db = openDatabase(file);
db.pragma(`cache_size = -${cacheKb}`);
// errors.db is checkpointed by the timer below only: SQLite's own checkpoint after a commit that
// leaves 1,000 pages in the WAL ran after about every other 200-event digest batch and copied the
// pages the next batches dirty again (issue_tags, the issues and events indexes); the digest with
// its checkpoints every 5 batches took 93 instead of 100 CPU-µs per event (bench/digest-ab.bench.ts)
db.pragma('wal_autocheckpoint = 0');
const inboxDb = openDatabase(inboxFile);
inboxDb.pragma('cache_size = -1000');
// prepared on the first request: a worker that only checkpoints needs no statements
let digest: ReturnType<typeof createDigest> | null = null;

const reply = (msg: StoreWorkerReply) => parentPort?.postMessage(msg);

// errors.db's WAL is reused, never shrunk, so it kept the size of its largest burst (a prune, a big
// merge or delete, a digest backlog) until a restart (black-box 10 #5). A tick that finds the WAL
// all copied and nothing written since the last tick truncates it: it is all in the database
// already, so that costs a header write and an ftruncate. Not under load: a WAL truncated every
// tick would be regrown by appends, where reusing it overwrites.
let lastWalFrames = -1;

function truncateWalWhenQuiet(r: { busy: number; log: number; checkpointed: number } | undefined): void {
  const quiet =
    r !== undefined && r.busy === 0 && r.log > 0 && r.checkpointed === r.log && r.log === lastWalFrames;
  lastWalFrames = r?.log ?? -1;
  if (!quiet) return;
  // a reader on an older snapshot or a writer now: skip this tick rather than wait on the worker
  const busyMs = Number(db.pragma('busy_timeout', { simple: true }));
  db.pragma('busy_timeout = 0');
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.pragma(`busy_timeout = ${busyMs}`);
  }
}

const timer = setInterval(() => {
  for (const d of [db, inboxDb]) {
    try {
      const [r] = d.pragma('wal_checkpoint(PASSIVE)') as {
        busy: number;
        log: number;
        checkpointed: number;
      }[];
      if (d === db) truncateWalWhenQuiet(r);
    } catch {
      // busy or closing: the next tick retries
      continue;
    }
    // the main thread appends to the inbox all the time, so this checkpoint never catches up with
    // the WAL's end and SQLite never restarts it: the main thread holds its appends and asks for
    // the frames appended meanwhile (finish-inbox-checkpoint, store/inbox.ts)
    if (d === inboxDb) reply({ type: 'inbox-checkpointed' });
  }
}, intervalMs);

parentPort?.on('message', (msg: StoreWorkerRequest) => {
  if (msg.type === 'stop') {
    clearInterval(timer);
    inboxDb.close();
    db.close();
    parentPort?.close();
    return;
  }
  if (msg.type === 'finish-inbox-checkpoint') {
    finishInboxCheckpoint(inboxDb);
    reply({ type: 'inbox-checkpoint-finished' });
    return;
  }
  try {
    digest ??= createDigest(db, createInboxReader(inboxDb));
    const { entries, outcomes, digestedThrough } = digest(msg.limit, msg.nowMs);
    let grouped = 0;
    for (const o of outcomes) if (!o.duplicate) grouped++;
    reply({ type: 'digested', entries, events: outcomes.length, grouped, digestedThrough });
  } catch (err) {
    reply({ type: 'digest-failed', message: (err as Error)?.message ?? String(err) });
  }
});

/**
 * Gives this thread the nice value `nice` unless it already has a higher one (service/store-worker.ts
 * WORKER_NICE says why). On Linux a thread's id serves as a pid for setpriority and changes only that
 * thread. An unprivileged process (the image runs as `node`) can raise a nice value but not lower it
 * again, so the thread keeps it for its life, checkpoints included: those are short and mostly wait
 * for the disk. Where there is no /proc/thread-self, or setpriority is refused, the thread keeps the
 * process's priority.
 */
function lowerPriority(nice: number): void {
  if (!(nice > 0)) return;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (getPriority(tid) < nice) setPriority(tid, nice);
  } catch {
    // not Linux, or not allowed: same priority as the other threads
  }
}

// Child process of test/inbox-crash.test.ts: accepts events through the group commit while the
// store worker checkpoints the inbox and restarts its WAL (appends held meanwhile), prints each
// event id once its request would get its 200, and kills itself with SIGKILL after the WAL has
// restarted a few times, with commits in flight.
//   node --import tsx restart-crash.ts <dir> <restarts>
import { writeSync } from 'node:fs';
import { GroupCommit } from '../../src/service/group-commit.js';
import { inlinePreparer } from '../../src/service/preparer.js';
import { StoreWorker } from '../../src/service/store-worker.js';
import type { AcceptBatch } from '../../src/store/store.js';
import { openStore, walRestartCounter } from './store-files.js';

const MAX_ACKED = 200_000;

// (not crash-store.ts's crashBatch: importing that file runs its own crash for two arguments)
async function batchOf(from: number, n: number): Promise<AcceptBatch> {
  const preparer = inlinePreparer();
  const events = [];
  for (let i = from; i < from + n; i++) {
    const id = i.toString(16).padStart(32, '0');
    const body = Buffer.from(`{"event_id":"${id}"}\n{"type":"event"}\n{"message":"restart ${i}"}\n`);
    events.push(
      ...(await preparer.prepare({ endpoint: 'envelope', projectId: 1, body, nowMs: 1000 + i })).entries,
    );
  }
  return { projectId: 1, events, itemCounts: { event: n }, sessions: [] };
}

const [dir, restartsArg] = process.argv.slice(2);
if (dir && restartsArg) {
  const restartsBeforeCrash = Number(restartsArg);
  const { db, inboxDb, store } = openStore(dir);
  store.createProject({ name: 'Default', slug: 'default', publicKey: 'publickey', nowMs: 1000 });
  const commits = new GroupCommit(store);
  const worker = new StoreWorker(db, inboxDb, commits);
  worker.start(5);
  const wal = `${inboxDb.name}-wal`;
  const restarts = walRestartCounter(wal);
  store.acceptMany([await batchOf(0, 4)]);
  const first = restarts();
  let next = 1;
  let acked = 0;
  // the service's listening socket keeps its event loop alive while commits are held; the worker
  // does not (it is unref'd)
  setInterval(() => {}, 1000);
  // eight requests in flight, like concurrent clients; each acknowledged id is printed at once
  // every request's events are new, so each acknowledged id must be found
  const request = async (): Promise<void> => {
    const b = await batchOf(4 * next++, 4);
    return commits.append(b).then(() => {
      for (const e of b.events) writeSync(1, `${e.eventId}\n`);
      acked += b.events.length;
      // bounded: the parent checks the restarts in the WAL header
      if (restarts() >= first + restartsBeforeCrash || acked > MAX_ACKED)
        process.kill(process.pid, 'SIGKILL');
      return request();
    });
  };
  for (let i = 0; i < 8; i++) void request();
}

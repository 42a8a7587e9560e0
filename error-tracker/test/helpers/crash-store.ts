// Child process of test/inbox-crash.test.ts: opens errors.db and the inbox file in a data folder
// as the service does, accepts two group commits, digests as told, then kills itself with SIGKILL:
// no close, no checkpoint, no trim: a crash at exactly that point.
//   node --import tsx crash-store.ts <dir> accepted   crash with everything in the inbox
//   node --import tsx crash-store.ts <dir> digested   crash after a digest batch, before its trim
import { inlinePreparer } from '../../src/service/preparer.js';
import type { AcceptBatch } from '../../src/store/store.js';
import { openStore } from './store-files.js';

export const CRASH_EVENTS = 20;
export const CRASH_DIGEST_BATCH = 15;

export async function crashBatch(from: number, n: number): Promise<AcceptBatch> {
  const preparer = inlinePreparer();
  const events = [];
  for (let i = from; i < from + n; i++) {
    const id = i.toString(16).padStart(32, 'c');
    const body = Buffer.from(`{"event_id":"${id}"}\n{"type":"event"}\n{"message":"queue stalled ${i}"}\n`);
    const prepared = await preparer.prepare({ endpoint: 'envelope', projectId: 1, body, nowMs: 1000 + i });
    events.push(...prepared.entries);
  }
  const sessions = [
    { release: 'shop@1', environment: 'prod', started: 1, crashed: 0, errored: 0, abnormal: 0 },
  ];
  return { projectId: 1, events, itemCounts: { event: n, session: 1 }, sessions };
}

const [dir, mode] = process.argv.slice(2);
if (dir && mode) {
  const { store } = openStore(dir);
  store.createProject({ name: 'Default', slug: 'default', publicKey: 'publickey', nowMs: 1000 });
  const half = CRASH_EVENTS / 2;
  store.acceptMany([await crashBatch(0, half)]);
  store.acceptMany([await crashBatch(half, half)]);
  if (mode === 'digested') store.digest(CRASH_DIGEST_BATCH, 5000);
  process.kill(process.pid, 'SIGKILL');
}

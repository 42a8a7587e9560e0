// The accept path's fdatasync of the inbox WAL: a request is answered only after a sync that
// started after its commit, syncs requested during one share the next, and failures reach the
// waiting requests instead of a 200.
import assert from 'node:assert/strict';
import { type fdatasync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { closeDatabase, openDatabase } from '@flowrent/shared/db';
import { makeTempDir } from '@flowrent/shared/testing';
import { GroupCommit } from '../src/service/group-commit.js';
import { finishInboxCheckpoint, inboxFileFor, openInbox, WalSync } from '../src/store/inbox.js';
import type { AcceptBatch, ErrorStore } from '../src/store/store.js';
import { walRestartCounter } from './helpers/store-files.js';

const batch = (projectId: number): AcceptBatch => ({ projectId, events: [], itemCounts: {}, sessions: [] });

/** A store whose syncs the test completes by hand, recording what was committed before each. */
function storeWithManualSync() {
  const committed: number[] = [];
  const syncs: { coveredProjects: number[]; finish: (err?: Error) => void }[] = [];
  const store = {
    acceptMany: (batches: AcceptBatch[]) => committed.push(...batches.map((b) => b.projectId)),
    syncAccepted: () =>
      new Promise<void>((resolve, reject) => {
        syncs.push({ coveredProjects: [...committed], finish: (err) => (err ? reject(err) : resolve()) });
      }),
  } as unknown as ErrorStore;
  return { store, committed, syncs };
}

test('GroupCommit answers a request only after the sync that follows its commit', async () => {
  const { store, committed, syncs } = storeWithManualSync();
  const commits = new GroupCommit(store);
  let answered = 0;
  const a = commits.append(batch(1)).then(() => answered++);
  const b = commits.append(batch(2)).then(() => answered++);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(committed, [1, 2], 'both requests of the turn are in one commit');
  assert.equal(syncs.length, 1);
  await new Promise((r) => setImmediate(r));
  assert.equal(answered, 0, 'committed but not yet synced: no answer');
  syncs[0].finish();
  await Promise.all([a, b]);
  assert.equal(answered, 2);
});

test('GroupCommit fails the requests of a commit whose sync fails', async () => {
  const { store, syncs } = storeWithManualSync();
  const commits = new GroupCommit(store);
  const a = commits.append(batch(1));
  await new Promise((r) => setImmediate(r));
  syncs[0].finish(new Error('EIO: fdatasync failed'));
  await assert.rejects(a, /EIO/);
});

test('GroupCommit commits while two syncs run only when one ends, then everything queued meanwhile in one commit', async () => {
  const { store, committed, syncs } = storeWithManualSync();
  const commits = new GroupCommit(store);
  const turn = () => new Promise((r) => setImmediate(r));
  const a = commits.append(batch(1));
  await turn();
  const b = commits.append(batch(2));
  await turn();
  assert.equal(syncs.length, 2, 'two syncs run at once');
  const c = commits.append(batch(3));
  await turn();
  const d = commits.append(batch(4));
  await turn();
  assert.deepEqual(committed, [1, 2], 'no commit while both syncs run: it could not be answered sooner');
  syncs[0].finish();
  await a;
  assert.deepEqual(committed, [1, 2, 3, 4], 'the queued requests share one commit');
  assert.equal(syncs.length, 3);
  assert.deepEqual(syncs[2].coveredProjects, [1, 2, 3, 4], 'and a sync that started after it');
  syncs[1].finish();
  syncs[2].finish();
  await Promise.all([b, c, d]);
});

test('WalSync runs two syncs at once, answers callers queued behind them with the next one, also when closed meanwhile, and refuses new ones once closed', async () => {
  const file = join(makeTempDir(), 'errors.db');
  const inboxDb = openInbox(inboxFileFor(file));
  inboxDb.exec('CREATE TABLE t (x BLOB)');
  inboxDb.prepare('INSERT INTO t (x) VALUES (randomblob(1000))').run();
  const sync = WalSync.forInbox(inboxDb);
  const order: string[] = [];
  const track = (p: Promise<void>, name: string) => p.then(() => order.push(name));
  await Promise.all([track(sync.sync(), 'a'), track(sync.sync(), 'b'), track(sync.sync(), 'c')]);
  assert.deepEqual(order.sort(), ['a', 'b', 'c'], 'two syncs in flight answer a and b, the next one c');

  order.length = 0;
  const inFlight = [track(sync.sync(), 'first'), track(sync.sync(), 'second')];
  const queued = [track(sync.sync(), 'queued1'), track(sync.sync(), 'queued2')];
  // the queued callers' rows are committed: an error would make their clients send them again
  sync.close();
  await assert.rejects(sync.sync(), /inbox is closed/);
  await Promise.all([...inFlight, ...queued]);
  assert.deepEqual(order.sort(), ['first', 'queued1', 'queued2', 'second']);
  closeDatabase(inboxDb);
});

test('WalSync reports a WAL file it cannot open instead of answering', async () => {
  const sync = new WalSync(join(makeTempDir(), 'missing', 'errors-inbox.db-wal'));
  await assert.rejects(sync.sync(), /ENOENT/);
  assert.ok(WalSync.forInbox(openInbox(':memory:')), 'an in-memory inbox has nothing to sync');
  await WalSync.forInbox(openInbox(':memory:')).sync();
});

test('WalSync fails every sync after one failed, also one in flight that the kernel answers with success', async () => {
  const file = join(makeTempDir(), 'errors.db');
  const inboxDb = openInbox(inboxFileFor(file));
  inboxDb.exec('CREATE TABLE t (x BLOB)');
  // the kernel reports a writeback error once: the first sync fails, the ones after succeed
  const pending: ((err: NodeJS.ErrnoException | null) => void)[] = [];
  const datasync = ((_fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
    pending.push(cb);
  }) as unknown as typeof fdatasync;
  const sync = new WalSync(`${inboxDb.name}-wal`, datasync);
  const first = sync.sync();
  const second = sync.sync();
  const eio = Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
  pending[0](eio);
  pending[1](null);
  await assert.rejects(first, /EIO/);
  await assert.rejects(second, /EIO/, 'ended after the failure: its success may cover a hole');
  await assert.rejects(sync.sync(), /EIO/, 'no new sync is trusted until a restart');
  assert.equal(pending.length, 2);
  sync.close();
  closeDatabase(inboxDb);
});

test('the inbox -wal file keeps its inode through TRUNCATE checkpoints and journal_size_limit, so WalSync needs one descriptor', async () => {
  const inboxDb = openInbox(inboxFileFor(join(makeTempDir(), 'errors.db')));
  inboxDb.exec('CREATE TABLE t (x BLOB)');
  const write = () => inboxDb.prepare('INSERT INTO t (x) VALUES (randomblob(5000))').run();
  write();
  const sync = WalSync.forInbox(inboxDb);
  await sync.sync(); // opens the descriptor
  const wal = `${inboxDb.name}-wal`;
  const inode = statSync(wal).ino;
  inboxDb.pragma('wal_checkpoint(TRUNCATE)'); // what closeDatabase() does
  assert.equal(statSync(wal).size, 0);
  write();
  inboxDb.pragma('journal_size_limit = 0');
  inboxDb.pragma('wal_checkpoint(PASSIVE)');
  write(); // restarts the WAL and truncates it to the limit
  await sync.sync();
  assert.equal(statSync(wal).ino, inode, 'the same file: syncing the descriptor covers new frames');
  sync.close();
  closeDatabase(inboxDb);
});

/** A fresh inbox file whose WAL only explicit checkpoints copy back, and an insert of an 8 KB row. */
function inboxWithoutAutocheckpoint() {
  const inboxDb = openInbox(inboxFileFor(join(makeTempDir(), 'errors.db')));
  inboxDb.exec('CREATE TABLE t (x BLOB)');
  inboxDb.pragma('wal_autocheckpoint = 0');
  const insert = inboxDb.prepare('INSERT INTO t (x) VALUES (randomblob(8000))');
  return { inboxDb, insert, wal: `${inboxDb.name}-wal` };
}

test('finishInboxCheckpoint() on the store worker connection lets the next append restart the WAL that the previous checkpoint left behind', () => {
  const { inboxDb, insert, wal } = inboxWithoutAutocheckpoint();
  const worker = openDatabase(inboxDb.name); // the store worker's connection
  const reader = openDatabase(inboxDb.name);
  const round = (finish: boolean) => {
    for (let i = 0; i < 20; i++) insert.run();
    // a frame appended while the store worker's checkpoint runs is one it does not copy: here a
    // reader's older snapshot keeps the checkpoint from copying it
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM t').get();
    insert.run();
    worker.pragma('wal_checkpoint(PASSIVE)');
    reader.exec('COMMIT');
    // the writer holds its appends meanwhile
    if (finish) finishInboxCheckpoint(worker);
  };
  round(false);
  const size = statSync(wal).size;
  round(false);
  assert.ok(statSync(wal).size > size, 'without it the WAL grows with every round');
  round(true);
  const grown = statSync(wal).size;
  for (let i = 0; i < 5; i++) round(true);
  assert.equal(statSync(wal).size, grown, 'frames are rewritten from the start of the file');
  closeDatabase(reader);
  closeDatabase(worker);
  closeDatabase(inboxDb);
});

test('GroupCommit holds commits until release() and then writes the queued requests in one commit', async () => {
  const { store, committed, syncs } = storeWithManualSync();
  const commits = new GroupCommit(store);
  commits.hold();
  const a = commits.append(batch(1));
  await new Promise((r) => setImmediate(r));
  const b = commits.append(batch(2));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(committed, [], 'nothing is written while held');
  commits.release();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(committed, [1, 2]);
  assert.equal(syncs.length, 1, 'one commit, one sync');
  syncs[0].finish();
  await Promise.all([a, b]);
});

test('finishInboxCheckpoint() restarts the WAL on its own connection, so the header sync of the restart is not in the next append on the event loop', () => {
  const { inboxDb, insert, wal } = inboxWithoutAutocheckpoint();
  const restarts = walRestartCounter(wal);
  const worker = openDatabase(inboxDb.name); // the store worker's connection
  for (let i = 0; i < 20; i++) insert.run();
  const before = restarts();
  // SQLite restarts a WAL in the first write after a complete checkpoint and fsyncs the new
  // header there: in the writer's next append that was a sync on the main thread
  finishInboxCheckpoint(worker);
  assert.equal(restarts(), before + 1, 'restarted by the worker connection');
  insert.run();
  assert.equal(restarts(), before + 1, 'the append goes on in the restarted WAL');
  assert.equal(inboxDb.prepare('SELECT count(*) FROM t').pluck().get(), 21);
  // a checkpoint that cannot copy everything (a reader's older snapshot) writes nothing
  const reader = openDatabase(inboxDb.name);
  reader.exec('BEGIN');
  reader.prepare('SELECT count(*) FROM t').get();
  insert.run();
  const size = statSync(wal).size;
  finishInboxCheckpoint(worker);
  reader.exec('COMMIT');
  assert.equal(statSync(wal).size, size, 'no frame appended when the WAL cannot restart');
  assert.equal(restarts(), before + 1);
  closeDatabase(reader);
  closeDatabase(worker);
  closeDatabase(inboxDb);
});

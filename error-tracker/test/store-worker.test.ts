// The store worker: while it runs the main thread's connections do not checkpoint and the
// worker's own connections copy the WALs into the database files; digest batches run on its
// connection, and inbox appends (to the inbox file) do not wait for them.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { closeDatabase, openDatabase } from '@flowrent/shared/db';
import { makeTempDir } from '@flowrent/shared/testing';
import { GroupCommit } from '../src/service/group-commit.js';
import { inlinePreparer } from '../src/service/preparer.js';
import { StoreWorker } from '../src/service/store-worker.js';
import { inboxFileFor, openInbox } from '../src/store/inbox.js';
import type { AcceptBatch } from '../src/store/store.js';
import { openStore, walRestartCounter } from './helpers/store-files.js';

test('StoreWorker moves checkpoints to a worker and restores autocheckpoint and cache on stop', async () => {
  const file = join(makeTempDir(), 'cp.db');
  const db = openDatabase(file);
  const inboxDb = openInbox(inboxFileFor(file));
  db.exec('CREATE TABLE t (x BLOB)');
  db.pragma('cache_size = -8000');
  const sw = new StoreWorker(db, inboxDb);
  sw.start(20);
  assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 0);
  assert.equal(inboxDb.pragma('wal_autocheckpoint', { simple: true }), 0);
  assert.equal(db.pragma('cache_size', { simple: true }), -2000);
  const before = statSync(file).size;
  const insert = db.prepare('INSERT INTO t (x) VALUES (randomblob(4000))');
  db.transaction(() => {
    for (let i = 0; i < 500; i++) insert.run();
  })();
  // bounded wait for the worker's next checkpoint (it runs every 20 ms)
  // (a PASSIVE checkpoint may copy only part of the WAL at first, so wait for all of it)
  const copied = () => statSync(file).size > before + 1_000_000;
  for (let i = 0; i < 500 && !copied(); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(copied(), 'the WAL was copied into the database file');
  await sw.stop();
  assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 1000);
  assert.equal(inboxDb.pragma('wal_autocheckpoint', { simple: true }), 1000);
  assert.equal(db.pragma('cache_size', { simple: true }), -8000);
  closeDatabase(inboxDb);
  closeDatabase(db);
});

test('StoreWorker holds inbox appends while it finishes a checkpoint, so the inbox WAL restarts although appends go on', async () => {
  const file = join(makeTempDir(), 'cp.db');
  const db = openDatabase(file);
  const inboxDb = openInbox(inboxFileFor(file));
  inboxDb.exec('CREATE TABLE t (x BLOB)');
  let held = false;
  let holds = 0;
  const sw = new StoreWorker(db, inboxDb, {
    hold: () => {
      held = true;
      holds++;
    },
    release: () => {
      held = false;
    },
  });
  sw.start(50);
  const insert = inboxDb.prepare('INSERT INTO t (x) VALUES (randomblob(500))');
  const wal = `${inboxDb.name}-wal`;
  const restarts = walRestartCounter(wal);
  insert.run();
  const first = restarts();
  // an append in every event-loop turn unless held, so every checkpoint of the worker misses the
  // last frames (without the hold the WAL never restarts); bounded wait
  for (let i = 0; i < 200_000 && restarts() < first + 2; i++) {
    if (!held) insert.run();
    await new Promise((r) => setImmediate(r));
  }
  assert.ok(restarts() >= first + 2, 'the WAL restarted from its start twice');
  assert.ok(holds >= 2);
  await sw.stop();
  assert.equal(held, false, 'released by stop() at the latest');
  closeDatabase(inboxDb);
  closeDatabase(db);
});

async function acceptBatch(n: number, message: string): Promise<AcceptBatch> {
  const preparer = inlinePreparer();
  const events = [];
  for (let i = 0; i < n; i++) {
    const id = `${message.length.toString(16)}${i.toString(16)}`.padStart(32, 'a');
    const body = Buffer.from(`{"event_id":"${id}"}\n{"type":"event"}\n{"message":"${message} ${i}"}\n`);
    const prepared = await preparer.prepare({ endpoint: 'envelope', projectId: 1, body, nowMs: 1000 + i });
    events.push(...prepared.entries);
  }
  return { projectId: 1, events, itemCounts: { event: n }, sessions: [] };
}

function trackerDb() {
  const { db, inboxDb, store } = openStore(makeTempDir());
  store.createProject({ name: 'Default', slug: 'default', publicKey: 'publickey', nowMs: 1000 });
  const close = () => {
    closeDatabase(inboxDb);
    closeDatabase(db);
  };
  return { db, inboxDb, store, close };
}

const counts = ({ entries, events, grouped }: { entries: number; events: number; grouped: number }) => ({
  entries,
  events,
  grouped,
});

test('digest batches run on the worker connection and group like the main thread does', async () => {
  const { db, inboxDb, store, close } = trackerDb();
  store.acceptMany([await acceptBatch(30, 'disk full on volume')]);
  const sw = new StoreWorker(db, inboxDb);
  sw.start(1000);
  // 30 event rows; the commit's item counts ride on the first
  const first = await sw.digest(20, 5000);
  assert.deepEqual(counts(first), { entries: 20, events: 20, grouped: 20 });
  store.trimInbox(first.digestedThrough);
  assert.deepEqual(counts(await sw.digest(20, 5000)), { entries: 10, events: 10, grouped: 10 });
  assert.equal(store.pendingCount(), 0);
  const issues = store.listIssues({ limit: 10 }).data;
  assert.equal(issues.length, 1, 'one message with numbers parameterized: one issue');
  assert.equal(issues[0].eventCount, 30);
  // the same events again are duplicates: consumed, not stored or counted twice
  store.acceptMany([await acceptBatch(5, 'disk full on volume')]);
  assert.deepEqual(counts(await sw.digest(20, 5000)), { entries: 5, events: 5, grouped: 0 });
  assert.deepEqual(
    store.listItemCounts(1).map((c) => [c.type, c.count]),
    [['event', 30]],
  );
  await sw.stop();
  close();
});

/** The nice value of each of this process's threads (Linux /proc), by thread id. */
function threadNiceValues(): Map<number, number> {
  const nice = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // fields after the command name: state is field 3, nice field 19
      nice.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
    } catch {
      // the thread ended meanwhile
    }
  }
  return nice;
}

test('the store worker thread runs its digest batches at a lower CPU priority than the other threads', {
  skip: !existsSync('/proc/thread-self') && 'needs Linux /proc',
}, async () => {
  const { db, inboxDb, store, close } = trackerDb();
  store.acceptMany([await acceptBatch(3, 'priority check')]);
  const before = threadNiceValues();
  const sw = new StoreWorker(db, inboxDb);
  sw.start(1000, undefined, 13);
  // a batch answered: the worker has run its start-up code
  assert.deepEqual(counts(await sw.digest(50, 5000)), { entries: 3, events: 3, grouped: 3 });
  const after = threadNiceValues();
  const lowered = [...after].filter(([tid, nice]) => nice === 13 && !before.has(tid));
  assert.equal(lowered.length, 1, 'exactly one new thread, the store worker, at nice 13');
  assert.equal(after.get(process.pid), before.get(process.pid), 'the main thread keeps its priority');
  for (const [tid, nice] of before) {
    if (after.has(tid)) assert.equal(after.get(tid), nice, `thread ${tid} keeps its priority`);
  }
  await sw.stop();
  close();
});

test('an inbox append commits while another connection holds the events database write lock', async () => {
  const { db, inboxDb, store, close } = trackerDb();
  const sw = new StoreWorker(db, inboxDb);
  sw.start(1000);
  // what a long digest batch does to errors.db: hold its write lock (the old single-file inbox
  // waited here for the whole batch)
  const other = openDatabase(db.name, { busyTimeoutMs: 0 });
  other.exec('BEGIN IMMEDIATE');
  other.prepare('UPDATE inbox_progress SET digested_through = digested_through WHERE id = 1').run();
  const commits = new GroupCommit(store);
  await commits.append(await acceptBatch(3, 'second'));
  assert.equal(store.pendingCount(), 3, 'committed while errors.db was locked');
  other.exec('ROLLBACK');
  other.close();
  assert.deepEqual(counts(await sw.digest(50, 5000)), { entries: 3, events: 3, grouped: 3 });
  await sw.stop();
  close();
});

test('acceptMany() stores every event of a group commit; the digest sums its item counts per project and type', async () => {
  const { store, close } = trackerDb();
  const a = await acceptBatch(2, 'first');
  const b = await acceptBatch(3, 'second one');
  store.acceptMany([
    { ...a, itemCounts: { event: 2, session: 1 } },
    { ...b, itemCounts: { event: 3, client_report: 1 } },
  ]);
  store.acceptMany([{ ...(await acceptBatch(1, 'x')), itemCounts: { event: 1 } }]);
  assert.equal(store.pendingCount(), 6);
  assert.deepEqual(store.listItemCounts(1), [], 'counted once digested');
  assert.equal(store.digest(50, 5000).entries, 6);
  assert.deepEqual(
    store.listItemCounts(1).map((c) => [c.type, c.count]),
    [
      ['client_report', 1],
      ['event', 6],
      ['session', 1],
    ],
  );
  close();
});

test('digest() counts tags, hours and releases the same in one batch as one event per batch', async () => {
  const HOUR = 3_600_000;
  const preparer = inlinePreparer();
  const events = [];
  for (let i = 0; i < 6; i++) {
    const id = i.toString(16).padStart(32, 'b');
    const event = {
      message: `cache miss ${i}`,
      release: i < 3 ? 'shop@1.0' : 'shop@1.1',
      tags: { region: i % 2 ? 'eu' : 'us' },
    };
    const body = Buffer.from(`{"event_id":"${id}"}\n{"type":"event"}\n${JSON.stringify(event)}\n`);
    // 40 minutes apart: the six events span four hours
    const prepared = await preparer.prepare({
      endpoint: 'envelope',
      projectId: 1,
      body,
      nowMs: i * 40 * 60_000,
    });
    events.push(...prepared.entries);
  }
  const digestAll = (batchSize: number) => {
    const { store, close } = trackerDb();
    store.acceptMany([{ projectId: 1, events, itemCounts: { event: events.length }, sessions: [] }]);
    while (store.digest(batchSize, 10 * HOUR).entries > 0);
    const issueId = store.listIssues({ limit: 10 }).data[0].id;
    const result = {
      region: store.getTagValues(issueId, 'region', { limit: 10 }).data,
      release: store.getTagValues(issueId, 'release', { limit: 10 }).data,
      hours: store.hourlyCounts(issueId, 0, 10 * HOUR),
      issue: store.getIssue(issueId),
    };
    close();
    return result;
  };
  const oneByOne = digestAll(1);
  const together = digestAll(50);
  assert.deepEqual(together, oneByOne);
  assert.deepEqual(
    together.region.map((t) => [t.value, t.count, t.firstSeen, t.lastSeen]),
    [
      ['eu', 3, new Date(40 * 60_000).toISOString(), new Date(200 * 60_000).toISOString()],
      ['us', 3, new Date(0).toISOString(), new Date(160 * 60_000).toISOString()],
    ],
  );
  assert.deepEqual(
    together.hours.filter((h) => h.count > 0).map((h) => h.count),
    [2, 1, 2, 1],
  );
});

test('the inbox WAL restarts also while digest batches run back to back (a backlog), not only between them', async () => {
  const { db, inboxDb, store, close } = trackerDb();
  let held = false;
  const sw = new StoreWorker(db, inboxDb, {
    hold: () => {
      held = true;
    },
    release: () => {
      held = false;
    },
  });
  // the process's priority (nice 0): this loop keeps the main thread busy in every turn, which on
  // a loaded machine left the worker at its usual nice 10 a few batches in 7 s (load 36), and this
  // test is about the WAL restarts between batches, not about who gets the cores
  sw.start(20, undefined, 0);
  const wal = `${inboxDb.name}-wal`;
  const restarts = walRestartCounter(wal);
  const batch = await acceptBatch(5, 'backlog');
  store.acceptMany([batch]);
  const first = restarts();
  // what the digester does when the inbox is behind: it trims and sends the next batch as soon as
  // the last is back, so one is out whenever the worker's report of a checkpoint arrives
  let batches = 0;
  let digesting = true;
  const nextBatch = (): Promise<void> =>
    sw.digest(50, 5000).then((c) => {
      batches++;
      store.trimInbox(c.digestedThrough);
      return digesting ? nextBatch() : undefined;
    });
  const backlog = nextBatch();
  // appends in every turn unless held; bounded by batches (a checkpoint runs between two batches
  // at most every 20 ms)
  while (restarts() < first + 2 && batches < 300) {
    if (!held) store.acceptMany([batch]);
    await new Promise((r) => setImmediate(r));
  }
  digesting = false;
  await backlog;
  assert.ok(
    restarts() >= first + 2,
    `the WAL restarted twice (${batches} batches, ${statSync(wal).size} bytes)`,
  );
  await sw.stop();
  close();
});

test('the events database WAL restarts while digest batches run back to back: the worker checkpoints it on its timer', async () => {
  const { db, inboxDb, store, close } = trackerDb();
  const sw = new StoreWorker(db, inboxDb);
  sw.start(20, undefined, 0);
  const wal = `${db.name}-wal`;
  const batch = await acceptBatch(5, 'events-wal');
  let batches = 0;
  const restarts = walRestartCounter(wal);
  const first = restarts();
  // neither connection checkpoints errors.db after its commits: the WAL restarts only after the
  // worker's timer copied it, at the next batch's first write
  while (restarts() < first + 2 && batches < 300) {
    store.acceptMany([batch]);
    const c = await sw.digest(50, 5000);
    store.trimInbox(c.digestedThrough);
    batches++;
  }
  assert.ok(
    restarts() >= first + 2,
    `the WAL restarted twice (${batches} batches, ${statSync(wal).size} bytes)`,
  );
  await sw.stop();
  close();
});

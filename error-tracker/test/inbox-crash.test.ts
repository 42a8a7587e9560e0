// The inbox file and errors.db are two files, so consuming an inbox entry is two commits: the
// digest's (events, counts and inbox_progress in errors.db), then the trim of the inbox file.
// A real process killed with SIGKILL at each point (test/helpers/crash-store.ts), then the files
// reopened as on restart: nothing accepted is lost, nothing is stored or counted twice.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { closeDatabase } from '@flowrent/shared/db';
import { makeTempDir } from '@flowrent/shared/testing';
import { Digester } from '../src/service/digester.js';
import { inboxFileFor } from '../src/store/inbox.js';
import { CRASH_DIGEST_BATCH, CRASH_EVENTS, crashBatch } from './helpers/crash-store.js';
import { openStore } from './helpers/store-files.js';

function crashChild(mode: 'accepted' | 'digested'): string {
  const dir = makeTempDir();
  const script = new URL('./helpers/crash-store.ts', import.meta.url).pathname;
  const child = spawnSync(
    process.execPath,
    ['--conditions=development', '--import', 'tsx', script, dir, mode],
    { encoding: 'utf8' },
  );
  assert.equal(child.signal, 'SIGKILL', child.stderr);
  return dir;
}

/** Reopens the files as the service does and groups everything with the service's Digester. */
function restartAndDrain(dir: string) {
  const { db, inboxDb, store } = openStore(dir);
  const pendingAtStart = store.pendingCount();
  const inboxRowsAtStart = inboxDb.prepare('SELECT count(*) FROM inbox').pluck().get() as number;
  const digester = new Digester(store, { batchSize: 50, clock: () => 9000 });
  digester.drain();
  const result = {
    pendingAtStart,
    inboxRowsAtStart,
    inboxRowsAfter: inboxDb.prepare('SELECT count(*) FROM inbox').pluck().get() as number,
    events: db.prepare('SELECT count(*) FROM events').pluck().get() as number,
    distinctEvents: db.prepare('SELECT count(DISTINCT event_id) FROM events').pluck().get() as number,
    eventCount: db.prepare('SELECT sum(event_count) FROM issues').pluck().get() as number,
    itemCounts: Object.fromEntries(store.listItemCounts(1).map((c) => [c.type, c.count])),
    sessions: store.listReleaseHealth(1).map((r) => r.sessions),
  };
  closeDatabase(inboxDb);
  closeDatabase(db);
  return result;
}

const everythingOnce = {
  events: CRASH_EVENTS,
  distinctEvents: CRASH_EVENTS,
  eventCount: CRASH_EVENTS,
  // two group commits of one request each: two session updates, counted once each
  itemCounts: { event: CRASH_EVENTS, session: 2 },
  sessions: [2],
};

test('a crash before any digest: the restart groups everything the inbox file holds', () => {
  const r = restartAndDrain(crashChild('accepted'));
  assert.equal(r.pendingAtStart, CRASH_EVENTS);
  assert.equal(r.inboxRowsAtStart, CRASH_EVENTS);
  assert.equal(r.inboxRowsAfter, 0);
  const { pendingAtStart, inboxRowsAtStart, inboxRowsAfter, ...stored } = r;
  assert.deepEqual(stored, everythingOnce);
});

test('a crash after a digest batch committed, before the inbox was trimmed: nothing twice', () => {
  const r = restartAndDrain(crashChild('digested'));
  // the batch's entries were trimmed at start-up, not digested again
  assert.equal(r.inboxRowsAtStart, CRASH_EVENTS - CRASH_DIGEST_BATCH);
  assert.equal(r.pendingAtStart, CRASH_EVENTS - CRASH_DIGEST_BATCH);
  assert.equal(r.inboxRowsAfter, 0);
  const { pendingAtStart, inboxRowsAtStart, inboxRowsAfter, ...stored } = r;
  assert.deepEqual(stored, everythingOnce);
});

test('a replaced inbox file does not reuse ids the digest already consumed', async () => {
  const dir = crashChild('digested');
  // the inbox file is lost (say, deleted by hand) after the crash: new ids must continue above
  // errors.db's inbox_progress, or the digest would skip the new events as already consumed
  const inboxFile = inboxFileFor(join(dir, 'errors.db'));
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${inboxFile}${suffix}`, { force: true });
  const { db, inboxDb, store } = openStore(dir);
  store.acceptMany([await crashBatch(100, 3)]);
  assert.equal(store.pendingCount(), 3);
  new Digester(store, { batchSize: 50, clock: () => 9000 }).drain();
  assert.equal(db.prepare('SELECT count(*) FROM events').pluck().get(), CRASH_DIGEST_BATCH + 3);
  closeDatabase(inboxDb);
  closeDatabase(db);
});

const RESTARTS_BEFORE_CRASH = 4;

test('a crash while the store worker restarts the inbox WAL under appends loses no acknowledged event', () => {
  const dir = makeTempDir();
  const script = new URL('./helpers/restart-crash.ts', import.meta.url).pathname;
  const child = spawnSync(
    process.execPath,
    ['--conditions=development', '--import', 'tsx', script, dir, String(RESTARTS_BEFORE_CRASH)],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(child.signal, 'SIGKILL', child.stderr);
  const acknowledged = new Set(child.stdout.split('\n').filter(Boolean));
  assert.ok(acknowledged.size > 0);
  // the WAL header's checkpoint sequence number (bytes 12-15) counts the WAL's restarts
  const header = readFileSync(join(dir, 'errors-inbox.db-wal')).subarray(0, 16);
  assert.ok(header.readUInt32BE(12) >= RESTARTS_BEFORE_CRASH, 'the WAL restarted before the crash');
  const { db, inboxDb } = openStore(dir);
  const stored = new Set(
    inboxDb.prepare('SELECT event_id FROM inbox WHERE event_id IS NOT NULL').pluck().all() as string[],
  );
  for (const id of acknowledged) assert.ok(stored.has(id), `acknowledged ${id} is in the inbox`);
  assert.equal(inboxDb.pragma('integrity_check', { simple: true }), 'ok');
  closeDatabase(inboxDb);
  closeDatabase(db);
});

// The rescrub pass (store/rescrub.ts) begins only once the digest has passed the highest inbox id
// there was when the store opened: the entries an older version accepted are then all stored, and
// the pass covers them. It used to begin once "an event received since this process started" was
// stored, judged by the wall clock: with the clock stepped back across the restart, an event the
// older version stored read as this process's, and the pass ended with an older entry still waiting
// (stored later unscrubbed). Temp-file errors.db and inbox file, reopened as on a restart; the
// clock is a parameter, stepped back; no sleeps.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closeDatabase } from '@flowrent/shared/db';
import { makeTempDir } from '@flowrent/shared/testing';
import { SCRUB_VERSION } from '../src/ingest/scrub.js';
import { Digester } from '../src/service/digester.js';
import { Maintenance } from '../src/service/maintenance.js';
import { compressPayload, decompressPayload } from '../src/store/codec.js';
import { crashBatch } from './helpers/crash-store.js';
import { openStore } from './helpers/store-files.js';

const SECRET = '4111 1111 1111 1111';

test('after a restart with the clock stepped back, the rescrub pass waits for the older inbox entries and covers them', async () => {
  const dir = makeTempDir();
  // the older version: two events stored (received at 1000-1001 ms), one still in the inbox
  const older = openStore(dir);
  older.store.createProject({ name: 'Default', slug: 'default', publicKey: 'publickey', nowMs: 1000 });
  older.store.acceptMany([await crashBatch(0, 2)]);
  older.store.digest(50, 2000);
  older.store.acceptMany([await crashBatch(2, 1)]);
  // as it accepted it: unscrubbed
  const waiting = older.inboxDb
    .prepare('SELECT id, payload FROM inbox WHERE event_id IS NOT NULL ORDER BY id DESC')
    .get() as {
    id: number;
    payload: Buffer;
  };
  const event = JSON.parse(decompressPayload(waiting.payload).toString());
  const unscrubbed = compressPayload(JSON.stringify({ ...event, extra: { card: `card ${SECRET}` } }));
  older.inboxDb.prepare('UPDATE inbox SET payload = ? WHERE id = ?').run(unscrubbed, waiting.id);
  // a database the older scrubber's version had marked done
  older.db
    .prepare("INSERT OR REPLACE INTO _meta (key, value) VALUES ('events_scrubbed_version', ?)")
    .run(String(SCRUB_VERSION - 1));
  closeDatabase(older.inboxDb);
  closeDatabase(older.db);

  // the restart, the wall clock now before the older version's events
  const { db, inboxDb, store } = openStore(dir);
  const clock = { now: 500 };
  const maintenance = new Maintenance(store, {
    clock: () => clock.now,
    policy: { maxEventAgeMs: 30 * 86_400_000, maxEventsPerIssue: 1000 },
    batchSize: 500,
    vacuumPages: 100,
  });
  const meta = (key: string) => db.prepare('SELECT value FROM _meta WHERE key = ?').pluck().get(key);
  await maintenance.runOnce();
  assert.equal(meta('events_scrub_pass'), undefined, 'no pass while an older entry waits');
  assert.equal(meta('events_scrubbed_version'), String(SCRUB_VERSION - 1));
  assert.deepEqual(store.rescrubStoredEvents(50), { scanned: 0, rewritten: 0, done: false });

  new Digester(store, { batchSize: 50, clock: () => clock.now }).drain();
  const run = await maintenance.runOnce();
  assert.equal(run.rescrubbed, 1);
  assert.equal(meta('events_scrubbed_version'), String(SCRUB_VERSION));
  const stored = db.prepare('SELECT payload FROM events ORDER BY id').pluck().all() as Buffer[];
  assert.equal(stored.length, 3);
  for (const payload of stored) assert.ok(!decompressPayload(payload).toString().includes(SECRET));
  closeDatabase(inboxDb);
  closeDatabase(db);
});

test('an inbox empty at open lets the pass begin at once, whatever the clock', async () => {
  const dir = makeTempDir();
  const first = openStore(dir);
  first.store.createProject({ name: 'Default', slug: 'default', publicKey: 'publickey', nowMs: 1000 });
  first.store.acceptMany([await crashBatch(0, 2)]);
  first.store.digest(50, 2000);
  first.db.prepare("DELETE FROM _meta WHERE key LIKE 'events_scrub%'").run();
  closeDatabase(first.inboxDb);
  closeDatabase(first.db);
  const { db, inboxDb, store } = openStore(dir);
  assert.deepEqual(store.rescrubStoredEvents(50), { scanned: 2, rewritten: 0, done: true });
  closeDatabase(inboxDb);
  closeDatabase(db);
});

// A digest batch that fails for good is applied entry by entry, and an entry that fails alone is
// quarantined (store/digest.ts). The counts of a group commit ride on its project's first inbox
// entry (store/inbox.ts), so an entry holds one request's event and the item counts and session
// updates of every request committed with it: the part that fails must not take the other along.
// And the entries of the batch that do apply are applied once, as a batch that succeeded would.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeTempDir } from '@flowrent/shared/testing';
import { Digester } from '../src/service/digester.js';
import { inlinePreparer } from '../src/service/preparer.js';
import type { SessionUpdate } from '../src/store/store.js';
import { openStore } from './helpers/store-files.js';

async function prepareEvent(n: number, message: string, tag: string) {
  const id = (0xc000 + n).toString(16).padStart(32, '0');
  const event = JSON.stringify({ message, tags: { shop: tag } });
  const prepared = await inlinePreparer().prepare({
    endpoint: 'envelope',
    projectId: 1,
    body: Buffer.from(`{"event_id":"${id}"}\n{"type":"event"}\n${event}\n`),
    nowMs: 1_000_000,
  });
  return prepared.entries[0];
}

function openTestStore() {
  const opened = openStore(makeTempDir('et-quarantine-'));
  opened.store.createProject({ name: 'Default', slug: 'default', publicKey: 'publickey', nowMs: 1000 });
  return opened;
}

const session = (release: string | null): SessionUpdate =>
  ({ release, environment: 'production', started: 1, crashed: 0, errored: 0, abnormal: 0 }) as SessionUpdate;

test('an event that fails alone is quarantined without the counts of the requests committed with it', async () => {
  const { db, inboxDb, store } = openTestStore();
  const broken = { ...(await prepareEvent(1, 'facts that do not parse', 'a')), factsJson: '{"eventId":' };
  const fine = await prepareEvent(2, 'stored', 'a');
  // one group commit: the broken event's entry is the project's first, so it holds both counts
  store.acceptMany([
    { projectId: 1, events: [broken], itemCounts: { event: 1 }, sessions: [] },
    { projectId: 1, events: [fine], itemCounts: { event: 1, sessions: 1 }, sessions: [session('ok@1')] },
  ]);
  new Digester(store, { batchSize: 100, clock: () => 2_000_000 }).drain();
  assert.deepEqual(db.prepare('SELECT message FROM events').pluck().all(), ['stored']);
  assert.deepEqual(
    store.listReleaseHealth(1).map((r) => [r.release, r.sessions]),
    [['ok@1', 1]],
  );
  assert.deepEqual(Object.fromEntries(store.listItemCounts(1).map((r) => [r.type, r.count])), {
    event: 1,
    sessions: 1,
  });
  const quarantined = db.prepare('SELECT facts, counts FROM digest_quarantine').all();
  assert.deepEqual(quarantined, [{ facts: '{"eventId":', counts: null }]);
  assert.equal(store.pendingCount(), 0);
  store.close();
  inboxDb.close();
});

test('counts that fail alone are quarantined without the event whose entry holds them', async () => {
  const { db, inboxDb, store } = openTestStore();
  const first = await prepareEvent(3, 'stored', 'a');
  // a session update an older version let in without a release (release_health.release NOT NULL)
  store.acceptMany([
    { projectId: 1, events: [first], itemCounts: { event: 1 }, sessions: [] },
    { projectId: 1, events: [], itemCounts: { sessions: 1 }, sessions: [session(null)] },
  ]);
  new Digester(store, { batchSize: 100, clock: () => 2_000_000 }).drain();
  assert.deepEqual(db.prepare('SELECT message FROM events').pluck().all(), ['stored']);
  assert.deepEqual(Object.fromEntries(store.listItemCounts(1).map((r) => [r.type, r.count])), { event: 1 });
  const quarantined = db.prepare('SELECT event_id, facts, counts, error FROM digest_quarantine').all() as {
    event_id: string | null;
    facts: string | null;
    counts: string;
    error: string;
  }[];
  assert.equal(quarantined.length, 1);
  assert.equal(quarantined[0].facts, null, 'the event was stored');
  assert.match(quarantined[0].counts, /"sessions"/);
  assert.match(quarantined[0].error, /NOT NULL/);
  store.close();
  inboxDb.close();
});

test('the entries of a batch retried one by one are applied once: counts, tags, users, hourly series', async () => {
  const { db, inboxDb, store } = openTestStore();
  const a = await prepareEvent(4, 'same issue', 'x');
  const broken = { ...(await prepareEvent(5, 'broken', 'x')), factsJson: '[' };
  const b = await prepareEvent(6, 'same issue', 'x');
  const c = await prepareEvent(7, 'same issue', 'y');
  for (const e of [a, broken, b, c])
    store.acceptMany([{ projectId: 1, events: [e], itemCounts: { event: 1 }, sessions: [] }]);
  store.acceptMany([{ projectId: 1, events: [], itemCounts: { sessions: 1 }, sessions: [session('r@1')] }]);
  const digester = new Digester(store, { batchSize: 100, clock: () => 2_000_000 });
  digester.drain();
  digester.drain(); // and again: nothing is applied twice
  assert.deepEqual(db.prepare('SELECT event_count, stored_count FROM issues').all(), [
    { event_count: 3, stored_count: 3 },
  ]);
  assert.deepEqual(
    db.prepare('SELECT value, count FROM issue_tags WHERE key = ? ORDER BY value').all('shop'),
    [
      { value: 'x', count: 2 },
      { value: 'y', count: 1 },
    ],
  );
  assert.deepEqual(db.prepare('SELECT sum(count) FROM issue_hourly').pluck().all(), [3]);
  assert.deepEqual(
    store.listReleaseHealth(1).map((r) => [r.release, r.sessions]),
    [['r@1', 1]],
  );
  assert.deepEqual(Object.fromEntries(store.listItemCounts(1).map((r) => [r.type, r.count])), {
    event: 3,
    sessions: 1,
  });
  assert.equal(db.prepare('SELECT count(*) FROM digest_quarantine').pluck().get(), 1);
  store.close();
  inboxDb.close();
});

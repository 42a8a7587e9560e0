// counted_envelopes keeps a retried envelope from counting twice for a day (ITEM_DEDUPE_WINDOW_MS),
// then retention forgets it: the table does not grow without end, and the key counts again.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closeDatabase } from '@flowrent/shared/db';
import { makeTempDir } from '@flowrent/shared/testing';
import { Digester } from '../src/service/digester.js';
import { ITEM_DEDUPE_WINDOW_MS } from '../src/store/retention.js';
import { openStore } from './helpers/store-files.js';

test('a retried envelope counts once within the window; retention forgets its key after it', () => {
  const { db, inboxDb, store } = openStore(makeTempDir());
  store.createProject({ name: 'Default', slug: 'default', publicKey: 'publickey', nowMs: 0 });
  const policy = { maxEventAgeMs: 90 * 86_400_000, maxEventsPerIssue: 0 };
  let now = 1_000_000;
  const send = () => {
    store.acceptMany([
      {
        projectId: 1,
        events: [],
        itemCounts: { attachment: 1 },
        sessions: [],
        countsKey: 'ab'.repeat(16),
      },
    ]);
    new Digester(store, { batchSize: 50, clock: () => now }).drain();
  };
  const attachments = () => store.listItemCounts(1).find((c) => c.type === 'attachment')?.count;
  const keys = () => db.prepare('SELECT count(*) FROM counted_envelopes').pluck().get();

  send();
  send(); // the retry
  assert.equal(attachments(), 1);
  now += ITEM_DEDUPE_WINDOW_MS - 1;
  store.prune(policy, now, 100);
  assert.equal(keys(), 1, 'kept within the window');
  send();
  assert.equal(attachments(), 1);

  now += 2;
  store.prune(policy, now, 100);
  assert.equal(keys(), 0, 'forgotten after the window');
  send();
  assert.equal(attachments(), 2);
  closeDatabase(inboxDb);
  closeDatabase(db);
});

// A digest batch's commit must be on stable storage before the inbox is trimmed up to it: the trim
// is made durable by the next accept's fdatasync of the inbox WAL, so a batch committed under
// synchronous=NORMAL could vanish from errors.db in a power loss after its rows left the inbox.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closeDatabase } from '@flowrent/shared/db';
import { makeTempDir } from '@flowrent/shared/testing';
import { crashBatch } from './helpers/crash-store.js';
import { openStore } from './helpers/store-files.js';

test('digest() commits its batch with synchronous=FULL and leaves the connection at NORMAL', async () => {
  const { db, inboxDb, store } = openStore(makeTempDir());
  store.createProject({ name: 'Default', slug: 'default', publicKey: 'publickey', nowMs: 1000 });
  store.acceptMany([await crashBatch(0, 3)]);
  // the setting in force while the batch records its progress, seen from inside the transaction
  const seen: number[] = [];
  db.function('record_synchronous', (level: unknown) => {
    seen.push(Number(level));
    return null;
  });
  db.exec(`CREATE TEMP TRIGGER probe AFTER UPDATE ON inbox_progress BEGIN
    SELECT record_synchronous((SELECT synchronous FROM pragma_synchronous()));
  END`);
  const { digestedThrough } = store.digest(50, 5000);
  assert.ok(digestedThrough > 0);
  assert.deepEqual(seen, [2], 'FULL (2) while the batch commits');
  assert.equal(db.pragma('synchronous', { simple: true }), 1, 'NORMAL again afterwards');
  closeDatabase(inboxDb);
  closeDatabase(db);
});

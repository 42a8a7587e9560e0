// errors.db's WAL gives its space back once writes stop: the store worker's checkpoint timer
// truncates a WAL that is all copied and had no write since its last tick. It kept the size of
// its largest burst until a restart (black-box 10 #5: 3.9 MB after a prune, the main file 0.2 MB).
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { closeDatabase, openDatabase } from '@flowrent/shared/db';
import { makeTempDir } from '@flowrent/shared/testing';
import { StoreWorker } from '../src/service/store-worker.js';
import { inboxFileFor, openInbox } from '../src/store/inbox.js';

const walBytes = (file: string) => statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0;

test('the events database WAL is truncated by the store worker once writes stop, and reused under writes', async () => {
  const file = join(makeTempDir(), 'errors.db');
  const db = openDatabase(file);
  const inboxDb = openInbox(inboxFileFor(file));
  db.exec('CREATE TABLE t (x BLOB)');
  const sw = new StoreWorker(db, inboxDb);
  sw.start(20);
  const insert = db.prepare('INSERT INTO t (x) VALUES (randomblob(4000))');
  db.transaction(() => {
    for (let i = 0; i < 500; i++) insert.run();
  })();
  assert.ok(walBytes(file) > 2_000_000, `a burst fills the WAL (${walBytes(file)} bytes)`);
  // bounded wait for the worker's ticks (every 20 ms): a copy, then a quiet tick
  for (let i = 0; i < 100 && walBytes(file) > 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(walBytes(file), 0, 'the WAL file was truncated');
  db.prepare('DELETE FROM t').run();
  assert.ok(walBytes(file) > 0, 'and is written again after');
  await sw.stop();
  closeDatabase(inboxDb);
  closeDatabase(db);
});

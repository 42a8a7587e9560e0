// The WAL checkpointer worker: while it runs the main connection does not checkpoint, and the
// worker's own connection copies the WAL into the database file.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { closeDatabase, openDatabase } from '@flowrent/shared/db';
import { makeTempDir } from '@flowrent/shared/testing';
import { Checkpointer } from '../src/service/checkpointer.js';

test('Checkpointer moves checkpoints to a worker and restores autocheckpoint on stop', async () => {
  const file = join(makeTempDir(), 'cp.db');
  const db = openDatabase(file);
  db.exec('CREATE TABLE t (x BLOB)');
  const cp = new Checkpointer(db);
  cp.start(20);
  assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 0);
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
  await cp.stop();
  assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 1000);
  closeDatabase(db);
});

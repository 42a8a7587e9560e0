import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { closeDatabase, loadMigrations, migrate, openDatabase } from '@flowrent/shared/db';
import { makeTempDir } from '@flowrent/shared/testing';
import { MIGRATIONS, openStore } from './store-helpers.js';

test('migrations 3-5 turn JSON series labels into label-pair ids that load back identically', async () => {
  const dir = makeTempDir('metrics-migrate-');
  const db = openDatabase(join(dir, 'metrics.db'));
  migrate(db, loadMigrations(MIGRATIONS).slice(0, 2));
  const insert = db.prepare(
    'INSERT INTO series (id, metric, labels, created_ms, expires_ms) VALUES (?, ?, ?, ?, ?)',
  );
  insert.run(
    1,
    'up',
    JSON.stringify([
      ['__name__', 'up'],
      ['job', 'a'],
    ]),
    0,
    null,
  );
  insert.run(
    2,
    'up',
    JSON.stringify([
      ['__name__', 'up'],
      ['job', 'b "x"'],
      ['zone', 'é,1'],
    ]),
    0,
    99,
  );
  insert.run(
    3,
    'x',
    JSON.stringify([
      ['__name__', 'x'],
      ['job', 'a'],
    ]),
    0,
    null,
  );
  migrate(db, MIGRATIONS);
  assert.deepEqual(db.prepare('SELECT id, pairs, expires_ms FROM series ORDER BY id').all(), [
    { id: 1, pairs: '1,2', expires_ms: null },
    { id: 2, pairs: '1,3,4', expires_ms: 99 },
    { id: 3, pairs: '5,2', expires_ms: null },
  ]);
  closeDatabase(db);

  const s = openStore(dir);
  assert.deepEqual(
    s.store.index.byId.map((info) => info?.labels),
    [
      undefined,
      [
        ['__name__', 'up'],
        ['job', 'a'],
      ],
      [
        ['__name__', 'up'],
        ['job', 'b "x"'],
        ['zone', 'é,1'],
      ],
      [
        ['__name__', 'x'],
        ['job', 'a'],
      ],
    ],
  );
  assert.equal(s.store.index.byId[2]?.expiresMs, 99);
  // A new series reuses the stored pairs and adds only the new one.
  const r = await s.store.appendSamples([
    {
      labels: [
        ['__name__', 'x'],
        ['job', 'b "x"'],
      ],
      t: 1,
      v: 1,
    },
  ]);
  assert.equal(r.accepted, 1);
  s.store.checkpoint();
  assert.equal(s.store.db.prepare('SELECT pairs FROM series WHERE id = 4').pluck().get(), '5,3');
  assert.equal(s.store.db.prepare('SELECT COUNT(*) FROM label_pairs').pluck().get(), 5);
  await s.close();
});

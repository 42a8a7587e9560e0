import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { closeDatabase, loadMigrations, migrate, openDatabase } from '@flowrent/shared/db';
import { makeTempDir } from '@flowrent/shared/testing';
import { encodeSealedChunk } from '../src/store/chunk-codec.js';
import { readSeriesRow } from '../src/store/store-load.js';
import { XorAppender } from '../src/store/xor-chunk.js';
import { MIGRATIONS, type OpenedStore, openStore } from './store-helpers.js';

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
  // Series 2's TTL has passed: it stays stored but out of memory (series-expiry.ts).
  assert.deepEqual(
    s.store.index.byId.map((info) => info?.labels),
    [
      undefined,
      [
        ['__name__', 'up'],
        ['job', 'a'],
      ],
      undefined,
      [
        ['__name__', 'x'],
        ['job', 'a'],
      ],
    ],
  );
  assert.deepEqual(readSeriesRow(s.store, 2), {
    id: 2,
    labels: [
      ['__name__', 'up'],
      ['job', 'b "x"'],
      ['zone', 'é,1'],
    ],
    expiresMs: 99,
  });
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
  assert.deepEqual(readSeriesRow(s.store, 4)?.labels, [
    ['__name__', 'x'],
    ['job', 'b "x"'],
  ]);
  assert.deepEqual(s.store.db.prepare('SELECT stripe, data FROM series_blocks').all().length, 1);
  assert.equal(s.store.db.prepare('SELECT COUNT(*) FROM label_pairs').pluck().get(), 5);
  await s.close();
});

test('migration 6: series and head rows of the row-per-series layout load, move into stripe blocks and read with old chunks', async () => {
  const dir = makeTempDir('metrics-migrate6-');
  const db = openDatabase(join(dir, 'metrics.db'));
  migrate(db, loadMigrations(MIGRATIONS).slice(0, 5));
  const pair = db.prepare('INSERT INTO label_pairs (id, name, value) VALUES (?, ?, ?)');
  pair.run(1, '__name__', 'up');
  pair.run(2, 'job', 'a');
  pair.run(3, 'job', 'b');
  pair.run(4, 'job', 'c');
  const series = db.prepare('INSERT INTO series (id, pairs, expires_ms) VALUES (?, ?, ?)');
  series.run(1, '1,2', null);
  series.run(2, '1,3', 9_000_000);
  series.run(1500, '1,4', null); // second stripe
  const chunk = (ts: number[], vs: number[]) => encodeSealedChunk(ts, vs);
  // Series 1: a persisted chunk (t 0..4000) and an open head (t 5000..9000).
  const old = chunk([0, 1000, 2000, 3000, 4000], [1, 2, 3, 4, 5]);
  db.prepare(
    'INSERT INTO chunks (series_id, min_t, max_t, seq, encoding, count, data) VALUES (?, ?, ?, ?, ?, ?, ?)',
  ).run(1, 0, 4000, 1, old.encoding, 5, old.data);
  const head = db.prepare(
    'INSERT INTO head_chunks (series_id, app_seq, app_encoding, app_data, ooo_seq, ooo_data) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const app1 = chunk([5000, 6000, 7000, 8000, 9000], [6, 7, 8, 9, 10]);
  head.run(1, 2, app1.encoding, app1.data, 0, null);
  // Series 2: an open head and an out-of-order buffer (encoding 1, as written before).
  const app2 = chunk([5000, 6000], [0.5, 0.25]);
  const ooo = new XorAppender();
  ooo.append(4500, 42, false);
  head.run(2, 3, app2.encoding, app2.data, 4, ooo.bytes());
  const app3 = chunk([5000], [7]);
  head.run(1500, 5, app3.encoding, app3.data, 0, null);
  db.prepare('INSERT INTO store_state (key, value) VALUES (?, ?)').run('next_seq', 6);
  migrate(db, MIGRATIONS);
  closeDatabase(db);

  const read = (s: OpenedStore, id: number) => {
    const r = s.source.readSeries(id, 0, 20_000);
    return [r.timestamps, r.values];
  };
  const expectAll = (s: OpenedStore) => {
    assert.deepEqual(read(s, 1), [
      [0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000],
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    ]);
    assert.deepEqual(read(s, 2), [
      [4500, 5000, 6000],
      [42, 0.5, 0.25],
    ]);
    assert.deepEqual(read(s, 1500), [[5000], [7]]);
    assert.equal(s.store.index.byId[2]?.expiresMs, 9_000_000);
    assert.deepEqual(s.store.index.byId[1500]?.labels, [
      ['__name__', 'up'],
      ['job', 'c'],
    ]);
  };
  let s = openStore(dir);
  expectAll(s);
  // The start-up checkpoint moved every legacy row into the blocks of stripes 0 and 1.
  const count = (sql: string) => s.store.db.prepare(sql).pluck().get();
  assert.equal(count('SELECT COUNT(*) FROM series'), 0);
  assert.equal(count('SELECT COUNT(*) FROM head_chunks'), 0);
  assert.equal(count('SELECT group_concat(stripe) FROM series_blocks'), '0,1');
  assert.equal(count('SELECT group_concat(stripe) FROM head_blocks'), '0,1');
  assert.equal(count('SELECT COUNT(*) FROM chunks'), 1);
  await s.close();

  s = openStore(dir);
  expectAll(s);
  // New samples land after the old ones and survive another restart; sequences continue.
  await s.store.appendSamples([
    {
      labels: [
        ['__name__', 'up'],
        ['job', 'a'],
      ],
      t: 10_000,
      v: 11,
    },
  ]);
  await s.close();
  s = openStore(dir);
  assert.deepEqual(read(s, 1)[1], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  assert.ok(s.store.nextSeq() >= 6);
  await s.close();
});

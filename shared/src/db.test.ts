import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { closeDatabase, isMigrated, migrate, openDatabase, SchemaTooNewError, schemaVersion } from './db.js';
import { assertUsesIndex, makeTempDir } from './testing.js';

function migrationsDir(files: Record<string, string>): string {
  const dir = join(makeTempDir(), 'migrations');
  mkdirSync(dir);
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

const v1 = { '0001_init.sql': 'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);' };
const v2 = {
  ...v1,
  '0002_add_kind.sql':
    "ALTER TABLE items ADD COLUMN kind TEXT NOT NULL DEFAULT 'a'; CREATE INDEX items_kind ON items(kind);",
};

test('openDatabase() turns on WAL, NORMAL sync, busy timeout and foreign keys', () => {
  const db = openDatabase(join(makeTempDir(), 'a.db'));
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('synchronous', { simple: true }), 1);
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
  assert.ok(Number(db.pragma('busy_timeout', { simple: true })) > 0);
  closeDatabase(db);
});

test('migrate() upgrades a database at schema version 1 to the latest and keeps its rows', () => {
  const file = join(makeTempDir(), 'b.db');
  let db = openDatabase(file);
  assert.deepEqual(migrate(db, migrationsDir(v1)), { from: 0, to: 1 });
  db.prepare('INSERT INTO items (name) VALUES (?)').run('kept');
  closeDatabase(db);

  db = openDatabase(file);
  assert.deepEqual(migrate(db, migrationsDir(v2)), { from: 1, to: 2 });
  assert.equal(schemaVersion(db), 2);
  assert.deepEqual(db.prepare('SELECT name, kind FROM items').all(), [{ name: 'kept', kind: 'a' }]);
  assert.ok(isMigrated(db, 2));
  assert.deepEqual(migrate(db, migrationsDir(v2)), { from: 2, to: 2 });
  closeDatabase(db);
});

test('migrate() refuses a database newer than the code', () => {
  const file = join(makeTempDir(), 'c.db');
  const db = openDatabase(file);
  migrate(db, migrationsDir(v2));
  assert.throws(() => migrate(db, migrationsDir(v1)), SchemaTooNewError);
  closeDatabase(db);
});

test('migrate() rolls back a failing migration and leaves the version where it was', () => {
  const db = openDatabase(join(makeTempDir(), 'd.db'));
  migrate(db, migrationsDir(v1));
  const broken = { ...v1, '0002_broken.sql': 'CREATE TABLE half (x); INSERT INTO nowhere VALUES (1);' };
  assert.throws(() => migrate(db, migrationsDir(broken)), /no such table: nowhere/);
  assert.equal(schemaVersion(db), 1);
  assert.equal(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'half'").get().n, 0);
  closeDatabase(db);
});

test('migration files must be numbered without gaps', () => {
  const db = openDatabase(join(makeTempDir(), 'e.db'));
  assert.throws(() => migrate(db, migrationsDir({ ...v1, '0003_skip.sql': 'SELECT 1;' })), /without gaps/);
  closeDatabase(db);
});

test('assertUsesIndex() passes on an index search and fails on a table scan', () => {
  const db = openDatabase(join(makeTempDir(), 'f.db'));
  migrate(db, migrationsDir(v2));
  assertUsesIndex(db, 'SELECT id FROM items WHERE kind = ?', ['a'], 'items_kind');
  assert.throws(
    () => assertUsesIndex(db, 'SELECT id FROM items WHERE name = ?', ['x'], 'items_kind'),
    /scans a table without an index/,
  );
  assert.throws(
    () => assertUsesIndex(db, 'SELECT id FROM items WHERE id = ?', [1], 'items_kind'),
    /does not use index items_kind/,
  );
  closeDatabase(db);
});

test('closeDatabase() checkpoints the WAL into the main file', () => {
  const file = join(makeTempDir(), 'g.db');
  const db = openDatabase(file);
  migrate(db, migrationsDir(v1));
  db.prepare('INSERT INTO items (name) VALUES (?)').run('x');
  closeDatabase(db);
  const reopened = openDatabase(file, { readonly: true });
  assert.equal(reopened.prepare('SELECT count(*) AS n FROM items').get().n, 1);
  reopened.close();
});

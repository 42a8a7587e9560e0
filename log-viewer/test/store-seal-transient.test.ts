// Which seal failures quarantine rows: only faults the rows will always cause. A failure of the
// machine (disk full, I/O, a busy or closed database, memory, an SQLite error nobody foresaw) keeps
// the rows open, searchable and in the inbox, and the next seal stores every one of them.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { closeDatabase } from '@flowrent/shared/db';
import { isSystemic } from '../src/store/quarantine.js';
import { collect, openTestStore, rec } from './store-helpers.js';

const TRANSIENT: [name: string, error: () => Error][] = [
  ['SQLITE_FULL', () => Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' })],
  ['SQLITE_IOERR_WRITE', () => Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_WRITE' })],
  [
    'SQLITE_BUSY_SNAPSHOT',
    () => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY_SNAPSHOT' }),
  ],
  ['SQLITE_ERROR', () => Object.assign(new Error('no such table: blocks'), { code: 'SQLITE_ERROR' })],
  ['SQLITE_ABORT', () => Object.assign(new Error('query aborted'), { code: 'SQLITE_ABORT' })],
  ['ENOSPC', () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })],
  ['EIO', () => Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' })],
  ['allocation', () => new RangeError('Array buffer allocation failed')],
  ['closed database', () => new TypeError('The database connection is not open')],
];

for (const [name, error] of TRANSIENT) {
  test(`a seal that fails with ${name} keeps every row open and searchable, quarantines none, and the next seal stores them`, async () => {
    const reports: string[] = [];
    const t = openTestStore({ blockRows: 1000, onBackgroundError: (_e, what) => reports.push(what) });
    await t.store.append(Array.from({ length: 150 }, (_, i) => rec(i)));
    assert.equal(t.store.stats().openRecords, 150);
    const sql = (t.store as unknown as { sql: { insertBlock: (...a: unknown[]) => unknown } }).sql;
    const insert = sql.insertBlock;
    let failing = true;
    sql.insertBlock = function (...a: unknown[]) {
      if (failing) throw error();
      return insert.apply(this, a);
    };
    t.store.flush();
    assert.match(reports.join('\n'), /kept open and in the inbox/);
    assert.equal(t.store.quarantinedRows, 0, reports.join('\n'));
    assert.equal(
      existsSync(join(t.dir, 'quarantine')) ? readdirSync(join(t.dir, 'quarantine')).length : 0,
      0,
    );
    assert.equal(t.store.stats().openRecords, 150);
    assert.equal(collect(t.store, {}).length, 150);

    failing = false;
    t.store.flush();
    assert.equal(t.store.stats().openRecords, 0);
    assert.equal(t.store.stats().sealedRecords, 150);
    assert.deepEqual(
      collect(t.store, {})
        .map((r) => r.attributes.n)
        .sort((a, b) => Number(a) - Number(b)),
      Array.from({ length: 150 }, (_, i) => i),
    );
    await t.store.close();
    const again = t.reopen();
    assert.equal(collect(again.store, {}).length, 150);
    await again.store.close();
    closeDatabase(again.db);
  });
}

test("isSystemic() takes only the rows' own faults as permanent: encoder errors and values SQLite refuses", () => {
  const coded = (code: string) => Object.assign(new Error(code), { code });
  for (const [name, error] of TRANSIENT) assert.equal(isSystemic(error()), true, name);
  for (const err of [
    coded('SQLITE_CONSTRAINT_DATATYPE'),
    coded('SQLITE_TOOBIG'),
    coded('SQLITE_MISMATCH'),
    new RangeError('uvarint: not a finite value'),
    new RangeError('Invalid string length'),
    coded('ERR_OUT_OF_RANGE'),
    new TypeError("Cannot read properties of undefined (reading 'length')"),
  ])
    assert.equal(isSystemic(err), false, err.message);
});

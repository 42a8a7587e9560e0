// A block that cannot be stored never ends the process nor holds up the inbox: the failing rows are
// found by halving the block and written to the quarantine folder, the rest is sealed and searchable,
// and a restart does not meet them again. An inbox body the parser now refuses is set aside likewise.
import assert from 'node:assert/strict';
import fs, { existsSync, readdirSync, readFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { closeDatabase } from '@flowrent/shared/db';
import { Inbox } from '../src/store/inbox.js';
import { SealClient } from '../src/store/seal-client.js';
import type { SealRequest } from '../src/store/seal-worker.js';
import { collect, openTestStore, rec, T0 } from './store-helpers.js';

/** 250 records; the 121st has a time no SQLite INTEGER holds (what 1e300 gave before 34fefcb). */
function records() {
  return Array.from({ length: 250 }, (_, i) => rec(i, i === 120 ? { timeNs: 10n ** 300n } : {}));
}

function quarantined(dir: string): string[] {
  const q = join(dir, 'quarantine');
  if (!existsSync(q)) return [];
  return readdirSync(q).flatMap((f) => readFileSync(join(q, f), 'utf8').trim().split('\n'));
}

for (const sealWorker of [false, true]) {
  test(`a row that fails its block's seal is quarantined, the rest sealed (${sealWorker ? 'ingest worker' : 'main thread'})`, async () => {
    const reports: string[] = [];
    const onBackgroundError = (_err: Error, what: string) => reports.push(what);
    const t = openTestStore({ blockRows: 100, sealWorker, workers: 1, onBackgroundError });
    await t.store.append(records());
    if (sealWorker) await t.store.sealOpen();
    t.store.flush();
    const kept = collect(t.store, {});
    assert.equal(kept.length, 249);
    assert.ok(!kept.some((r) => r.attributes.n === 120));
    assert.equal(t.store.stats().openRecords, 0);
    assert.equal(t.store.quarantinedRows, 1);
    const lines = quarantined(t.dir);
    assert.equal(lines.length, 1);
    assert.match(JSON.parse(lines[0]).message, /^request 120 /);
    assert.ok(
      reports.some((r) => /kept in .*quarantine.*seal-\d+\.ndjson/.test(r)),
      reports.join('\n'),
    );
    await t.store.close();

    // The seal mark moved past the row: a restart neither replays nor quarantines it again.
    const again = t.reopen({ onBackgroundError });
    again.store.flush();
    assert.equal(collect(again.store, {}).length, 249);
    assert.equal(again.store.quarantinedRows, 0);
    assert.equal(quarantined(t.dir).length, 1);
    await again.store.close();
    closeDatabase(again.db);
  });
}

test('an inbox body that no longer parses is set aside at start, not thrown from the constructor', async () => {
  const t = openTestStore();
  await t.store.append([rec(1)]);
  await t.store.close();
  closeDatabase(t.db);
  const { inbox } = Inbox.open(join(t.dir, 'inbox'));
  const body = Buffer.from('{"msg":"from an older version","ts":1e300}\n');
  await inbox.appendBody(0, { kind: 'ndjson', body, seqBase: 2, count: 1, nowNs: T0 }).durable;
  await inbox.close();
  const reports: string[] = [];
  const again = openTestStore({ onBackgroundError: (_e, what) => reports.push(what) }, t.dir);
  assert.deepEqual(
    collect(again.store, {}).map((r) => r.attributes.n),
    [1],
  );
  assert.deepEqual(readdirSync(join(t.dir, 'quarantine')), ['replay-2.ndjson']);
  assert.equal(readFileSync(join(t.dir, 'quarantine', 'replay-2.ndjson'), 'utf8'), body.toString());
  assert.match(reports.join('\n'), /unreadable timestamp 1e\+300/);
  await again.store.close();
  closeDatabase(again.db);
});

test('a seal that fails for the database (read-only here), not the rows, keeps them open and retries', async () => {
  const reports: string[] = [];
  const t = openTestStore({ blockRows: 1000, onBackgroundError: (_e, what) => reports.push(what) });
  await t.store.append(Array.from({ length: 150 }, (_, i) => rec(i)));
  assert.equal(t.store.stats().openRecords, 150);
  t.db.pragma('query_only = ON');
  t.store.flush();
  assert.match(reports.join('\n'), /kept open and in the inbox/);
  assert.equal(t.store.stats().openRecords, 150);
  assert.equal(collect(t.store, {}).length, 150);
  assert.equal(t.store.quarantinedRows, 0);
  assert.deepEqual(quarantined(t.dir), []);
  t.db.pragma('query_only = OFF');
  t.store.flush();
  assert.equal(t.store.stats().openRecords, 0);
  assert.equal(t.store.stats().sealedRecords, 150);
  assert.equal(collect(t.store, {}).length, 150);
  await t.store.close();
  closeDatabase(t.db);
});

test('a block halved around a bad row that then meets a full disk seals no row twice and quarantines none twice', async () => {
  // Row 1 fails its block: halving stores row 0 as a block, quarantines row 1, and then the database
  // turns read-only (a full disk) before row 2's half; the flush after it must resume past row 1.
  let failed = false;
  const t = openTestStore({
    blockRows: 1000,
    onBackgroundError: (_e, what) => {
      if (!failed && /kept in .*quarantine/.test(what)) {
        failed = true;
        t.db.pragma('query_only = ON');
      }
    },
  });
  await t.store.append(Array.from({ length: 100 }, (_, i) => rec(i, i === 1 ? { timeNs: 10n ** 300n } : {})));
  t.store.flush();
  assert.ok(failed);
  t.db.pragma('query_only = OFF');
  t.store.flush();
  assert.equal(t.store.stats().openRecords, 0);
  const ns = collect(t.store, {}).map((r) => r.attributes.n as number);
  assert.equal(ns.length, 99);
  assert.equal(new Set(ns).size, 99);
  assert.equal(t.store.quarantinedRows, 1);
  assert.equal(quarantined(t.dir).length, 1);
  await t.store.close();

  const again = t.reopen();
  again.store.flush();
  assert.equal(collect(again.store, {}).length, 99);
  assert.equal(quarantined(t.dir).length, 1);
  await again.store.close();
  closeDatabase(again.db);
});

for (const sealWorker of [false, true]) {
  test(`a row whose time no block can encode (Infinity ms) is quarantined, not looped on, and the worker stays (${sealWorker ? 'ingest worker' : 'main thread'})`, async () => {
    // Only the store's own append() can hold such a time (every parser refuses it). The rows reach
    // the worker as JSON, where Infinity would become null: the worker is given 1e999 (Infinity once
    // parsed) instead, so its encoder fails on the same row as the main thread's.
    const send = SealClient.prototype.send;
    SealClient.prototype.send = function (msg: SealRequest) {
      if (msg.t === 'rows') msg = { ...msg, payload: msg.payload.replace('[31,null,', '[31,1e999,') };
      send.call(this, msg);
    };
    try {
      const reports: string[] = [];
      const t = openTestStore({
        blockRows: 100,
        sealWorker,
        workers: 1,
        onBackgroundError: (_e, what) => reports.push(what),
      });
      const bad = Array.from({ length: 150 }, (_, i) => rec(i, i === 30 ? { timeNs: 10n ** 400n } : {}));
      await t.store.append(bad);
      if (sealWorker) await t.store.sealOpen();
      t.store.flush();
      assert.equal(t.store.liveWorkers(), sealWorker ? 1 : 0, reports.join('\n'));
      assert.equal(t.store.stats().openRecords, 0);
      const ns = collect(t.store, {}).map((r) => r.attributes.n as number);
      assert.equal(ns.length, 149);
      assert.ok(!ns.includes(30));
      assert.equal(t.store.quarantinedRows, 1);
      assert.equal(quarantined(t.dir).length, 1);
      // The worker seals the next rows.
      await t.store.append(Array.from({ length: 150 }, (_, i) => rec(1000 + i)));
      if (sealWorker) await t.store.sealOpen();
      assert.equal(t.store.stats().openRecords, 0);
      assert.equal(t.store.liveWorkers(), sealWorker ? 1 : 0);
      assert.equal(collect(t.store, {}).length, 299);
      await t.store.close();
      closeDatabase(t.db);
    } finally {
      SealClient.prototype.send = send;
    }
  });
}

test("a worker's blocks for rows this thread partly sealed meanwhile (then a full disk) are not stored twice", async () => {
  const reports: string[] = [];
  const t = openTestStore({
    blockRows: 100,
    sealWorker: true,
    workers: 1,
    onBackgroundError: (_e, what) => reports.push(what),
  });
  await t.store.append(Array.from({ length: 250 }, (_, i) => rec(i)));
  // The disk fills at the second block this thread stores (a SQLITE_FULL from the insert).
  const sql = (t.store as unknown as { sql: { insertBlock: (...a: unknown[]) => unknown } }).sql;
  const insert = sql.insertBlock;
  let full = false;
  let calls = 0;
  sql.insertBlock = function (...a: unknown[]) {
    if (full && ++calls === 2)
      throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    return insert.apply(this, a);
  };
  const settled = t.store.sealOpen(); // asks the worker to seal all 250 rows
  full = true;
  t.store.flush(); // meanwhile this thread stores rows 0..99, then the disk is full
  full = false;
  assert.match(reports.join('\n'), /kept open and in the inbox/);
  await settled; // the worker's blocks of rows 0..249 arrive
  t.store.flush();
  assert.equal(t.store.stats().openRecords, 0);
  const ns = collect(t.store, {}).map((r) => r.attributes.n as number);
  assert.equal(new Set(ns).size, 250);
  assert.equal(ns.length, 250);
  await t.store.close();
  const again = t.reopen();
  assert.equal(collect(again.store, {}).length, 250);
  await again.store.close();
  closeDatabase(again.db);
});

test('a quarantine file is durable before the seal mark moves past its rows: file, folder and its parent synced', async () => {
  // fsync of the directory makes a new file's name durable (fdatasync of the file does not).
  const synced: string[] = [];
  const fsyncSync = fs.fsyncSync;
  const fdatasyncSync = fs.fdatasyncSync;
  const record = (fd: number) => synced.push(fs.readlinkSync(`/proc/self/fd/${fd}`));
  fs.fsyncSync = (fd: number) => {
    record(fd);
    fsyncSync(fd);
  };
  fs.fdatasyncSync = (fd: number) => {
    record(fd);
    fdatasyncSync(fd);
  };
  syncBuiltinESMExports();
  try {
    const t = openTestStore({ blockRows: 100, onBackgroundError: () => {} });
    await t.store.append(records());
    t.store.flush();
    assert.equal(t.store.quarantinedRows, 1);
    const q = join(t.dir, 'quarantine');
    const file = join(q, readdirSync(q)[0]);
    assert.ok(synced.includes(file), synced.join('\n'));
    assert.ok(synced.includes(q), synced.join('\n'));
    assert.ok(synced.includes(t.dir), synced.join('\n'));
    await t.store.close();
    closeDatabase(t.db);
  } finally {
    fs.fsyncSync = fsyncSync;
    fs.fdatasyncSync = fdatasyncSync;
    syncBuiltinESMExports();
  }
});

test("rows whose worker blocks met a full disk, and then this thread's seal too, are not lost at the worker's next seal", async () => {
  const t = openTestStore({ blockRows: 100, sealWorker: true, workers: 1, onBackgroundError: () => {} });
  const db = (t.store as unknown as { sql: { insertBlock: (...a: unknown[]) => unknown } }).sql;
  const insert = db.insertBlock;
  let full = true;
  db.insertBlock = function (...a: unknown[]) {
    if (full) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    return insert.apply(this, a);
  };
  await t.store.append(Array.from({ length: 150 }, (_, i) => rec(i)));
  await t.store.sealOpen(); // the worker's blocks cannot be stored, nor can this thread's seal
  assert.equal(t.store.stats().openRecords, 150);
  full = false;
  await t.store.append(Array.from({ length: 50 }, (_, i) => rec(1000 + i)));
  await t.store.sealOpen(); // the worker now holds only the 50 new rows
  t.store.flush();
  assert.equal(t.store.stats().openRecords, 0);
  const ns = collect(t.store, {}).map((r) => r.attributes.n as number);
  assert.equal(new Set(ns).size, 200);
  assert.equal(ns.length, 200);
  await t.store.close();
  const again = t.reopen();
  again.store.flush();
  assert.equal(collect(again.store, {}).length, 200);
  await again.store.close();
  closeDatabase(again.db);
});

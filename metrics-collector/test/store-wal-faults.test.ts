// The write-ahead log under injected I/O failures: fs.writev and fs.fdatasync are replaced (and the
// ESM bindings synced) so that each test decides when, and how, every write and sync completes.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { afterEach, test } from 'node:test';
import { makeTempDir } from '@flowrent/shared/testing';
import { WriteAheadLog } from '../src/store/wal.js';
import { openStore } from './store-helpers.js';

type Done = (err: Error | null) => void;
const real = { writev: fs.writev, fdatasync: fs.fdatasync };
const writes: { fd: number; done: Done }[] = [];
const syncs: { fd: number; done: Done }[] = [];

function intercept({ holdWrites, holdSyncs }: { holdWrites: boolean; holdSyncs: boolean }): void {
  Reflect.set(
    fs,
    'writev',
    (fd: number, bufs: Buffer[], pos: number, cb: (e: Error | null, n: number) => void) => {
      const bytes = bufs.reduce((n, b) => n + b.length, 0);
      if (!holdWrites) return real.writev(fd, bufs, pos, cb);
      writes.push({ fd, done: (err) => cb(err, err ? 0 : bytes) });
    },
  );
  Reflect.set(fs, 'fdatasync', (fd: number, cb: (e: Error | null) => void) => {
    if (!holdSyncs) return real.fdatasync(fd, cb);
    syncs.push({ fd, done: cb });
  });
  syncBuiltinESMExports();
}

afterEach(() => {
  Reflect.set(fs, 'writev', real.writev);
  Reflect.set(fs, 'fdatasync', real.fdatasync);
  syncBuiltinESMExports();
  writes.length = 0;
  syncs.length = 0;
});

const eio = () => Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
const turns = async (until: () => boolean) => {
  while (!until()) await new Promise((r) => setImmediate(r));
};
const outcome = (p: Promise<void>) =>
  p.then(
    () => 'ok',
    () => 'failed',
  );

test('write-ahead log never writes a record behind a failed write, in the first segment or a later one', async () => {
  // Records appended while a write is in flight wait for it and go in the next writev together:
  // behind a failed write they would sit after a hole (replay stops there), so they fail unwritten.
  intercept({ holdWrites: true, holdSyncs: false });
  const dir = makeTempDir('wal-');
  const segments = () => fs.readdirSync(dir).filter((f) => f.endsWith('.log')).length;
  const wal = new WriteAheadLog(dir, true, 4096, false);
  const a1 = outcome(wal.append(1, Buffer.from('a1')));
  const a2 = outcome(wal.append(1, Buffer.from('a2'))); // same segment, behind a1's write in flight
  assert.equal(writes.length, 1);
  writes[0].done(eio()); // a hole before a2
  assert.deepEqual([await a1, await a2], ['failed', 'failed']);
  assert.equal(writes.length, 1, 'a2 was not written behind the hole');
  const b1 = outcome(wal.append(1, Buffer.from('b1'))); // a new segment
  const b2 = outcome(wal.append(1, Buffer.from('b2')));
  assert.equal(writes.length, 2);
  assert.equal(segments(), 2);
  writes[1].done(eio()); // that one fails too
  assert.deepEqual([await b1, await b2], ['failed', 'failed']);
  assert.equal(writes.length, 2);
  // The next segment's records are written together and acknowledged once synced.
  const c1 = outcome(wal.append(1, Buffer.from('c1')));
  const c2 = outcome(wal.append(1, Buffer.from('c2')));
  const c3 = outcome(wal.append(1, Buffer.from('c3')));
  writes[2].done(null);
  assert.equal(writes.length, 4, "c2 and c3 go in one write once c1's returned");
  assert.equal(segments(), 3);
  writes[3].done(null);
  assert.deepEqual([await c1, await c2, await c3], ['ok', 'ok', 'ok']);
  await wal.close();
});

test('write-ahead log acknowledges a sync only once the syncs that ran beside it on the segment succeeded', async () => {
  // Linux reports a writeback error to one fdatasync of the file: a sync running at the same time
  // may return 0 although the pages before its records were dropped.
  intercept({ holdWrites: false, holdSyncs: true });
  const wal = new WriteAheadLog(makeTempDir('wal-'), true, 4096, false);
  const first = outcome(wal.append(1, Buffer.from('first')));
  await turns(() => syncs.length === 1);
  const second = outcome(wal.append(1, Buffer.from('second')));
  await turns(() => syncs.length === 2);
  let secondSettled = false;
  void second.then(() => {
    secondSettled = true;
  });
  syncs[1].done(null);
  await new Promise((r) => setImmediate(r));
  assert.equal(secondSettled, false, 'held while the earlier sync runs');
  syncs[0].done(eio());
  assert.deepEqual([await first, await second], ['failed', 'failed']);
  // The other order: the sync that started first returns 0 while the later one gets the error.
  const third = outcome(wal.append(1, Buffer.from('third'))); // a new segment
  await turns(() => syncs.length === 3);
  const fourth = outcome(wal.append(1, Buffer.from('fourth')));
  await turns(() => syncs.length === 4);
  syncs[2].done(null);
  syncs[3].done(eio());
  assert.deepEqual([await third, await fourth], ['failed', 'failed']);
  // Alone, a sync that succeeds acknowledges.
  const fifth = outcome(wal.append(1, Buffer.from('fifth')));
  await turns(() => syncs.length === 5);
  syncs[4].done(null);
  assert.equal(await fifth, 'ok');
  await wal.close();
});

test('a checkpoint whose transaction fails acknowledges no sample still waiting for its sync', async () => {
  intercept({ holdWrites: false, holdSyncs: true });
  const s = openStore();
  const add = (v: number) =>
    s.store.appendSamples([
      {
        labels: [
          ['__name__', 'up'],
          ['job', 'a'],
        ],
        t: 1_700_000_000_000 + v,
        v,
      },
    ]);
  const first = outcome(add(1));
  await turns(() => syncs.length === 1);
  const second = outcome(add(2));
  await turns(() => syncs.length === 2);
  let third = '';
  void outcome(add(3)).then((o) => {
    third = o;
  });
  await turns(() => Reflect.get(Reflect.get(s.store, 'wal'), 'waiters').length === 1); // written, no sync free
  const db = s.store.db as unknown as { transaction: unknown };
  const transaction = db.transaction;
  db.transaction = () =>
    Object.assign(() => {}, {
      immediate: () => {
        throw new Error('disk I/O error');
      },
    });
  assert.throws(() => s.store.checkpoint(), /disk I\/O error/);
  db.transaction = transaction;
  await new Promise((r) => setImmediate(r));
  assert.equal(third, '', 'neither the checkpoint nor a sync holds it yet');
  syncs[0].done(null);
  syncs[1].done(null);
  await turns(() => syncs.length === 3);
  syncs[2].done(null);
  await turns(() => third !== '');
  assert.deepEqual([await first, await second, third], ['ok', 'ok', 'ok']);
  await s.close();
});

test('write-ahead log syncs the directory entry of every segment it creates, spares included', async () => {
  const dir = makeTempDir('wal-');
  const dirFds = new Set<number>();
  const synced: number[] = [];
  const { openSync, open, fsyncSync, fsync } = fs;
  Reflect.set(fs, 'openSync', (path: string, ...rest: unknown[]) => {
    const fd = Reflect.apply(openSync, fs, [path, ...rest]) as number;
    if (path === dir) dirFds.add(fd);
    return fd;
  });
  Reflect.set(fs, 'open', (path: string, flags: string, cb: (e: Error | null, fd: number) => void) =>
    open(path, flags, (e, fd) => {
      if (!e && path === dir) dirFds.add(fd);
      cb(e, fd);
    }),
  );
  Reflect.set(fs, 'fsyncSync', (fd: number) => {
    if (dirFds.delete(fd)) synced.push(fd); // the number comes back for other files once closed
    fsyncSync(fd);
  });
  Reflect.set(fs, 'fsync', (fd: number, cb: (e: Error | null) => void) => {
    if (dirFds.delete(fd)) synced.push(fd); // the number comes back for other files once closed
    fsync(fd, cb);
  });
  syncBuiltinESMExports();
  try {
    const wal = new WriteAheadLog(dir, true, 64, true);
    await wal.append(1, Buffer.from('x'.repeat(40))); // opens segment 1 and starts the spare
    await turns(() => Reflect.get(wal, 'spare')?.ready === true);
    assert.equal(synced.length, 2, 'segment 1 (opened in place) and the spare');
    await wal.close();
  } finally {
    Object.assign(fs, { openSync, open, fsyncSync, fsync });
    syncBuiltinESMExports();
  }
});

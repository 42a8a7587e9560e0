// The write-ahead log on a full disk: creating a segment fails in its zero-fill with ENOSPC
// (fs.writeSync replaced and the ESM bindings synced, as in store-wal-faults.test.ts: this machine
// gives tests no file system to fill). Each refused request's retry comes back to the segment
// creation; it must neither keep a descriptor nor leave a file, and the log works once there is room.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { afterEach, test } from 'node:test';
import { makeTempDir } from '@flowrent/shared/testing';
import { WriteAheadLog, readWal } from '../src/store/wal.js';

const realWriteSync = fs.writeSync;
afterEach(() => {
  Reflect.set(fs, 'writeSync', realWriteSync);
  syncBuiltinESMExports();
});

const openFds = () => fs.readdirSync('/proc/self/fd').length;

test('write-ahead log: a segment that cannot be zero-filled (ENOSPC) fails its append and keeps no descriptor or file; the log goes on once there is room', async () => {
  const dir = makeTempDir('wal-full-');
  const wal = new WriteAheadLog(dir, true, 4096, false);
  await wal.append(1, Buffer.from('before'));
  const files = fs.readdirSync(dir);
  Reflect.set(fs, 'writeSync', () => {
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  });
  syncBuiltinESMExports();
  // 5000 bytes do not fit in the 4096-byte segment: each attempt creates the next one (the first
  // also closes the segment it leaves).
  const attempt = () => assert.rejects(async () => wal.append(1, Buffer.alloc(5000, 1)), /ENOSPC/);
  await attempt();
  const fds = openFds();
  for (let i = 0; i < 5; i++) await attempt();
  assert.equal(openFds(), fds, 'no descriptor kept per failed attempt');
  assert.deepEqual(fs.readdirSync(dir), files, 'no partial segment left');
  Reflect.set(fs, 'writeSync', realWriteSync);
  syncBuiltinESMExports();
  await wal.append(1, Buffer.from('after'));
  await wal.close();
  assert.deepEqual(
    [...readWal(dir)].map((r) => Buffer.from(r.payload).toString()),
    ['before', 'after'],
  );
});

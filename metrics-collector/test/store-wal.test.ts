import assert from 'node:assert/strict';
import { appendFileSync, readdirSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeTempDir } from '@flowrent/shared/testing';
import { readWal, WriteAheadLog } from '../src/store/wal.js';

const rec = (s: string) => Buffer.from(s);
const read = (dir: string) => [...readWal(dir)].map((r) => `${r.kind}:${Buffer.from(r.payload).toString()}`);

test('write-ahead log replays records across preallocated segments and stops at a torn tail', async () => {
  const dir = makeTempDir('wal-');
  const wal = new WriteAheadLog(dir, true, 64);
  await Promise.all([wal.append(1, rec('first record')), wal.append(2, rec('second'))]);
  await wal.append(1, rec('x'.repeat(100))); // larger than a segment: gets a segment of its own
  await wal.append(1, rec('after'));
  assert.deepEqual(read(dir), ['1:first record', '2:second', `1:${'x'.repeat(100)}`, '1:after']);
  assert.equal(readdirSync(dir).length, 3);
  const done = wal.rotate();
  await wal.append(2, rec('new'));
  wal.removeSegments(done);
  assert.deepEqual(read(dir), ['2:new']);
  await wal.close();
  // A crash in the middle of a record: the intact ones before it still replay.
  const segment = join(dir, readdirSync(dir)[0]);
  truncateSync(segment, 9 + 3 + 5);
  appendFileSync(segment, Buffer.from([9, 0, 0, 0, 1, 1, 2]));
  assert.deepEqual(read(dir), ['2:new']);
});

test('write-ahead log acknowledges concurrent appends across segment switches and replays them all', async () => {
  const dir = makeTempDir('wal-');
  const wal = new WriteAheadLog(dir, true, 256);
  const payloads = Array.from({ length: 60 }, (_, i) => `record ${i} ${'y'.repeat(i % 40)}`);
  await Promise.all(payloads.map((p) => wal.append(1, rec(p))));
  const more = payloads.slice(0, 10).map((p) => wal.append(2, rec(p)));
  const done = wal.rotate();
  await Promise.all([...more, wal.append(2, rec('after rotate'))]);
  await wal.close();
  assert.deepEqual(read(dir), [
    ...payloads.map((p) => `1:${p}`),
    ...payloads.slice(0, 10).map((p) => `2:${p}`),
    '2:after rotate',
  ]);
  wal.removeSegments(done);
  assert.deepEqual(read(dir), ['2:after rotate']);
});

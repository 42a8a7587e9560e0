import assert from 'node:assert/strict';
import {
  appendFileSync,
  closeSync,
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeTempDir } from '@flowrent/shared/testing';
import { readWal, WriteAheadLog } from '../src/store/wal.js';

const rec = (s: string) => Buffer.from(s);
const read = (dir: string) => [...readWal(dir)].map((r) => `${r.kind}:${Buffer.from(r.payload).toString()}`);

test('write-ahead log replays records across preallocated segments and stops at a torn tail', async () => {
  const dir = makeTempDir('wal-');
  const wal = new WriteAheadLog(dir, true, 64, false); // no background spare: the test counts files
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

test('write-ahead log makes its first segment when opened and has the next one ready for the switch after a rotate', async () => {
  const dir = makeTempDir('wal-');
  const wal = new WriteAheadLog(dir, true, 4096);
  // Made at start-up, not by the first request (zero-filling and syncing it blocked the JS thread).
  assert.equal(statSync(join(dir, 'wal-00000001.log')).size, 4096);
  while (!(Reflect.get(wal, 'spare') as { ready: boolean } | undefined)?.ready)
    await new Promise((r) => setImmediate(r));
  await wal.append(1, rec('before rotate'));
  wal.rotate();
  await wal.append(1, rec('after rotate'));
  // The prepared spare took the record; a segment made on the JS thread would have been number 3.
  assert.equal(readFileSync(join(dir, 'wal-00000002.log')).readUInt32LE(0), 'after rotate'.length);
  assert.equal(statSync(join(dir, 'wal-00000002.log')).size, 4096);
  await wal.close();
  assert.deepEqual(read(dir), ['1:before rotate', '1:after rotate']);
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

test('write-ahead log replays records of the first format (FNV-1a checksum) and stops at a corrupt payload', async () => {
  const dir = makeTempDir('wal-');
  const fnv1a = (buf: Uint8Array) => {
    let h = 0x811c9dc5;
    for (const b of buf) h = Math.imul(h ^ b, 16777619);
    return h >>> 0;
  };
  const oldRecord = (kind: number, text: string) => {
    const payload = Buffer.from(text);
    const header = Buffer.alloc(9);
    header.writeUInt32LE(payload.length, 0);
    header.writeUInt8(kind, 4);
    header.writeUInt32LE(fnv1a(payload), 5);
    return Buffer.concat([header, payload]);
  };
  writeFileSync(
    join(dir, 'wal-00000001.log'),
    Buffer.concat([oldRecord(1, 'old one'), oldRecord(2, 'old two')]),
  );
  const wal = new WriteAheadLog(dir, true, 64);
  await wal.append(1, rec('new one'));
  await wal.append(2, rec('new two'));
  await wal.close();
  assert.deepEqual(read(dir), ['1:old one', '2:old two', '1:new one', '2:new two']);
  // Flip one payload byte of the last record: replay ends before it.
  const segment = join(dir, 'wal-00000002.log');
  const bytes = readFileSync(segment);
  bytes[9 + 7 + 9] ^= 1;
  writeFileSync(segment, bytes);
  assert.deepEqual(read(dir), ['1:old one', '2:old two', '1:new one']);
  assert.throws(() => new WriteAheadLog(dir, false).append(0x81, rec('x')), RangeError);
});

test('write-ahead log settles every append through rotations and segment switches with background spares', async () => {
  const dir = makeTempDir('wal-');
  const wal = new WriteAheadLog(dir, true, 512);
  let kept: string[] = [];
  const pending: Promise<void>[] = [];
  for (let round = 0; round < 5; round++) {
    kept = [];
    for (let i = 0; i < 40; i++) {
      const text = `r${round} n${i} ${'z'.repeat((i * 7) % 90)}`;
      kept.push(`1:${text}`);
      pending.push(wal.append(1, rec(text)));
      if (i % 9 === 0) await pending[pending.length - 1];
    }
    if (round < 4) wal.removeSegments(wal.rotate());
  }
  await Promise.all(pending);
  await wal.close();
  assert.deepEqual(read(dir), kept);
});

test('write-ahead log fails the records of a segment whose write failed and goes on in a new segment', async () => {
  const dir = makeTempDir('wal-');
  const wal = new WriteAheadLog(dir, true, 4096, false);
  await wal.append(1, rec('before'));
  // Simulate an I/O error: the segment's descriptor goes bad under the log.
  closeSync(Reflect.get(wal, 'fd') as number);
  await assert.rejects(wal.append(1, rec('lost')));
  await wal.append(1, rec('after'));
  await wal.close();
  assert.deepEqual(read(dir), ['1:before', '1:after']);
});

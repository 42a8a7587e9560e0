// Acknowledged samples survive a crash: a child process appends (each append resolves only after
// the write-ahead log is fdatasync'ed), is killed with SIGKILL, and a fresh store reads them all.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { makeTempDir } from '@flowrent/shared/testing';
import { compressSync } from 'snappy';
import { encodeWriteRequest } from '../src/ingest/remote-write-encode.js';
import { openStore } from './store-helpers.js';

/** The child over `dir`; send() writes it one remote_write body and gives the line it answers. */
function startChild(dir: string) {
  const child = spawn(
    process.execPath,
    [
      '--conditions=development',
      '--import',
      'tsx',
      new URL('./store-crash-child.ts', import.meta.url).pathname,
      dir,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const send = async (body: Uint8Array) => {
    child.stdin!.write(`${compressSync(Buffer.from(body)).toString('base64')}\n`);
    return (await lines.next()).value;
  };
  return { child, send };
}

test('samples acknowledged before a SIGKILL are read back after reopening', async () => {
  const dir = makeTempDir('metrics-crash-');
  const { child, send } = startChild(dir);
  const T0 = 1_764_000_000_000;
  for (let i = 0; i < 5; i++) {
    const body = encodeWriteRequest([
      {
        labels: [
          ['__name__', 'crash_test'],
          ['batch', 'all'],
        ],
        timestamps: [T0 + i * 1000],
        values: [i],
      },
      {
        labels: [
          ['__name__', 'crash_test'],
          ['batch', String(i)],
        ],
        timestamps: [T0],
        values: [i * 10],
      },
    ]);
    assert.equal(await send(body), `ok ${i + 1}`);
  }
  child.kill('SIGKILL');
  await once(child, 'exit');

  const s = openStore(dir);
  const all = s.source.select([{ name: 'batch', type: '=', value: 'all' }], 0, T0 * 2);
  assert.deepEqual(all[0].values, [0, 1, 2, 3, 4]);
  assert.equal(
    s.source.series([[{ name: '__name__', type: '=', value: 'crash_test' }]], 0, T0 * 2).length,
    6,
  );
  await s.close();
  // And once more after the replay was checkpointed: nothing lost, nothing doubled.
  const again = openStore(dir);
  assert.deepEqual(
    again.source.select([{ name: 'batch', type: '=', value: 'all' }], 0, T0 * 2)[0].timestamps.length,
    5,
  );
  await again.close();
});

test('samples acknowledged around a remote_write body refused as malformed protobuf are read back after a SIGKILL', async () => {
  // A body whose protobuf breaks halfway is answered 400 and not logged; the bodies around it are.
  const dir = makeTempDir('metrics-crash-');
  const { child, send } = startChild(dir);
  const T0 = 1_764_000_000_000;
  const request = (i: number) =>
    encodeWriteRequest([
      {
        labels: [
          ['__name__', 'crash_test'],
          ['batch', 'all'],
        ],
        timestamps: [T0 + i * 1000],
        values: [i],
      },
    ]);
  assert.equal(await send(request(0)), 'ok 1');
  // A valid series with one sample, then a TimeSeries whose length runs past the end.
  const good = request(1);
  const broken = new Uint8Array([...good, 0x0a, 0x7f, 0x0a, 0x02]);
  assert.equal(await send(broken), 'refused 2: ProtobufError');
  assert.equal(await send(request(2)), 'ok 3');
  child.kill('SIGKILL');
  await once(child, 'exit');

  const s = openStore(dir);
  const all = s.source.select([{ name: 'batch', type: '=', value: 'all' }], 0, T0 * 2);
  // The refused body's sample before its bad byte was rolled back out of memory and never logged
  // (remote-write-malformed.test.ts): only the acknowledged ones come back.
  assert.deepEqual(all[0].values, [0, 2]);
  await s.close();
});

// 503 + Retry-After when the write-ahead log cannot be synced, over real HTTP against the real
// collector: fs.fdatasync is made to fail (the I/O error a dying disk gives; ESM bindings synced
// as in store-wal-faults.test.ts), the sender gets 503 with Retry-After and retries, and the retry's
// 204 is backed by a log record written after the failure, while the samples are stored once.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import type { TestApp } from '@flowrent/shared/testing';
import { compressSync } from 'snappy';
import type { Config } from '../src/config.js';
import { encodeWriteRequest } from '../src/ingest/remote-write-encode.js';
import { WAL_KIND_REMOTE_WRITE_SNAPPY, WAL_KIND_SAMPLES_JSON, readWal } from '../src/store/wal.js';
import { postRemoteWrite, startCollector } from './ingest-helpers.js';

const realFdatasync = fs.fdatasync;
let t: TestApp<Config>;
let failed = 0;

/** The next `n` fdatasync calls of this process fail with EIO; later ones are real. */
function failSyncs(n: number): void {
  let left = n;
  Reflect.set(fs, 'fdatasync', (fd: number, cb: (err: Error | null) => void) => {
    if (left-- <= 0) return realFdatasync(fd, cb);
    failed++;
    process.nextTick(() => cb(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' })));
  });
  syncBuiltinESMExports();
}

before(async () => {
  t = await startCollector();
});
afterEach(() => {
  Reflect.set(fs, 'fdatasync', realFdatasync);
  syncBuiltinESMExports();
});
after(() => t.close());

const walRecords = () => [...readWal(join(t.config.DATA_DIR, 'metrics-wal'))];
/** Raw samples of a metric, as stored (timestamps and values per series). */
const series = (name: string) =>
  t.app.ingestion.source
    .select([{ name: '__name__', type: '=', value: name }], 0, 2 * 1_795_000_000_000)
    .map((x) => ({ timestamps: x.timestamps, values: x.values }));

async function expectUnavailable(res: Response): Promise<void> {
  assert.equal(res.status, 503);
  assert.equal(res.headers.get('retry-after'), '5');
  const { error } = (await res.json()) as { error: { code: string; message: string } };
  assert.equal(error.code, 'unavailable');
  assert.match(error.message, /write-ahead log unavailable: EIO/);
}

test('remote_write answers 503 + Retry-After when the log sync fails; the retry is logged anew and stored once', async () => {
  const body = compressSync(
    encodeWriteRequest([
      {
        labels: [
          ['__name__', 'rw_unavailable_probe'],
          ['job', 'faults'],
        ],
        timestamps: [1_795_000_000_000, 1_795_000_015_000],
        values: [1, 2],
      },
    ]),
  );
  const send = () => postRemoteWrite(t, body);
  failSyncs(1);
  await expectUnavailable(await send());
  assert.equal(failed, 1);
  const before = walRecords().length;
  const retry = await send(); // what Prometheus does after Retry-After
  assert.equal(retry.status, 204, await retry.text());
  // The 204 rests on a record written after the failed sync (that segment may have lost its pages).
  const logged = walRecords().slice(before);
  assert.ok(
    logged.some((r) => r.kind === WAL_KIND_REMOTE_WRITE_SNAPPY && Buffer.from(r.payload).equals(body)),
    'the retried body is in a record written after the failure',
  );
  assert.deepEqual(series('rw_unavailable_probe'), [
    { timestamps: [1_795_000_000_000, 1_795_000_015_000], values: [1, 2] },
  ]);
});

test('POST /api/metrics answers 503 + Retry-After when the log sync fails; the retry is logged anew and stored once', async () => {
  const send = () =>
    fetch(`${t.url}/api/metrics`, {
      method: 'POST',
      headers: { ...t.adminHeaders, 'content-type': 'application/json' },
      body: JSON.stringify({
        metrics: [{ name: 'push_unavailable_probe', type: 'counter', value: 7, timestamp: 1_795_000_030 }],
      }),
    });
  failSyncs(1);
  await expectUnavailable(await send());
  const before = walRecords().length;
  const retry = await send();
  assert.equal(retry.status, 204, await retry.text());
  const logged = walRecords().slice(before);
  assert.ok(
    logged.some(
      (r) =>
        r.kind === WAL_KIND_SAMPLES_JSON &&
        Buffer.from(r.payload).toString('utf8').includes('push_unavailable_probe'),
    ),
    'the retried samples are in a record written after the failure',
  );
  assert.deepEqual(series('push_unavailable_probe'), [{ timestamps: [1_795_000_030_000], values: [7] }]);
});

// How a remote_write series finds its id when its raw label bytes are not known: the labels are
// sorted (skipped when the sender sorted them), hashed once, and that hash serves the lookup, the
// revival of an evicted series (only looked for when some series has that hash) and the new entry.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compressSync } from 'snappy';
import { encodeWriteRequest } from '../src/ingest/remote-write-encode.js';
import { parseRetention, RetentionJob } from '../src/store/retention.js';
import { openStore } from './store-helpers.js';

const HOUR = 3_600_000;
const T0 = 1_764_000_000_000 - (1_764_000_000_000 % HOUR);
const write = (labels: [string, string][], t: number, v: number) =>
  compressSync(Buffer.from(encodeWriteRequest([{ labels, timestamps: [t], values: [v] }])));

test('remote_write revives an evicted series under its id, its labels sent in any order', async () => {
  let now = T0;
  const s = openStore(undefined, { clock: () => now });
  const sorted: [string, string][] = [
    ['__name__', 'rw_key'],
    ['job', 'a'],
    ['pod', 'p'],
  ];
  for (let i = 0; i < 120; i++) await s.store.appendRemoteWrite(write(sorted, T0 + i * 60_000, i));
  const id = s.store.index.findByKey(sorted)!;
  now = T0 + 5 * 3_600_000;
  s.store.checkpoint();
  assert.equal(new RetentionJob(s.store, parseRetention('raw=2h')).run(now).seriesEvicted, 1);
  assert.equal(s.store.index.findByKey(sorted), undefined);
  // Other raw bytes than the first request's: the slow path sorts, finds the evicted id, revives it.
  await s.store.appendRemoteWrite(
    write(
      [
        ['pod', 'p'],
        ['__name__', 'rw_key'],
        ['job', 'a'],
      ],
      now,
      1,
    ),
  );
  assert.equal(s.store.index.findByKey(sorted), id);
  assert.equal(s.store.index.size, 1);
  // A label set no series ever had is a new series, and finds itself again in either order.
  const other: [string, string][] = [
    ['__name__', 'rw_key'],
    ['job', 'b'],
  ];
  await s.store.appendRemoteWrite(write(other, now, 2));
  await s.store.appendRemoteWrite(
    write(
      [
        ['job', 'b'],
        ['__name__', 'rw_key'],
      ],
      now + 1000,
      3,
    ),
  );
  const otherId = s.store.index.findByKey(other)!;
  assert.ok(otherId > id);
  assert.equal(s.store.index.size, 2);
  const [series] = s.source.select([{ name: 'job', type: '=', value: 'b' }], now, now + 1000);
  assert.deepEqual(series.values, [2, 3]);
  await s.close();
});

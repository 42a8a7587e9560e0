// The remote_write appender's label decoding: label strings come from a cache of decoded ASCII
// strings keyed by a hash of their bytes; a slot collision or a non-ASCII string must never hand a
// series another series' label.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compressSync } from 'snappy';
import { encodeWriteRequest } from '../src/ingest/remote-write-encode.js';
import { openStore } from './store-helpers.js';

const T0 = 1_764_000_000_000;

test('remote_write series keep exactly their labels across many distinct, non-ASCII, long and empty values', async () => {
  const s = openStore();
  // 20,000 values over 4,096 cache slots: many slots see several strings in turn.
  const values = Array.from({ length: 20_000 }, (_, i) => {
    if (i % 97 === 0) return `wert-${i}-äöü`;
    if (i % 89 === 0) return `long-${i}-${'x'.repeat(80)}`;
    return `v${i}`;
  });
  const series = values.map((v, i) => ({
    labels: [
      ['__name__', i % 2 ? 'm_a' : 'm_b'],
      ['empty', ''],
      ['k', v],
    ] as [string, string][],
    timestamps: [T0],
    values: [i],
  }));
  for (let at = 0; at < series.length; at += 1000) {
    const body = encodeWriteRequest(series.slice(at, at + 1000));
    const r = await s.store.appendRemoteWrite(compressSync(Buffer.from(body)));
    assert.equal(r.accepted, 1000);
  }
  const got = s.source.select([{ name: '__name__', type: '=~', value: 'm_.' }], 0, T0 * 2);
  assert.equal(got.length, values.length);
  const byValue = new Map(got.map((x) => [x.values[0], x.labels]));
  const expected = values.map((v, i) => ({ __name__: i % 2 ? 'm_a' : 'm_b', k: v }));
  assert.deepEqual(
    values.map((_, i) => byValue.get(i)),
    expected,
  );
  await s.close();
});

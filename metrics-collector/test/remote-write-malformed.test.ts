// A malformed remote_write request applies nothing (as Prometheus, which decodes the whole request
// before appending): the samples before its bad byte are rolled back out of the heads — in-order
// appends, a chunk cut, out-of-order inserts, a series seen twice, a new series — and its exemplars
// are not kept, and the series it created are taken back (they had stayed in memory and SQLite,
// counted against the series limits and in status/tsdb, though no listing returned them: they had
// no head). Over HTTP the request answers 400 and nothing finds or counts anything of it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compressSync } from 'snappy';
import { type EncodableSeries, encodeWriteRequest } from '../src/ingest/remote-write-encode.js';
import { ProtobufError } from '../src/ingest/remote-write.js';
import { CHUNK_MAX_SAMPLES } from '../src/store/delta-chunk.js';
import { postRemoteWrite, startCollector } from './ingest-helpers.js';
import { openStore } from './store-helpers.js';

const T0 = 1_764_000_000_000;
const A: [string, string][] = [
  ['__name__', 'rw_undo'],
  ['series', 'a'],
];
const B: [string, string][] = [
  ['__name__', 'rw_undo'],
  ['series', 'b'],
];

/** A WriteRequest of these series followed by a TimeSeries whose length runs past the end. */
function malformed(series: EncodableSeries[]): Buffer {
  return Buffer.from([...encodeWriteRequest(series), 0x0a, 0x7f, 0x0a, 0x02]);
}

/** Timestamps of samples from..from+n-1, one a second from T0 (sample 1 is at T0 + 1000). */
function steps(from: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => T0 + (from + i) * 1000);
}

function values(from: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => (from + i) * 1.5);
}

for (const n of [CHUNK_MAX_SAMPLES - 2, CHUNK_MAX_SAMPLES])
  test(`a malformed remote_write body leaves every head as before it, whatever its samples did (chunk cut after ${CHUNK_MAX_SAMPLES - n} of them)`, async () => {
    const s = openStore();
    const { store, source } = s;
    const snappy = (b: Uint8Array) => compressSync(Buffer.from(b));
    // A holds n samples (its chunk is cut by the refused request), B nothing yet.
    await store.appendRemoteWrite(
      snappy(encodeWriteRequest([{ labels: A, timestamps: steps(0, n), values: values(0, n) }])),
    );
    const before = source.select([{ name: '__name__', type: '=', value: 'rw_undo' }], 0, T0 * 2);
    const appended = store.stats.samplesAppended;
    const sealed = store.heads.sealedBytes;

    const bad = malformed([
      // In order past the chunk cut, with a value that is not a decimal (a raw float64 token).
      { labels: A, timestamps: steps(n, 5), values: [...values(n, 4), Math.PI] },
      // A new series, and A again: out of order (within the window) and a duplicate timestamp.
      {
        labels: B,
        timestamps: steps(0, 3),
        values: [1, 2, 3],
        exemplars: [{ labels: [['trace_id', 'abc']], value: 1, timestampMs: T0 }],
      },
      { labels: A, timestamps: [T0 + 500, T0 + 1000], values: [7, 8] },
    ]);
    await assert.rejects(store.appendRemoteWrite(snappy(bad)), ProtobufError);

    assert.deepEqual(source.select([{ name: '__name__', type: '=', value: 'rw_undo' }], 0, T0 * 2), before);
    assert.equal(store.stats.samplesAppended, appended);
    assert.equal(store.heads.sealedBytes, sealed);
    assert.deepEqual(store.exemplars.select([() => true], 0, T0 * 2), []);

    // The heads go on from where they were: the same samples, sent well-formed, read back exactly.
    const good = encodeWriteRequest([
      { labels: A, timestamps: steps(n, 5), values: [...values(n, 4), Math.PI] },
      { labels: B, timestamps: steps(0, 3), values: [1, 2, 3] },
      { labels: A, timestamps: [T0 + 500, T0 + 1000], values: [7, 8] },
    ]);
    await store.appendRemoteWrite(snappy(good));
    const [a, b] = source.select([{ name: '__name__', type: '=', value: 'rw_undo' }], 0, T0 * 2);
    const expectedA = [...values(0, n), ...values(n, 4), Math.PI];
    expectedA.splice(1, 1, 8); // T0 + 1000 now holds 8 (the last value written wins)
    expectedA.splice(1, 0, 7); // and T0 + 500 is a new sample between the first two
    assert.deepEqual(a.values, expectedA);
    assert.deepEqual(b.values, [1, 2, 3]);
    await s.close();
  });

test('a remote_write request whose last bytes are bad answers 400 and no query finds its samples', async () => {
  const t = await startCollector();
  try {
    const first = encodeWriteRequest([{ labels: A, timestamps: [T0, T0 + 1000], values: [1, 2] }]);
    assert.equal((await postRemoteWrite(t, compressSync(Buffer.from(first)))).status, 204);
    const res = await postRemoteWrite(
      t,
      compressSync(
        malformed([
          { labels: A, timestamps: [T0 + 2000, T0 + 3000], values: [3, 4] },
          { labels: B, timestamps: [T0 + 2000], values: [5] },
        ]),
      ),
    );
    assert.equal(res.status, 400);
    assert.match(
      ((await res.json()) as { error: { message: string } }).error.message,
      /malformed WriteRequest/,
    );
    const query = new URLSearchParams({ query: 'rw_undo[1h]', time: String((T0 + 10_000) / 1000) });
    const body = (await (
      await fetch(`${t.url}/api/v1/query?${query}`, { headers: t.adminHeaders })
    ).json()) as {
      data: { result: { metric: Record<string, string>; values: [number, string][] }[] };
    };
    assert.deepEqual(
      body.data.result.map((r) => [r.metric.series, r.values.map(([, v]) => v)]),
      [['a', ['1', '2']]],
    );
    // B came only in the refused request: the head's statistics do not count it.
    const tsdb = (await (await fetch(`${t.url}/api/v1/status/tsdb`, { headers: t.adminHeaders })).json()) as {
      data: { headStats: { numSeries: number }; seriesCountByLabelValuePair: unknown[] };
    };
    assert.equal(tsdb.data.headStats.numSeries, 1);
    assert.deepEqual(tsdb.data.seriesCountByLabelValuePair.map((p) => (p as { name: string }).name).sort(), [
      '__name__=rw_undo',
      'series=a',
    ]);
  } finally {
    await t.close();
  }
});

test('a series first seen in a malformed remote_write is taken back: not in the index, not counted against the limits, not stored', async () => {
  const s = openStore(undefined, { limits: { maxSeries: 2 } });
  const { store, source } = s;
  const snappy = (b: Uint8Array) => compressSync(Buffer.from(b));
  await store.appendRemoteWrite(snappy(encodeWriteRequest([{ labels: A, timestamps: [T0], values: [1] }])));
  const figures = () => ({
    size: store.index.size,
    metrics: [...store.index.perMetric],
    postings: [...store.index.postings].map(([n, values]) => [n, [...values.keys()]]),
    keyHashes: store.index.keyHashCount,
  });
  const before = figures();
  const ghost: [string, string][] = [
    ['__name__', 'rw_ghost'],
    ['zone', 'z1'],
  ];
  // B and rw_ghost are new, each sent twice (the second time found by its raw bytes).
  const bad = malformed([
    { labels: B, timestamps: [T0], values: [1] },
    { labels: ghost, timestamps: [T0], values: [1] },
    { labels: A, timestamps: [T0 + 1000], values: [2] },
    { labels: B, timestamps: [T0 + 1000], values: [2] },
  ]);
  await assert.rejects(store.appendRemoteWrite(snappy(bad)), ProtobufError);
  await assert.rejects(store.appendRemoteWrite(snappy(bad)), ProtobufError);

  assert.deepEqual(figures(), before);
  const all = [{ name: '__name__', type: '=~' as const, value: '.+' }];
  assert.deepEqual(source.series([all], 0, T0 * 2), [{ __name__: 'rw_undo', series: 'a' }]);
  assert.deepEqual(source.labelNames([], 0, T0 * 2), ['__name__', 'series']);
  assert.deepEqual(source.labelValues('series', [], 0, T0 * 2), ['a']);
  assert.equal(source.hasMetricName('rw_ghost'), false);

  // The limit of 2 series counts A only: a new series still fits, sent well-formed.
  const ok = await store.appendRemoteWrite(
    snappy(encodeWriteRequest([{ labels: ghost, timestamps: [T0], values: [5] }])),
  );
  assert.deepEqual([ok.accepted, ok.rejectedSeries], [1, 0]);
  // Nothing of B reaches SQLite: after a checkpoint and a restart only A and rw_ghost are there.
  store.checkpoint();
  await s.close();
  const again = openStore(s.dir);
  assert.deepEqual(
    again.source.series([all], 0, T0 * 2).map((l) => l.__name__ + (l.series ?? '')),
    ['rw_undoa', 'rw_ghost'],
  );
  await again.close();
});

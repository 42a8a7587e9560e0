import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertUsesIndex } from '@flowrent/shared/testing';
import { readSeriesRow } from '../src/store/store-load.js';
import { SQL } from '../src/store/store-sql.js';
import { STRIPE_IDS } from '../src/store/store-stripes.js';
import { openStore } from './store-helpers.js';

const T0 = 1_764_000_000_000;
const series = (i: number): [string, string][] => [
  ['__name__', 'x'],
  ['i', String(i)],
];

test('a checkpoint rewrites only the stripes that changed and drops a head row once its heads are sealed', async () => {
  const s = openStore(undefined, { clock: () => T0 });
  const n = STRIPE_IDS + 6; // ids 1..1030 (the first id is 1): stripes 0 and 1
  await s.store.appendSamples(Array.from({ length: n }, (_, i) => ({ labels: series(i), t: T0, v: i })));
  s.store.checkpoint();
  const rows = (table: string) =>
    s.store.db.prepare(`SELECT stripe, data FROM ${table} ORDER BY stripe`).all() as {
      stripe: number;
      data: Uint8Array;
    }[];
  const heads1 = rows('head_blocks');
  const series1 = rows('series_blocks');
  assert.deepEqual(
    heads1.map((r) => r.stripe),
    [0, 1],
  );
  assert.deepEqual(
    series1.map((r) => r.stripe),
    [0, 1],
  );

  // A sample for a series of stripe 0: stripe 1's rows stay as they were.
  await s.store.appendSamples([{ labels: series(3), t: T0 + 60_000, v: 7 }]);
  s.store.checkpoint();
  const heads2 = rows('head_blocks');
  assert.notDeepEqual(heads2[0].data, heads1[0].data);
  assert.deepEqual(heads2[1].data, heads1[1].data);
  assert.deepEqual(rows('series_blocks'), series1);

  // Every head of stripe 0 sealed: its chunks become rows of `chunks` and its snapshot row goes.
  for (let id = 0; id < STRIPE_IDS; id++) s.store.heads.sealApp(id);
  s.store.checkpoint();
  assert.deepEqual(
    rows('head_blocks').map((r) => r.stripe),
    [1],
  );
  assert.equal(s.store.db.prepare('SELECT COUNT(*) FROM chunks').pluck().get(), STRIPE_IDS - 1);
  await s.close();

  const again = openStore(s.dir, { clock: () => T0 });
  const got = again.source.select([{ name: '__name__', type: '=', value: 'x' }], 0, T0 * 2);
  assert.equal(got.length, n);
  const three = got.find((g) => g.labels.i === '3')!;
  assert.deepEqual(three.timestamps, [T0, T0 + 60_000]);
  assert.deepEqual(three.values, [3, 7]);
  assert.deepEqual(got.find((g) => g.labels.i === String(n - 1))?.values, [n - 1]);
  await again.close();
});

test('a later TTL rewrites the series row of its stripe and survives a restart', async () => {
  const s = openStore(undefined, { clock: () => T0 });
  await s.store.appendSamples([
    { labels: series(1), t: T0, v: 1, ttlMs: 60_000 },
    { labels: series(2), t: T0, v: 2 },
  ]);
  s.store.checkpoint();
  assert.equal(readSeriesRow(s.store, 1)?.expiresMs, T0 + 60_000);
  await s.store.appendSamples([{ labels: series(1), t: T0 + 1000, v: 1, ttlMs: 3_600_000 }]);
  await s.close();
  const again = openStore(s.dir, { clock: () => T0 });
  assert.deepEqual(readSeriesRow(again.store, 1), {
    id: 1,
    labels: series(1),
    expiresMs: T0 + 1000 + 3_600_000,
  });
  assert.deepEqual(readSeriesRow(again.store, 2), { id: 2, labels: series(2), expiresMs: undefined });
  assert.equal(readSeriesRow(again.store, 3), undefined);
  await again.close();
});

test('stripe and legacy row statements use the integer primary keys', async () => {
  const s = openStore();
  for (const name of ['seriesBlock', 'deleteHeadBlock'] as const)
    assertUsesIndex(s.store.db, SQL[name], [0], 'INTEGER PRIMARY KEY');
  for (const name of ['legacySeriesIn', 'deleteLegacySeriesIn', 'deleteLegacyHeadsIn'] as const)
    assertUsesIndex(s.store.db, SQL[name], [0, STRIPE_IDS], 'INTEGER PRIMARY KEY');
  assertUsesIndex(s.store.db, SQL.legacySeriesRow, [1], 'INTEGER PRIMARY KEY');
  await s.close();
});

test('a TTL that is not a whole number of ms, or too large for the series row, keeps its series after a restart', async () => {
  const now = T0 + 1000;
  const s = openStore(undefined, { clock: () => now });
  // ttl_seconds is any positive JSON number: 86400.0006 s is 86400000.6 ms, 1e20 s overflows the
  // varint's exact range, and 1e309 parses as Infinity.
  const ttls = [86_400_000.6, 86_400_000.2, 1e23, Number.POSITIVE_INFINITY];
  await s.store.appendSamples(ttls.map((ttlMs, i) => ({ labels: series(i), t: T0, v: i, ttlMs })));
  const all = (src: typeof s.source) =>
    src
      .select([{ name: '__name__', type: '=', value: 'x' }], 0, now)
      .map((r) => r.labels.i)
      .sort();
  assert.deepEqual(all(s.source), ['0', '1', '2', '3']);
  await s.close();
  const again = openStore(s.dir, { clock: () => now });
  assert.deepEqual(all(again.source), ['0', '1', '2', '3']);
  const expires = ttls.map(
    (_, i) => again.store.index.byId[again.store.index.findByKey(series(i))!]!.expiresMs!,
  );
  assert.deepEqual(expires.slice(0, 2), [T0 + 86_400_001, T0 + 86_400_001]);
  assert.ok(expires[2] > T0 + 1e15 && expires[3] > T0 + 1e15, String(expires));
  await again.close();
  // The whole-ms expiry still passes: gone once the clock reaches it.
  const later = openStore(s.dir, { clock: () => T0 + 86_400_001 });
  assert.deepEqual(all(later.source), ['2', '3']);
  await later.close();
});

// A database written by the store of commit 7969986 (row-per-series layout, schema 5, samples
// in SQLite and in its write-ahead log; test/fixtures/db-7969986/README.md) opens with this code:
// migration 6, the stripe rows, series expiry and the log replay keep every sample.
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { closeDatabase, openDatabase } from '@flowrent/shared/db';
import { makeTempDir } from '@flowrent/shared/testing';
import type { StoreSampleSource } from '../src/store/store-read.js';
import { parseRetention, RetentionJob } from '../src/store/retention.js';
import { OLD_NOW, oldDatabaseData } from './old-database-data.js';
import { openStore } from './store-helpers.js';

const FIXTURE = decodeURIComponent(new URL('./fixtures/db-7969986/', import.meta.url).pathname);
const DAY = 86_400_000;
const key = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).sort());

/** Every series' samples as written (last write wins per timestamp), by sorted labels. */
function expected(): Map<string, Map<number, string>> {
  const d = oldDatabaseData();
  const out = new Map<string, Map<number, string>>();
  const put = (labels: [string, string][], t: number, v: string) => {
    const k = key(Object.fromEntries(labels));
    const m = out.get(k) ?? new Map<number, string>();
    out.set(k, m.set(t, v));
  };
  for (const s of [...d.checkpointed, ...d.logged]) put(s.labels, s.t, s.stale ? 'stale' : String(s.v));
  for (const s of d.remoteWrite)
    for (const [i, t] of s.timestamps.entries()) put(s.labels, t, String(s.values[i]));
  return out;
}

function assertAllSamples(source: StoreSampleSource): void {
  const want = expected();
  const got = source.select([{ name: '__name__', type: '!~', value: 'ancient|gone' }], 0, OLD_NOW);
  assert.equal(got.length, want.size);
  for (const s of got) {
    const w = want.get(key(s.labels));
    assert.ok(w, `unexpected series ${key(s.labels)}`);
    const ts = [...w.keys()].sort((a, b) => a - b);
    assert.deepEqual(s.timestamps, ts, key(s.labels));
    const values = s.values.map((v, i) => (s.stale?.[i] ? 'stale' : String(v)));
    assert.deepEqual(
      values,
      ts.map((t) => w.get(t)),
      key(s.labels),
    );
  }
}

test('a database of commit 7969986 opens with every sample — checkpointed, only logged, rolled up — and keeps them across restarts', async () => {
  const dir = makeTempDir('metrics-old-db-');
  cpSync(join(FIXTURE, 'metrics-wal'), join(dir, 'metrics-wal'), { recursive: true });
  cpSync(join(FIXTURE, 'metrics.sqlite'), join(dir, 'metrics.db'));
  const old = openDatabase(join(dir, 'metrics.db'));
  const goneId = (
    old
      .prepare(
        "SELECT s.id FROM series s JOIN label_pairs p ON p.value = 'gone' AND s.pairs LIKE p.id || ',%'",
      )
      .get() as {
      id: number;
    }
  ).id;
  closeDatabase(old);
  const open = () => openStore(dir, { clock: () => OLD_NOW, walDir: join(dir, 'metrics-wal') });
  const ancient = (source: StoreSampleSource) =>
    source.select(
      [{ name: '__name__', type: '=', value: 'ancient' }],
      OLD_NOW - 17 * DAY,
      OLD_NOW - 15 * DAY,
    )[0]?.values;

  const first = open();
  assertAllSamples(first.source);
  // 6 h rolled up by the old retention (5 m bucket lasts), then the raw 6 h of its open chunk.
  const a = ancient(first.source)!;
  assert.deepEqual([a.length, a[0], a[71], a[72], a[a.length - 1]], [72 + 360, 4, 359, 360, 719]);
  assert.deepEqual(first.source.select([{ name: '__name__', type: '=', value: 'gone' }], 0, OLD_NOW), []);
  // The start-up checkpoint moved the old rows into stripe blocks and folded the log in.
  const count = (table: string) =>
    (first.store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  assert.deepEqual(['series', 'head_chunks', 'series_blocks'].map(count), [0, 0, 2]);
  await first.close();

  const second = open();
  assertAllSamples(second.source);
  assert.deepEqual(ancient(second.source), a);
  // The first retention pass evicts `gone` (TTL passed) and `ancient` (raw retention passed, its
  // open chunk rolled up too), and removes `gone` from SQLite; a new sample makes a new `gone`.
  assert.deepEqual(new RetentionJob(second.store, parseRetention('raw=15d')).run(OLD_NOW), {
    chunksExpired: 1,
    seriesEvicted: 2,
    seriesRemoved: 1,
  });
  assert.equal(second.store.index.byId[goneId], undefined);
  const lasts = ancient(second.source)!;
  assert.deepEqual([lasts.length, lasts[0], lasts[143]], [144, 4, 719]);
  assertAllSamples(second.source);
  await second.store.appendSamples([
    {
      labels: [
        ['k', 'v'],
        ['__name__', 'gone'],
      ],
      t: OLD_NOW,
      v: 2,
      ttlMs: DAY,
    },
  ]);
  assert.notEqual(
    second.store.index.findByKey([
      ['__name__', 'gone'],
      ['k', 'v'],
    ]),
    goneId,
  );
  await second.close();

  const third = open();
  assertAllSamples(third.source);
  assert.deepEqual(ancient(third.source), lasts);
  const [gone] = third.source.select([{ name: '__name__', type: '=', value: 'gone' }], 0, OLD_NOW);
  assert.deepEqual(gone.values, [2]);
  await third.close();
});

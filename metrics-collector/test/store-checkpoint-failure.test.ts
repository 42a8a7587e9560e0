// Checkpoints that fail for real: SQLite answers SQLITE_FULL (the connection's max_page_count set to
// the database's size, SQLite's own "database or disk is full") or a trigger RAISEs on a write of the
// checkpoint. The process stays up, queries answer from memory, the log keeps every segment, the
// failure is counted and retried with back-off, writes get 503 + Retry-After past
// MAX_UNPERSISTED_BYTES and 204 again once a checkpoint succeeds, and a restart replays everything.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mock, test } from 'node:test';
import type { TestApp } from '@flowrent/shared/testing';
import { compressSync } from 'snappy';
import type { Config } from '../src/config.js';
import { encodeWriteRequest } from '../src/ingest/remote-write-encode.js';
import { CHECKPOINT_RETRY_MIN_MS, StoreBackpressureError } from '../src/store/metrics-store.js';
import { parseRetention, RetentionJob } from '../src/store/retention.js';
import { StoreMaintenance } from '../src/store/store-maintenance.js';
import { readWal } from '../src/store/wal.js';
import { postRemoteWrite, startCollector } from './ingest-helpers.js';
import { openStore } from './store-helpers.js';

const T0 = 1_795_000_000_000;
const HOUR = 3_600_000;
const turn = () => new Promise((r) => setImmediate(r));
const all = (name: string) => [{ name: '__name__', type: '=' as const, value: name }];

/** The next page SQLite needs is refused: SQLITE_FULL on this connection, as on a full disk (after
 * a VACUUM, so that no free page is left to reuse). */
function fillDisk(db: {
  exec: (s: string) => unknown;
  pragma: (s: string, o?: { simple: boolean }) => unknown;
}): void {
  db.exec('VACUUM');
  db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true })}`);
}
function freeDisk(db: { pragma: (s: string) => unknown }): void {
  db.pragma('max_page_count = 4294967294');
}

/** A store whose maintenance tick runs a 1 h raw retention at T0 + 10 h; its errors land in `failures`. */
function storeWithRawRetention() {
  const s = openStore();
  const now = T0 + 10 * HOUR;
  const failures: string[] = [];
  const maintenance = new StoreMaintenance({
    store: s.store,
    retention: new RetentionJob(s.store, parseRetention('raw=1h')),
    clock: () => now,
    intervalMs: 300_000,
    onRetentionError: (err) => failures.push(err.message),
  });
  return { s, now, maintenance, failures };
}

test('a checkpoint failing in the background keeps the sealed chunks and the log; the next good one persists them, and a restart finds every sample', async () => {
  let now = T0;
  const errors: string[] = [];
  const first = openStore(undefined, {
    clock: () => now,
    checkpointSealedBytes: 1,
    maxUnpersistedBytes: 1 << 20,
    onCheckpointError: (err) => errors.push(err.message),
  });
  const { store } = first;
  const samples = (from: number, n: number) =>
    Array.from({ length: n }, (_, i) => ({
      labels: [['__name__', 'ckpt_probe'] as [string, string]],
      t: T0 + (from + i) * HOUR,
      v: from + i,
    }));
  await store.appendSamples(samples(0, 1));
  store.checkpoint(); // the series row is stored: the next checkpoint writes chunks and heads only
  // The head-snapshot write fails after the stripe's sealed chunks were inserted (and, before the
  // fix, dropped from memory): the transaction rolls back.
  store.db.exec(
    "CREATE TRIGGER fail_heads BEFORE INSERT ON head_blocks BEGIN SELECT RAISE(ABORT, 'disk I/O error (test trigger)'); END",
  );
  await store.appendSamples(samples(1, 8)); // 9 hourly samples: a 6 h chunk is sealed
  assert.ok(store.heads.sealedBytes > 0);
  await turn(); // maybeCheckpoint's setImmediate ran, and threw before the fix (process exit)
  assert.deepEqual(errors, ['disk I/O error (test trigger)']);
  assert.equal(store.stats.checkpointFailures, 1);
  assert.equal(store.checkpointTrouble.consecutiveFailures, 1);
  assert.equal(store.checkpointTrouble.retryAtMs, T0 + CHECKPOINT_RETRY_MIN_MS);
  assert.ok(store.heads.sealedBytes > 0, 'the sealed chunks stay in memory');
  assert.equal((store.db.prepare('SELECT count(*) AS n FROM chunks').get() as { n: number }).n, 0);
  const expected = samples(0, 9).map((s) => s.t);
  assert.deepEqual(first.source.select(all('ckpt_probe'), 0, T0 + 10 * HOUR)[0].timestamps, expected);
  assert.equal([...readWal(join(first.dir, 'wal'))].length, 1, 'the log keeps the record');

  // Within the back-off a write does not retry; once it passed, the next one does, and succeeds.
  store.db.exec('DROP TRIGGER fail_heads');
  await store.appendSamples(samples(9, 1));
  await turn();
  assert.equal(store.stats.checkpointFailures, 1);
  assert.equal(errors.length, 1);
  now += CHECKPOINT_RETRY_MIN_MS;
  await store.appendSamples(samples(10, 1));
  await turn();
  assert.equal(store.checkpointTrouble.consecutiveFailures, 0);
  assert.equal(store.heads.sealedBytes, 0);
  assert.ok((store.db.prepare('SELECT count(*) AS n FROM chunks').get() as { n: number }).n > 0);
  assert.equal([...readWal(join(first.dir, 'wal'))].length, 0, 'the good checkpoint dropped the log');
  await first.close();

  const again = openStore(first.dir);
  assert.deepEqual(
    again.source.select(all('ckpt_probe'), 0, T0 + 20 * HOUR)[0].timestamps,
    samples(0, 11).map((s) => s.t),
  );
  await again.close();
});

test('past maxUnpersistedBytes the store refuses appends of every source (scrape, StatsD, rules call appendSamples) and applies nothing of them', async () => {
  let now = T0;
  const s = openStore(undefined, { clock: () => now, checkpointSealedBytes: 1, maxUnpersistedBytes: 1 });
  s.store.db.exec(
    "CREATE TRIGGER fail_heads BEFORE INSERT ON head_blocks BEGIN SELECT RAISE(ABORT, 'disk I/O error (test trigger)'); END",
  );
  const hourly = (name: string, n: number) =>
    Array.from({ length: n }, (_, i) => ({
      labels: [['__name__', name] as [string, string]],
      t: T0 + i * HOUR,
      v: i,
    }));
  await s.store.appendSamples(hourly('ckpt_a', 9)); // seals a chunk; its checkpoint fails
  await turn();
  assert.equal(s.store.stats.checkpointFailures, 1);
  await assert.rejects(s.store.appendSamples(hourly('ckpt_b', 1)), (err) => {
    assert.ok(err instanceof StoreBackpressureError);
    assert.equal(err.backpressure.retryAfterSeconds, 1);
    assert.match(err.message, /1 checkpoints failed, last: disk I\/O error \(test trigger\)/);
    return true;
  });
  assert.equal(s.source.select(all('ckpt_b'), 0, T0 + HOUR).length, 0);
  s.store.db.exec('DROP TRIGGER fail_heads');
  now += CHECKPOINT_RETRY_MIN_MS; // the refused append's retry runs the checkpoint, which succeeds
  assert.equal((await s.store.appendSamples(hourly('ckpt_b', 1))).accepted, 1);
  assert.equal(s.store.checkpointTrouble.consecutiveFailures, 0);
  await s.close();
});

test('a failing retention pass is reported and counted by the maintenance tick, and the next tick finishes it', async () => {
  const { s, maintenance, failures } = storeWithRawRetention();
  const samples = Array.from({ length: 9 }, (_, i) => ({
    labels: [['__name__', 'ckpt_old'] as [string, string]],
    t: T0 + i * HOUR,
    v: i,
  }));
  await s.store.appendSamples(samples); // seals a 6 h chunk, past raw retention at `now`
  s.store.db.exec(
    "CREATE TRIGGER fail_rollups BEFORE INSERT ON rollups BEGIN SELECT RAISE(ABORT, 'disk I/O error (test trigger)'); END",
  );
  await maintenance.runOnce(); // threw from the timer before
  assert.deepEqual(failures, ['disk I/O error (test trigger)']);
  assert.equal(maintenance.retentionFailures, 1);
  assert.equal(s.store.checkpointTrouble.consecutiveFailures, 0, 'the checkpoint itself went through');
  const chunks = () => (s.store.db.prepare('SELECT count(*) AS n FROM chunks').get() as { n: number }).n;
  assert.ok(chunks() > 0, 'the expired chunk is kept until its roll-up is written');
  s.store.db.exec('DROP TRIGGER fail_rollups');
  await maintenance.runOnce();
  assert.equal(maintenance.retentionFailures, 1);
  assert.equal(chunks(), 0);
  assert.ok((s.store.db.prepare('SELECT count(*) AS n FROM rollups').get() as { n: number }).n > 0);
  await s.close();
});

/** A remote_write body of `n` series whose 8 hourly samples start at T0 + k·8 h (each seals a chunk). */
function fillBody(k: number, n = 40, name = 'ckpt_fill'): Buffer {
  return compressSync(
    encodeWriteRequest(
      Array.from({ length: n }, (_, i) => ({
        labels: [
          ['__name__', name],
          ['i', String(i)],
        ] as [string, string][],
        timestamps: Array.from({ length: 8 }, (_, j) => T0 + (k * 8 + j) * HOUR),
        values: Array.from({ length: 8 }, (_, j) => k * 8 + j),
      })),
    ),
  );
}

/** Fills the disk: SQLite may use no new page, and the free room in the pages it has (a fresh
 * table's root page takes a few checkpoints' rows) is used up by writes that checkpoint until one
 * fails. The log then holds the one batch of that failed checkpoint. */
async function fillDiskThroughCheckpoints(t: TestApp<Config>): Promise<void> {
  const { store } = t.app.ingestion;
  fillDisk(t.db);
  for (let i = 0; i < 50; i++) {
    assert.equal((await postRemoteWrite(t, fillBody(i, 40, 'ckpt_warm'))).status, 204);
    await turn();
    if (store.checkpointTrouble.consecutiveFailures > 0) return;
  }
  throw new Error('the checkpoints never failed');
}

/** Writes fill bodies until one is refused; returns the refused batch's number. */
async function writeUntilRefused(t: TestApp<Config>): Promise<{ k: number; refused: Response }> {
  for (let k = 0; k < 50; k++) {
    const res = await postRemoteWrite(t, fillBody(k));
    if (res.status === 503) return { k, refused: res };
    assert.equal(res.status, 204, await res.text());
    await turn();
  }
  throw new Error('never refused');
}

const query = async (t: TestApp<Config>, q: string, time: number) => {
  const res = await fetch(`${t.url}/api/v1/query?query=${encodeURIComponent(q)}&time=${time / 1000}`, {
    headers: t.adminHeaders,
  });
  assert.equal(res.status, 200);
  return ((await res.json()) as { data: { result: { value: [number, string] }[] } }).data.result;
};

test('with a full disk, writes get 503 + Retry-After past MAX_UNPERSISTED_BYTES, queries answer from memory, the timer survives, and writes resume with 204 after a good checkpoint', async () => {
  mock.timers.enable({ apis: ['setInterval'] });
  let now = T0;
  const t = await startCollector({ MAX_UNPERSISTED_BYTES: '2KB' }, () => now);
  try {
    const { store } = t.app.ingestion;
    await fillDiskThroughCheckpoints(t);
    const good = store.stats.checkpoints;
    const { k, refused } = await writeUntilRefused(t);
    assert.equal(store.stats.checkpoints, good, 'no checkpoint got through');
    assert.ok(k >= 2, `several batches were accepted before the limit (${k})`);
    assert.ok(store.stats.checkpointFailures >= 1);
    assert.equal(refused.headers.get('retry-after'), String(CHECKPOINT_RETRY_MIN_MS / 1000));
    const { error } = (await refused.json()) as { error: { code: string; message: string } };
    assert.equal(error.code, 'unavailable');
    assert.match(error.message, /cannot write chunks to disk .*database or disk is full/);
    // The JSON push endpoint is refused too, before anything of it is applied.
    const push = await fetch(`${t.url}/api/metrics`, {
      method: 'POST',
      headers: { ...t.adminHeaders, 'content-type': 'application/json' },
      body: JSON.stringify({
        metrics: [{ name: 'ckpt_push', type: 'gauge', value: 1, timestamp: T0 / 1000 }],
      }),
    });
    assert.equal(push.status, 503);
    assert.equal(push.headers.get('retry-after'), '1');
    assert.equal((await query(t, 'count(ckpt_push)', T0)).length, 0);
    // Everything acknowledged answers from memory; nothing of the refused batch was applied.
    const lastAcked = T0 + ((k - 1) * 8 + 7) * HOUR;
    assert.deepEqual(await query(t, 'count(ckpt_fill)', lastAcked), [
      { metric: {}, value: [lastAcked / 1000, '40'] },
    ]);
    assert.equal((await query(t, 'count(ckpt_fill)', T0 + (k * 8 + 7) * HOUR)).length, 0);
    assert.equal((await fetch(`${t.url}/healthz`)).status, 200);
    // The 5-minute timer's checkpoint fails too, and the process goes on (it threw from the timer).
    const failures = store.stats.checkpointFailures;
    mock.timers.tick(5 * 60_000);
    assert.equal(store.stats.checkpointFailures, failures + 1);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    assert.match(metrics, new RegExp(`^metrics_checkpoint_failures_total ${failures + 1}$`, 'm'));
    assert.match(metrics, /^metrics_checkpoint_consecutive_failures [1-9]\d*$/m);
    assert.match(metrics, /^metrics_unpersisted_sealed_bytes \d{4,}$/m);
    const walRecords = [...readWal(join(t.config.DATA_DIR, 'metrics-wal'))].length;
    assert.equal(walRecords, k + 1, 'the log kept every batch acknowledged since the last good checkpoint');

    // Room again: within the back-off the sender still gets 503, after it the retry is accepted.
    freeDisk(t.db);
    const early = await postRemoteWrite(t, fillBody(k));
    assert.equal(early.status, 503);
    now = store.checkpointTrouble.retryAtMs;
    const retried = await postRemoteWrite(t, fillBody(k));
    assert.equal(retried.status, 204, await retried.text());
    assert.equal(store.checkpointTrouble.consecutiveFailures, 0);
    assert.deepEqual(await query(t, 'count(ckpt_fill)', T0 + (k * 8 + 7) * HOUR), [
      { metric: {}, value: [(T0 + (k * 8 + 7) * HOUR) / 1000, '40'] },
    ]);
    assert.match(
      await (await fetch(`${t.url}/metrics`)).text(),
      /^metrics_checkpoint_consecutive_failures 0$/m,
    );
  } finally {
    await t.close();
    mock.timers.reset();
  }
});

test('a collector stopped while checkpoints fail comes back with every acknowledged sample from the log', async () => {
  const t = await startCollector({ MAX_UNPERSISTED_BYTES: '2KB' }, () => T0);
  await fillDiskThroughCheckpoints(t);
  const { k } = await writeUntilRefused(t);
  await t.close(); // its last checkpoint fails too; the log stays
  const walDir = join(t.config.DATA_DIR, 'metrics-wal');
  assert.equal([...readWal(walDir)].length, k + 1);
  // A fresh database: what comes back, comes from the log alone.
  const restarted = await startCollector({ DATA_DIR: t.config.DATA_DIR }, () => T0);
  try {
    for (let j = 0; j < k; j++) {
      const at = T0 + (j * 8 + 7) * HOUR;
      const series = await query(restarted, `sum(ckpt_fill)`, at);
      assert.deepEqual(series, [{ metric: {}, value: [at / 1000, String(40 * (j * 8 + 7))] }]);
    }
    assert.equal((await query(restarted, 'count(ckpt_fill)', T0 + (k * 8 + 7) * HOUR)).length, 0);
  } finally {
    await restarted.close();
  }
});

test('a retention pass whose checkpoint fails still rolls up and deletes expired chunks; the series leaves memory once a checkpoint succeeds', async () => {
  const { s, now, maintenance, failures } = storeWithRawRetention();
  // 9 hourly samples: a sealed 6 h chunk (persisted below) and an open one; the series' newest
  // sample is past raw retention at `now`, so the pass seals it and checkpoints before evicting.
  await s.store.appendSamples(
    Array.from({ length: 9 }, (_, i) => ({
      labels: all('ret_leaving').map((m) => [m.name, m.value] as [string, string]),
      t: T0 + i * HOUR,
      v: i,
    })),
  );
  s.store.checkpoint();
  s.store.db.exec(
    "CREATE TRIGGER fail_chunks BEFORE INSERT ON chunks BEGIN SELECT RAISE(ABORT, 'disk I/O error (test trigger)'); END",
  );
  const chunks = () => (s.store.db.prepare('SELECT count(*) AS n FROM chunks').get() as { n: number }).n;
  assert.equal(chunks(), 1);
  await maintenance.runOnce();
  assert.deepEqual(failures, [], 'the rest of the pass ran');
  assert.ok(s.store.checkpointTrouble.consecutiveFailures > 0);
  assert.equal(chunks(), 0, 'the expired stored chunk was rolled up and deleted');
  assert.equal(s.store.index.size, 1, 'its head still holds the sealed chunk: not evicted');
  const read = () => s.source.select(all('ret_leaving'), T0, now)[0]?.values;
  assert.deepEqual(read(), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  s.store.db.exec('DROP TRIGGER fail_chunks');
  await maintenance.runOnce();
  assert.equal(s.store.checkpointTrouble.consecutiveFailures, 0);
  assert.equal(s.store.index.size, 0);
  assert.equal(chunks(), 0);
  assert.deepEqual(read(), [0, 1, 2, 3, 4, 5, 6, 7, 8], 'from rollups');
  await s.close();
});

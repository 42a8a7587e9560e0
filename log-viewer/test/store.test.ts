import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { closeDatabase } from '@flowrent/shared/db';
import { tokenize } from '../src/model.js';
import { collect, deleteNow, openTestStore, rec, T0 } from './store-helpers.js';

test('records come back newest first across open and sealed blocks, with cursor paging', async () => {
  const t = openTestStore({ blockRows: 100 });
  await t.store.append(Array.from({ length: 450 }, (_, i) => rec(i)));
  t.store.flush();
  await t.store.append(Array.from({ length: 50 }, (_, i) => rec(450 + i)));
  const all = collect(t.store, {});
  assert.equal(all.length, 500);
  assert.deepEqual(
    all.slice(0, 3).map((r) => r.message),
    ['request 499 handled in 14 ms', 'request 498 handled in 13 ms', 'request 497 handled in 12 ms'],
  );
  for (let i = 1; i < all.length; i++) assert.ok(all[i - 1].timeNs >= all[i].timeNs);
  const seen: number[] = [];
  let cursor: string | undefined;
  do {
    const page: number[] = [];
    const res = t.store.scan({ fromNs: 0n, toNs: T0 * 2n, order: 'asc', limit: 70, cursor }, (r) => {
      page.push(Number(r.attributes.n));
      return true;
    });
    seen.push(...page);
    cursor = res.nextCursor;
  } while (cursor);
  assert.deepEqual(
    seen,
    Array.from({ length: 500 }, (_, i) => i),
  );
  await t.store.close();
  closeDatabase(t.db);
});

test('scan filters by service, level and time, and prunes blocks by token', async () => {
  const t = openTestStore({ blockRows: 100 });
  // One block stream for all services: blocks hold rows 0-99, 100-199, ...; the trace id is in every other one.
  const trace = 'ab'.repeat(16);
  await t.store.append(
    Array.from({ length: 1000 }, (_, i) => rec(i, { traceId: i % 200 === 7 ? trace : '' })),
  );
  t.store.flush();
  const errors = collect(t.store, { services: ['checkout'], minLevel: 'error' });
  assert.ok(errors.length > 0);
  assert.ok(errors.every((r) => r.service === 'checkout' && r.level === 'error'));
  assert.equal(errors.length, 100); // i % 5 == 4 and i even: i = 4, 14, 24, ... (1000 / 10)
  const window = collect(t.store, { fromNs: T0 + 10_000_000n, toNs: T0 + 20_000_000n });
  assert.deepEqual(
    window.map((r) => r.attributes.n),
    [19, 18, 17, 16, 15, 14, 13, 12, 11, 10],
  );
  const hits: number[] = [];
  const res = t.store.scan(
    { fromNs: 0n, toNs: T0 * 2n, order: 'desc', requiredTokens: tokenize(trace) },
    (r) => {
      if (r.traceId === trace) hits.push(Number(r.attributes.n));
      return true;
    },
  );
  assert.deepEqual(hits, [807, 607, 407, 207, 7]);
  assert.ok(res.blocksPruned > 0, 'blocks without the trace id are skipped by their bloom filter');
  await t.store.close();
  closeDatabase(t.db);
});

test('acknowledged records survive a close without sealing', async () => {
  const t = openTestStore();
  await t.store.append([rec(1), rec(2, { message: 'ünïcödé ✓ "quoted"\nsecond line' })]);
  await t.store.close({ seal: false });
  assert.equal(t.store.stats().blocks, 0);
  const again = t.reopen();
  const back = collect(again.store, {});
  assert.deepEqual(
    back.map((r) => r.message),
    ['ünïcödé ✓ "quoted"\nsecond line', 'request 1 handled in 1 ms'],
  );
  assert.deepEqual(back[0].attributes, { user: { id: '2' }, n: 2 });
  // Sealing after the restart does not duplicate, and ids continue.
  again.store.flush();
  await again.store.append([rec(3)]);
  const third = again.reopen();
  const all = collect(third.store, {});
  assert.equal(all.length, 3);
  assert.equal(new Set(all.map((r) => r.seq)).size, 3);
  await third.store.close();
  closeDatabase(third.db);
});

test('histogram counts per level from block summaries', async () => {
  const t = openTestStore({ blockRows: 64 });
  // 300 records one second apart: 5 minutes.
  await t.store.append(
    Array.from({ length: 300 }, (_, i) => rec(i, { timeNs: T0 + BigInt(i) * 1_000_000_000n })),
  );
  t.store.flush();
  await t.store.append([rec(0, { timeNs: T0 + 299_500_000_000n, level: 'fatal' })]);
  const h = t.store.histogram({ fromNs: T0, toNs: T0 + 300_000_000_000n, stepNs: 60_000_000_000n });
  const total = Object.values(h.counts).reduce((n, c) => n + c.reduce((a, b) => a + b, 0), 0);
  assert.equal(total, 301);
  assert.equal(
    h.counts.fatal.reduce((a, b) => a + b, 0),
    1,
  );
  assert.equal(h.stepNs, 60_000_000_000n);
  await t.store.close();
  closeDatabase(t.db);
});

test('small blocks are merged and retention drops whole blocks', async () => {
  const t = openTestStore({ blockRows: 1000 });
  for (let k = 0; k < 5; k++) {
    await t.store.append(Array.from({ length: 20 }, (_, i) => rec(k * 20 + i, { service: 'checkout' })));
    t.store.flush();
  }
  assert.equal(t.store.stats().blocks, 5);
  while (t.store.mergeSmallBlocks()) {}
  assert.equal(t.store.stats().blocks, 1);
  assert.equal(collect(t.store, {}).length, 100);
  await t.store.append([rec(1000, { service: 'old', timeNs: T0 - 90n * 86_400_000_000_000n })]);
  t.store.flush();
  const dropped = t.store.applyRetention({ maxAgeNs: 30n * 86_400_000_000_000n }, T0);
  assert.equal(dropped, 1);
  assert.deepEqual(t.store.stats().services, ['checkout']);
  const bySize = t.store.applyRetention({ maxBytes: 0 }, T0);
  assert.equal(bySize, 100);
  assert.equal(t.store.stats().blocks, 0);
  await t.store.close();
  closeDatabase(t.db);
});

test('a delete counts in a dry run and then removes only matching records', async () => {
  const t = openTestStore({ blockRows: 50 });
  await t.store.append(Array.from({ length: 200 }, (_, i) => rec(i)));
  const q = {
    fromNs: 0n,
    toNs: T0 * 2n,
    predicate: (r: { attributes: Record<string, unknown> }) => r.attributes.n === 42,
  };
  assert.equal(deleteNow(t.store, { ...q, dryRun: true }), 1);
  assert.equal(collect(t.store, {}).length, 200);
  assert.equal(deleteNow(t.store, { ...q, dryRun: false }), 1);
  const left = collect(t.store, {});
  assert.equal(left.length, 199);
  assert.ok(!left.some((r) => r.attributes.n === 42));
  await t.store.close();
  closeDatabase(t.db);
});

test('inbox segments are deleted once their rows are sealed', async () => {
  const t = openTestStore();
  await t.store.append([rec(1)]);
  t.store.flush();
  await t.store.close();
  const files = readdirSync(join(t.dir, 'inbox'));
  assert.ok(files.length <= 1, `at most the current segment remains: ${files}`);
});

test('with the seal worker, full blocks are encoded off the main thread and stay readable throughout', async () => {
  const t = openTestStore({ blockRows: 100, sealWorker: true });
  await t.store.append(Array.from({ length: 450 }, (_, i) => rec(i)));
  assert.equal(collect(t.store, {}).length, 450);
  await new Promise((resolve) => setImmediate(resolve)); // the full-block check runs on setImmediate
  await t.store.sealsSettled();
  assert.ok(t.store.stats().blocks >= 2, `blocks: ${t.store.stats().blocks}`);
  assert.equal(collect(t.store, {}).length, 450);
  assert.equal(new Set(collect(t.store, {}).map((r) => r.seq)).size, 450);
  t.store.flush();
  assert.equal(t.store.stats().openRecords, 0);
  assert.equal(collect(t.store, {}).length, 450);
  await t.store.close();
  closeDatabase(t.db);
  const again = t.reopen();
  assert.equal(collect(again.store, {}).length, 450);
  await again.store.close();
  closeDatabase(again.db);
});

test('the background tick applies retention and gives the space back to the file system', async () => {
  let now = Number(T0 / 1_000_000n);
  const t = openTestStore({
    blockRows: 500,
    clock: () => now,
    retention: { maxAgeNs: 86_400_000_000_000n },
    retentionIntervalMs: 0,
  });
  const big = 'x'.repeat(2000);
  await t.store.append(
    Array.from({ length: 2000 }, (_, i) => rec(i, { message: `${big}${i}`, attributes: { n: i } })),
  );
  t.store.flush();
  const pages = () => t.db.pragma('page_count', { simple: true }) as number;
  const before = pages();
  t.store.maintain();
  assert.equal(t.store.stats().sealedRecords, 2000, 'nothing is old yet');
  now += 2 * 86_400_000;
  t.store.maintain();
  assert.equal(t.store.stats().blocks, 0);
  assert.ok(pages() < before, `pages ${pages()} < ${before}`);
  await t.store.close();
  closeDatabase(t.db);
});

test('merges stop at MAX_BLOCK_RAW_BYTES of text: three blocks of 12.5 MB merge two by two', async () => {
  const t = openTestStore();
  const big = 'x'.repeat(250_000);
  for (let b = 0; b < 3; b++) {
    await t.store.append(Array.from({ length: 50 }, (_, i) => rec(b * 50 + i, { message: `m ${big}` })));
    t.store.flush();
  }
  assert.equal(t.store.stats().blocks, 3);
  while (t.store.mergeSmallBlocks());
  // All three (37.5 MB, 150 rows) would be decoded at once on the main thread: two only.
  assert.equal(t.store.stats().blocks, 2);
  assert.equal(collect(t.store, {}).length, 150);
  await t.store.close();
  closeDatabase(t.db);
});

test('a seal ends a block at MAX_BLOCK_RAW_BYTES of text as at blockRows rows', async () => {
  const t = openTestStore();
  const big = 'x'.repeat(250_000);
  await t.store.append(Array.from({ length: 150 }, (_, i) => rec(i, { message: `m ${big}` })));
  t.store.flush();
  // 37.5 MB of messages: the first block takes what fits in 32 MiB (134 rows), the second the rest.
  assert.deepEqual(
    t.db.prepare('SELECT row_count FROM blocks ORDER BY row_count DESC').pluck().all(),
    [134, 16],
  );
  assert.equal(collect(t.store, {}).length, 150);
  await t.store.close();
  closeDatabase(t.db);
});

test('an ingest worker ends a block at MAX_BLOCK_RAW_BYTES of text too', async () => {
  const t = openTestStore({ sealWorker: true, workers: 1, blockRows: 150 });
  const big = 'x'.repeat(250_000);
  await t.store.append(Array.from({ length: 150 }, (_, i) => rec(i, { message: `m ${big}` })));
  // 150 rows: a whole block's worth, sealed in the worker; its blocks come in one reply, stored together.
  while (t.store.stats().blocks === 0) await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(
    t.db.prepare('SELECT row_count FROM blocks ORDER BY row_count DESC').pluck().all(),
    [134, 16],
  );
  await t.store.close();
  closeDatabase(t.db);
});

test("a stream's open rows are sealed once they hold MAX_BLOCK_RAW_BYTES of text, before blockRows rows", async () => {
  const t = openTestStore();
  const big = 'x'.repeat(250_000);
  await t.store.append(Array.from({ length: 100 }, (_, i) => rec(i, { message: `m ${big}` })));
  await t.store.append(Array.from({ length: 50 }, (_, i) => rec(100 + i, { message: `m ${big}` })));
  await new Promise((resolve) => setImmediate(resolve)); // the seal addBatch() scheduled
  // A search materializes the open rows as it does a block's: 150 rows of 250 KB stay open no longer.
  assert.deepEqual(
    t.db.prepare('SELECT row_count FROM blocks ORDER BY row_count DESC').pluck().all(),
    [134, 16],
  );
  await t.store.close();
  closeDatabase(t.db);
});

// The needle-result cache of the block store: a repeated text query reads no block, and what it
// serves follows every change to the blocks (delete, merge, retention).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closeDatabase } from '@flowrent/shared/db';
import { runDelete, runQuery } from '../src/query/run-query.js';
import { noPause, openTestStore, rec, T0 } from './store-helpers.js';

const NOW = T0 + 3_600_000_000_000n;
const needle = (i: number) => (i % 97 === 5 ? { message: `smtp failed: Mailbox unavailable for ${i}` } : {});

test('a repeated needle query gives the same page from the cache, filtered by time and cursor', async () => {
  const t = openTestStore({ blockRows: 100 });
  await t.store.append(Array.from({ length: 1000 }, (_, i) => rec(i, needle(i))));
  t.store.flush();
  const ask = (more = {}) =>
    runQuery(t.store, { query: '"mailbox unavailable"', from: '2h', limit: 4, nowNs: NOW, ...more });
  const first = ask();
  const again = ask();
  assert.deepEqual(again.records, first.records);
  assert.equal(again.nextCursor, first.nextCursor);
  assert.deepEqual(
    first.records.map((r) => r.attributes.n),
    [975, 878, 781, 684],
  );
  const next = ask({ cursor: first.nextCursor });
  assert.deepEqual(
    next.records.map((r) => r.attributes.n),
    [587, 490, 393, 296],
  );
  const window = ask({ from: T0 + 300_000_000n, to: T0 + 700_000_000n });
  assert.deepEqual(
    window.records.map((r) => r.attributes.n),
    [684, 587, 490, 393],
  );
  // Case and word boundaries are still the predicate's: the cache holds candidates, not answers.
  assert.deepEqual(
    runQuery(t.store, { query: 'MAILBOX', from: '2h', limit: 2, nowNs: NOW }).records.map(
      (r) => r.attributes.n,
    ),
    [975, 878],
  );
  await t.store.close();
  closeDatabase(t.db);
});

test('the cache never serves a block that was rewritten or merged', async () => {
  const t = openTestStore({ blockRows: 100 });
  await t.store.append(Array.from({ length: 400 }, (_, i) => rec(i, needle(i))));
  t.store.flush();
  const ask = () =>
    runQuery(t.store, { query: '"mailbox unavailable"', from: '2h', limit: 10, nowNs: NOW }).records.map(
      (r) => r.attributes.n,
    );
  assert.deepEqual(ask(), [393, 296, 199, 102, 5]);
  assert.equal(
    await runDelete(t.store, { query: 'n:=296', from: '2h', nowNs: NOW, dryRun: false, pause: noPause }),
    1,
  );
  assert.deepEqual(ask(), [393, 199, 102, 5]);
  await t.store.append(Array.from({ length: 30 }, (_, i) => rec(400 + i, needle(400 + i + 86))));
  t.store.flush();
  await t.store.append(Array.from({ length: 30 }, (_, i) => rec(430 + i, needle(430 + i + 50))));
  t.store.flush();
  assert.deepEqual(ask(), [440, 404, 393, 199, 102, 5]);
  while (t.store.mergeSmallBlocks()) {}
  assert.deepEqual(ask(), [440, 404, 393, 199, 102, 5]);
  await t.store.close();
  closeDatabase(t.db);
});

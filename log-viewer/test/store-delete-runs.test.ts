// Deletes by query a block per step (src/store/delete-runs.ts) on a real temp-file SQLite: bounded
// steps, what a query sees between them, merges and retention meanwhile, and a crash in the middle.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closeDatabase } from '@flowrent/shared/db';
import { resumeDeletes, runDelete } from '../src/query/run-query.js';
import type { DeleteQuery } from '../src/store/log-store.js';
import { collect, deleteNow, noPause, openTestStore, rec, T0, type TestStore } from './store-helpers.js';

const RANGE = { fromNs: 0n, toNs: T0 * 2n };
/** Records whose n is a multiple of 3 go. */
const byThree: DeleteQuery = {
  ...RANGE,
  dryRun: false,
  predicate: (r) => Number(r.attributes.n) % 3 === 0,
};

/** `blocks` blocks of `rows` records each (n = 0 …), sealed one by one. */
async function fill(t: TestStore, blocks: number, rows: number): Promise<void> {
  for (let b = 0; b < blocks; b++) {
    await t.store.append(Array.from({ length: rows }, (_, i) => rec(b * rows + i)));
    t.store.flush();
  }
}

const numbers = (t: TestStore): number[] =>
  collect(t.store, {})
    .map((r) => Number(r.attributes.n))
    .sort((a, b) => a - b);

function range(n: number, keep: (i: number) => boolean = () => true): number[] {
  return Array.from({ length: n }, (_, i) => i).filter(keep);
}

test('a delete visits one block per step; between steps every block is whole or rewritten', async () => {
  const t = openTestStore({ blockRows: 50 });
  await fill(t, 6, 50);
  assert.equal(t.store.stats().blocks, 6);
  const run = t.store.startDelete({ ...byThree, text: 'n % 3' });
  let steps = 0;
  let done = false;
  while (!done) {
    done = run.step();
    steps++;
    const seen = numbers(t);
    // The records not taken are all there; the ones taken are gone by whole blocks of 50 numbers.
    assert.deepEqual(
      seen.filter((n) => n % 3 !== 0),
      range(300, (n) => n % 3 !== 0),
    );
    for (let b = 0; b < 6; b++) {
      const taken = range(300, (n) => n % 3 === 0 && Math.floor(n / 50) === b);
      const left = taken.filter((n) => seen.includes(n)).length;
      assert.ok(left === 0 || left === taken.length, `block ${b} half deleted after step ${steps}`);
    }
  }
  assert.equal(steps, 6);
  assert.equal(run.matched, 100);
  assert.deepEqual(
    numbers(t),
    range(300, (n) => n % 3 !== 0),
  );
  assert.deepEqual(t.store.unfinishedDeletes(), []);
  // the last commit synced the WAL; the connection is back to NORMAL for ingest
  assert.equal(t.db.pragma('synchronous', { simple: true }), 1);
  await t.store.close();
  closeDatabase(t.db);
});

test('a dry run counts sealed and open records and changes nothing', async () => {
  const t = openTestStore({ blockRows: 50 });
  await fill(t, 2, 50);
  await t.store.append(Array.from({ length: 30 }, (_, i) => rec(100 + i)));
  assert.equal(deleteNow(t.store, { ...byThree, dryRun: true }), 44); // 0..129: 44 multiples of 3
  assert.equal(numbers(t).length, 130);
  assert.deepEqual(t.store.unfinishedDeletes(), []);
  await t.store.close();
  closeDatabase(t.db);
});

test('merges leave the blocks a delete has still to visit, then merge them once it is done', async () => {
  const t = openTestStore({ blockRows: 50 });
  await fill(t, 6, 20); // small blocks: under half of blockRows
  const run = t.store.startDelete({ ...byThree, text: 'n % 3' });
  assert.equal(run.step(), false); // a step decodes about blockRows rows: three blocks of 20
  // The three visited blocks merge; merging one not visited with them would hide its rows from the delete.
  while (t.store.mergeSmallBlocks());
  assert.equal(t.store.stats().blocks, 4);
  while (!run.step());
  assert.equal(run.matched, 40);
  assert.deepEqual(
    numbers(t),
    range(120, (n) => n % 3 !== 0),
  );
  assert.ok(t.store.mergeSmallBlocks(), 'blocks merge again after the delete');
  await t.store.close();
  closeDatabase(t.db);
});

test('a block rewritten by retention or another delete meanwhile is still visited through its replacement', async () => {
  const t = openTestStore({ blockRows: 50 });
  // Two services share blocks; retention trims only checkout's old minute out of each.
  for (let b = 0; b < 4; b++) {
    await t.store.append(
      Array.from({ length: 40 }, (_, i) => {
        const n = b * 40 + i;
        return rec(n, { timeNs: T0 + BigInt(b) * 60_000_000_000n + BigInt(i) * 1_000_000n });
      }),
    );
    t.store.flush();
  }
  const first = t.store.startDelete({ ...byThree, text: 'n % 3' });
  const second = t.store.startDelete({
    ...RANGE,
    dryRun: false,
    text: 'n:<10',
    predicate: (r) => Number(r.attributes.n) < 10,
  });
  assert.equal(first.step(), false); // block 0 visited by the first delete only
  while (!second.step()); // the second rewrites blocks 1-3 the first has still to visit
  const nowNs = T0 + 2n * 60_000_000_000n + 60_000_000_000n;
  t.store.applyRetention(
    { maxAgeNs: 60_000_000_000n * 10n, perService: { checkout: { maxAgeNs: 90_000_000_000n } } },
    nowNs,
  );
  while (!first.step());
  const expected = range(160, (n) => n % 3 !== 0 && n >= 10).filter(
    (n) => !(n % 2 === 0 && Math.floor(n / 40) < 2), // checkout (even n) rows of minutes 0 and 1: expired
  );
  assert.deepEqual(numbers(t), expected);
  assert.deepEqual(t.store.unfinishedDeletes(), []);
  await t.store.close();
  closeDatabase(t.db);
});

test('a crash in the middle of a delete leaves whole blocks and the delete resumes where it stopped', async () => {
  const t = openTestStore({ blockRows: 50 });
  await fill(t, 5, 20);
  const run = t.store.startDelete({ ...byThree, text: 'n:>=0' });
  assert.equal(run.step(), false); // blocks 0-2 (n < 60) visited
  // The process dies: nothing more is written, no shutdown work runs.
  await t.store.close({ seal: false });
  const again = t.reopen();
  const [job] = again.store.unfinishedDeletes();
  assert.deepEqual({ ...job, id: 0 }, { id: 0, query: 'n:>=0', fromNs: 0n, toNs: T0 * 2n, matched: 20 });
  // 3 of 5 blocks done, each whole; merges at start do not touch the 2 still to visit.
  assert.deepEqual(
    numbers(again),
    range(100, (n) => n >= 60 || n % 3 !== 0),
  );
  while (again.store.mergeSmallBlocks());
  assert.equal(again.store.stats().blocks, 3);
  // The recorded text is compiled again: `n:>=0` takes every record, so the blocks not visited go whole.
  const done = await resumeDeletes(again.store, noPause);
  assert.deepEqual(done, [{ id: job.id, matched: 20 + 40 }]);
  assert.deepEqual(
    numbers(again),
    range(60, (n) => n % 3 !== 0),
  );
  assert.deepEqual(again.store.unfinishedDeletes(), []);
  await again.store.close();
  closeDatabase(again.db);
});

test('runDelete() pauses between steps so other work runs during a large delete', async () => {
  const t = openTestStore({ blockRows: 50 });
  await fill(t, 8, 50);
  let pauses = 0;
  const matched = await runDelete(t.store, {
    query: 'n:>=0',
    from: 0n,
    to: T0 * 2n,
    dryRun: true,
    pause: async () => {
      pauses++;
    },
  });
  assert.equal(matched, 400);
  assert.equal(pauses, 7);
  await t.store.close();
  closeDatabase(t.db);
});

test('a block another delete dropped is not visited when a new block reuses its id', async () => {
  const t = openTestStore({ blockRows: 50 });
  await fill(t, 2, 50); // blocks 1 (n 0-49) and 2 (n 50-99): 2 is the highest id
  const second = t.store.startDelete({ ...byThree, text: 'n % 3' });
  const first = t.store.startDelete({
    ...RANGE,
    dryRun: false,
    text: 'n:>=50',
    predicate: (r) => Number(r.attributes.n) >= 50,
  });
  while (!first.step()); // block 2 goes whole: dropped, not rewritten
  // Records that arrive after both deletes started are sealed into a block SQLite gives the freed id.
  await t.store.append(Array.from({ length: 30 }, (_, i) => rec(100 + i)));
  t.store.flush();
  while (!second.step());
  assert.equal(second.matched, 17); // multiples of 3 in 0..49 only
  assert.deepEqual(numbers(t), [...range(50, (n) => n % 3 !== 0), ...range(30).map((i) => 100 + i)]);
  await t.store.close();
  closeDatabase(t.db);
});

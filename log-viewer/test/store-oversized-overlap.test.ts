// An old block over MAX_BLOCK_RAW_BYTES (sealed before 56ae859) has its rows made only when the scan
// visits them (fc2d3ea), after the scan has read the blocks that overlap it in time. Its reader was
// on the store's shared section buffers, which the next block's reader takes: every search over a
// range where another block overlaps it (blocks of other services do) threw "block reader used
// after its section buffers were reused" (a 500). Here: a 35 MiB old block and a small block whose
// rows interleave with it in time, searched whole, for a word and for a needle, in both orders.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closeDatabase } from '@flowrent/shared/db';
import { encodeBlock, MAX_BLOCK_RAW_BYTES } from '../src/store/block-codec.js';
import { toRow } from '../src/store/row.js';
import { collect, openTestStore, rec } from './store-helpers.js';

const ROWS = 140;

test('an oversized old block is searched whole while another block overlaps it in time', async () => {
  const t = openTestStore({ sealWorker: false });
  const big = encodeBlock(
    Array.from({ length: ROWS }, (_, i) =>
      toRow(
        rec(2 * i, { message: `big ${i} common${i === 70 ? ' needle' : ''} ${'x'.repeat(256 * 1024)}` }),
        1 + i,
      ),
    ),
  );
  assert.ok(big.rawBytes > MAX_BLOCK_RAW_BYTES);
  const small = encodeBlock(
    Array.from({ length: ROWS }, (_, i) => toRow(rec(2 * i + 1, { message: `small ${i} common` }), 1000 + i)),
  );
  const sql = (t.store as unknown as { sql: { insertBlock(b: unknown, generation: number): unknown } }).sql;
  sql.insertBlock(big, 0);
  sql.insertBlock(small, 0);
  await t.store.close({ seal: false });
  closeDatabase(t.db);

  const u = t.reopen();
  for (const order of ['asc', 'desc'] as const) {
    const all = collect(u.store, { order });
    assert.equal(all.length, 2 * ROWS, order);
    assert.equal(all.filter((r) => r.message.startsWith('big ')).length, ROWS, order);
    const times = all.map((r) => r.timeNs);
    const sorted = [...times].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    assert.deepEqual(times, order === 'asc' ? sorted : sorted.reverse(), `${order}: in time order`);
    assert.equal(collect(u.store, { order, requiredTokens: ['common'] }).length, 2 * ROWS, order);
    const needle = collect(u.store, { order, requiredTokens: ['needle'] });
    assert.deepEqual(
      needle.map((r) => r.message.slice(0, 20)),
      ['big 70 common needle'],
      order,
    );
  }
  await u.store.close();
  closeDatabase(u.db);
});

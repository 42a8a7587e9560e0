// Black-box #3 (session 8): a query whose token stands only in the attributes (`color:red`, a bare
// `red`) over sealed blocks returned rows twice and missed others, differently on each call. The
// block reader searched such a token in the attribute section alone and never decoded the row
// group's meta, so the scan read the marked rows' times, seqs and levels from whatever the columns
// (reused decompression buffers) held: out of the time range, or another row's seq.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closeDatabase } from '@flowrent/shared/db';
import { openTestStore, rec, T0 } from './store-helpers.js';

test('a token held only in the attributes finds every row of sealed blocks once, within a time range', async () => {
  for (const sealWorker of [false, true]) {
    const t = openTestStore({ sealWorker, blockRows: 8192 });
    const n = 30_000;
    await t.store.append(
      Array.from({ length: n }, (_, i) =>
        rec(i, { message: `m ${i}`, attributes: { color: i % 3 === 0 ? 'red' : 'blue' } }),
      ),
    );
    t.store.flush();
    assert.equal(t.store.stats().openRecords, 0);
    const want = Math.ceil(n / 3);
    for (const [order, fromNs] of [
      ['desc', T0],
      ['asc', T0 + 1n],
      ['desc', 0n],
    ] as const) {
      const seqs: number[] = [];
      t.store.scan({ fromNs, toNs: T0 * 2n, order, requiredTokens: ['red'] }, (r) => {
        assert.equal(r.attributes.color, 'red');
        seqs.push(r.seq);
        return true;
      });
      const expected = fromNs === T0 + 1n ? want - 1 : want; // T0 + 1 ns excludes row 0
      assert.equal(new Set(seqs).size, seqs.length, `${order} from ${fromNs}: no row twice`);
      assert.equal(seqs.length, expected, `${order} from ${fromNs}, sealWorker ${sealWorker}`);
    }
    // paged with cursors, as /api/logs and the export do
    const paged: number[] = [];
    let cursor: string | undefined;
    do {
      const res = t.store.scan(
        { fromNs: T0, toNs: T0 * 2n, order: 'desc', requiredTokens: ['red'], limit: 1000, cursor },
        (r) => paged.push(r.seq) > 0,
      );
      cursor = res.nextCursor;
    } while (cursor);
    assert.equal(paged.length, want);
    assert.equal(new Set(paged).size, want);
    await t.store.close();
    closeDatabase(t.db);
  }
});

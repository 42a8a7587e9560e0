// Searches cut short by their time or block budget and resumed from their cursor, over a real SQLite
// store and over real HTTP: a truncated answer always has a cursor, paging to the end gives every
// match once, and a block a resumed slice decodes again counts once against the search's maxBlocks.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { registerQueryRoutes } from '../src/http/query-routes.js';
import { runHistogram } from '../src/query/run-histogram.js';
import {
  MAX_PAGE_CHARS,
  prepareSearch,
  recordChars,
  runPrepared,
  runPreparedInSlices,
} from '../src/query/run-query.js';
import { openTestStore, rec, T0, type TestStore } from './store-helpers.js';

const N = 600;
const T0_MS = Number(T0 / 1_000_000n);
// A regex query looks at its clock on every record: with a clock that moves 1 ms per look, the
// budget runs out on a record we can name.
const QUERY = 'message:~handled';
const ALL = { query: QUERY, from: T0, to: T0 + BigInt(N) * 1_000_000n };

/** Every match once, newest first, as one unbudgeted scan gives them. */
function allSeqs(t: TestStore): number[] {
  const r = runPrepared(t.store, prepareSearch(ALL), { limit: 10_000 });
  assert.equal(r.truncated, false);
  return r.records.map((x) => x.seq);
}

describe('a search out of budget on its last record, and resumed searches', () => {
  let t: TestStore;
  before(async () => {
    // Even rows sealed first, then odd ones: blocks of 50 rows that overlap in time in pairs.
    t = openTestStore({ blockRows: 50 });
    for (const parity of [0, 1]) {
      await t.store.append(Array.from({ length: N / 2 }, (_, i) => rec(2 * i + parity)));
      t.store.flush();
    }
  });
  after(() => t.store.close());

  it('out of time exactly on the last record: the page is whole, not truncated without a cursor', () => {
    const expected = allSeqs(t);
    assert.equal(expected.length, N);
    for (const budgetMs of [N - 2, N - 1, N, N + 1]) {
      let now = 0; // the deadline is 0 + budgetMs; record k reads k; out of time when k > budgetMs
      const r = runPrepared(t.store, prepareSearch(ALL), { limit: 10_000, budgetMs, clock: () => now++ });
      if (budgetMs < N - 1) {
        assert.equal(r.truncated, true);
        assert.ok(r.nextCursor, `budget ${budgetMs}: truncated needs a cursor`);
      } else {
        assert.equal(r.truncated, false, `budget ${budgetMs}: out of time on the last record`);
        assert.equal(r.nextCursor, undefined);
        assert.deepEqual(
          r.records.map((x) => x.seq),
          expected,
        );
      }
    }
  });

  it('sliced pages paged to the end give every match once, and a truncated page always has a cursor', async () => {
    const expected = allSeqs(t);
    const prepared = prepareSearch(ALL);
    let exactEnds = 0;
    for (let sliceMs = 3; sliceMs <= 40; sliceMs++) {
      for (const limit of [10_000, 97]) {
        let now = 0;
        let cursor: string | undefined;
        const got: number[] = [];
        for (let pages = 0; ; pages++) {
          assert.ok(pages < 1000);
          const r = await runPreparedInSlices(t.store, prepared, {
            limit,
            cursor,
            budgetMs: 5 * sliceMs,
            sliceMs,
            clock: () => now++,
            pause: async () => {},
          });
          for (const x of r.records) got.push(x.seq);
          if (r.truncated) assert.ok(r.nextCursor, `slice ${sliceMs}, limit ${limit}: truncated, no cursor`);
          if (!r.truncated && !r.nextCursor && r.records.length < limit) exactEnds++;
          cursor = r.nextCursor;
          if (!cursor) break;
        }
        assert.deepEqual(got, expected, `slice ${sliceMs}, limit ${limit}`);
      }
    }
    assert.ok(exactEnds > 0);
  });

  it('a histogram out of time on its last record is not truncated', async () => {
    for (const pause of [undefined, async () => {}]) {
      let now = 0;
      const h = await runHistogram(t.store, {
        ...ALL,
        stepNs: 60_000_000_000n,
        budgetMs: N - 1,
        clock: () => now++,
        pause,
      });
      const total = Object.values(h.counts).reduce((s, c) => s + c.reduce((a, b) => a + b, 0), 0);
      if (!pause) assert.equal(total, N);
      assert.equal(h.truncated, total < N, `counted ${total}, truncated ${h.truncated}`);
    }
  });

  it('a block a resumed slice decodes again counts once against maxBlocks', async () => {
    const prepared = prepareSearch(ALL);
    const whole = runPrepared(t.store, prepared, { limit: 10_000 });
    assert.equal(whole.truncated, false);
    assert.ok(whole.blocksScanned >= 12, `${whole.blocksScanned} blocks`);
    for (const sliceMs of [7, 20, 49]) {
      let now = 0;
      let slices = 0;
      const sliced = await runPreparedInSlices(t.store, prepared, {
        limit: 10_000,
        maxBlocks: whole.blocksScanned, // exactly what the search needs
        budgetMs: 1_000_000,
        sliceMs,
        clock: () => now++,
        pause: async () => {
          slices++;
        },
      });
      assert.ok(slices >= 10, `${slices} slices, cut mid-block`);
      assert.equal(sliced.truncated, false, `slice ${sliceMs}: ${sliced.records.length} records`);
      assert.equal(sliced.blocksScanned, whole.blocksScanned);
      assert.deepEqual(
        sliced.records.map((x) => x.seq),
        whole.records.map((x) => x.seq),
      );
    }
  });

  it('pages cut by maxBlocks over overlapping blocks give every match once, each with a cursor', () => {
    const expected = allSeqs(t);
    for (const maxBlocks of [1, 2, 3]) {
      for (const order of ['desc', 'asc'] as const) {
        let cursor: string | undefined;
        const got: number[] = [];
        let pages = 0;
        do {
          assert.ok(++pages < 1000);
          const r = runPrepared(t.store, prepareSearch(ALL), { limit: 10_000, maxBlocks, cursor, order });
          if (r.truncated) assert.ok(r.nextCursor);
          for (const x of r.records) got.push(x.seq);
          cursor = r.nextCursor;
        } while (cursor);
        assert.deepEqual(got, order === 'desc' ? expected : [...expected].reverse(), `${maxBlocks} ${order}`);
        assert.ok(pages > 1);
      }
    }
  });
  it('pages cut by their characters (maxChars) give every match once, each with a cursor', async () => {
    const expected = allSeqs(t);
    const prepared = prepareSearch(ALL);
    for (const maxChars of [1, 3_000, 10_000]) {
      for (const sliced of [false, true]) {
        let cursor: string | undefined;
        const got: number[] = [];
        let pages = 0;
        do {
          assert.ok(++pages < 1000);
          const r = sliced
            ? await runPreparedInSlices(t.store, prepared, {
                limit: 10_000,
                cursor,
                maxChars,
                budgetMs: 1_000_000,
                pause: async () => {},
              })
            : runPrepared(t.store, prepared, { limit: 10_000, cursor, maxChars });
          assert.ok(r.records.length >= 1, 'a page holds at least one record');
          const chars = r.records.reduce((n, x) => n + recordChars(x), 0);
          assert.equal(r.chars, chars);
          // The record that crossed the budget ends the page.
          assert.ok(chars - recordChars(r.records[r.records.length - 1]) < maxChars);
          if (r.truncated) assert.ok(r.nextCursor);
          for (const x of r.records) got.push(x.seq);
          cursor = r.nextCursor;
        } while (cursor);
        assert.deepEqual(got, expected, `maxChars ${maxChars}, sliced ${sliced}`);
        assert.ok(pages > 1);
      }
    }
  });
});

describe('GET /api/logs over real HTTP: an answer of large records is cut at MAX_PAGE_CHARS', () => {
  // 80 records of 250 KB: 20 MB, past MAX_PAGE_CHARS (16 MiB). The image's main thread has a 256 MB
  // heap: 1,800 such records in one answer aborted the process before the cap.
  const BIG = 80;
  let t: TestStore;
  let url: string;
  const app = Fastify();
  before(async () => {
    t = openTestStore({ blockRows: 50 });
    await t.store.append(
      Array.from({ length: BIG }, (_, i) => rec(i, { message: `big ${i} ${'x'.repeat(250_000)}` })),
    );
    t.store.flush();
    registerQueryRoutes(app, { store: t.store, db: t.db, clock: () => T0_MS + 3_600_000 });
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await app.close();
    await t.store.close();
  });

  it('pages of at most MAX_PAGE_CHARS, each truncated with a cursor, give every record once', async () => {
    const got: number[] = [];
    let cursor = '';
    let pages = 0;
    do {
      assert.ok(++pages < 10);
      const q = new URLSearchParams({ query: '*', from: String(T0_MS - 1), to: String(T0_MS + 1000) });
      if (cursor) q.set('cursor', cursor);
      q.set('limit', '10000');
      const res = await fetch(`${url}/api/logs?${q}`);
      assert.equal(res.status, 200);
      const body = (await res.json()) as {
        data: { seq: number }[];
        next_cursor: string | null;
        truncated: boolean;
      };
      assert.ok(body.data.length * 250_000 < MAX_PAGE_CHARS + 250_000, `${body.data.length} records`);
      if (body.next_cursor) assert.equal(body.truncated, true);
      for (const r of body.data) got.push(r.seq);
      cursor = body.next_cursor ?? '';
    } while (cursor);
    assert.equal(pages, 2);
    assert.deepEqual(
      got.sort((a, b) => a - b),
      Array.from({ length: BIG }, (_, i) => i + 1),
    );
  });
});

describe('GET /api/logs over real HTTP, a budget that runs out on the last record of a slice', () => {
  let t: TestStore;
  let url: string;
  let now = 0;
  const app = Fastify();
  before(async () => {
    t = openTestStore({ blockRows: 50 });
    await t.store.append(Array.from({ length: N }, (_, i) => rec(i)));
    t.store.flush();
    registerQueryRoutes(app, {
      store: t.store,
      db: t.db,
      clock: () => T0_MS + 3_600_000,
      budgetClock: () => now++,
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await app.close();
    await t.store.close();
  });

  it('paging to the end returns every matching record exactly once', async () => {
    let exactEnds = 0;
    // Ranges of 90..120 records: a slice visits a fixed number of records, so some end on the last.
    for (let n = 90; n <= 120; n++) {
      const from = T0_MS + 100;
      const want = runPrepared(
        t.store,
        prepareSearch({ query: QUERY, from: T0 + 100_000_000n, to: T0 + BigInt(100 + n) * 1_000_000n }),
        {
          limit: 10_000,
        },
      ).records.map((x) => x.seq);
      assert.equal(want.length, n);
      for (const limit of [1000, 37]) {
        const got: number[] = [];
        let cursor = '';
        for (let pages = 0; ; pages++) {
          assert.ok(pages < 100);
          const q = new URLSearchParams({
            query: QUERY,
            from: String(from),
            to: String(from + n),
            limit: String(limit),
          });
          if (cursor) q.set('cursor', cursor);
          const res = await fetch(`${url}/api/logs?${q}`);
          assert.equal(res.status, 200);
          const body = (await res.json()) as {
            data: { seq: number }[];
            next_cursor: string | null;
            truncated: boolean;
          };
          for (const r of body.data) got.push(r.seq);
          if (body.truncated)
            assert.ok(body.next_cursor, `${n} records, limit ${limit}: truncated without next_cursor`);
          if (!body.truncated && !body.next_cursor && body.data.length < limit && body.data.length > 0)
            exactEnds++;
          if (!body.next_cursor) break;
          cursor = body.next_cursor;
        }
        assert.deepEqual(got, want, `${n} records, limit ${limit}`);
      }
    }
    assert.ok(exactEnds > 0);
  });
});

// runQuery/runHistogram as the bench and other callers use them, over the real block store.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { exportLines } from '../src/http/query-export.js';
import { runHistogram } from '../src/query/run-histogram.js';
import {
  prepareSearch,
  runDelete,
  runPrepared,
  runPreparedInSlices,
  runQuery,
} from '../src/query/run-query.js';
import { logRecord, T0 } from './api-helpers.js';
import { noPause, openTestStore, type TestStore } from './store-helpers.js';

const NOW = T0 + 3_600_000_000_000n;

describe('runQuery() and runHistogram() over the block store', () => {
  let t: TestStore;
  before(async () => {
    t = openTestStore({ blockRows: 500 });
    await t.store.append(
      Array.from({ length: 3000 }, (_, i) => logRecord(i, { timeNs: T0 + BigInt(i) * 1_000_000n })),
    );
    t.store.flush();
  });
  after(() => t.store.close());

  it('takes from/to as strings or ns and returns the newest matches first', () => {
    const r = runQuery(t.store, { query: 'service:checkout level>=error', from: '2h', limit: 5, nowNs: NOW });
    assert.equal(r.records.length, 5);
    assert.ok(r.records.every((x) => x.service === 'checkout' && x.level === 'error'));
    assert.ok(r.records[0].timeNs > r.records[4].timeNs);
    const ns = runQuery(t.store, { query: '', from: T0, to: T0 + 10_000_000n, limit: 100 });
    assert.equal(ns.records.length, 10);
  });

  it('prunes blocks by tokens for a needle', () => {
    const r = runQuery(t.store, { query: '"cart/2999 "', from: '2h', nowNs: NOW });
    assert.equal(r.records.length, 1);
    assert.ok(r.blocksPruned > 0, `scanned ${r.blocksScanned}, pruned ${r.blocksPruned}`);
  });

  it('a page out of budget ends early with a cursor that continues the scan', () => {
    let cursor: string | undefined;
    let pages = 0;
    let truncatedPages = 0;
    let found = 0;
    do {
      const r = runQuery(t.store, {
        query: 'http.status_code:>999',
        from: '2h',
        nowNs: NOW,
        cursor,
        budgetMs: 0,
        maxBlocks: 100,
      });
      found += r.records.length;
      if (r.truncated) truncatedPages++;
      cursor = r.nextCursor;
      assert.ok(++pages < 100);
    } while (cursor);
    assert.equal(found, 0);
    assert.ok(truncatedPages >= 2, `${truncatedPages} truncated pages`);
  });

  it('runPreparedInSlices() gives the page one scan gives, in slices that let other work run', async () => {
    // A clock that moves 1 ms per look: a slice of 20 ms ends after 20 records (a regex query looks
    // at every record), so the page needs several slices and pauses.
    let now = 0;
    const clock = () => now++;
    let pauses = 0;
    const prepared = prepareSearch({ query: 'message:~handled', from: '2h', nowNs: NOW });
    const whole = runPrepared(t.store, prepared, { limit: 150 });
    const sliced = await runPreparedInSlices(t.store, prepared, {
      limit: 150,
      budgetMs: 1_000_000,
      sliceMs: 20,
      clock,
      pause: async () => {
        pauses++;
      },
    });
    assert.ok(pauses >= 5, `${pauses} pauses`);
    assert.equal(sliced.truncated, false);
    assert.deepEqual(
      sliced.records.map((r) => r.seq),
      whole.records.map((r) => r.seq),
    );
    assert.equal(sliced.nextCursor, whole.nextCursor);
  });

  it('runPreparedInSlices() past its whole budget answers what it has, truncated, with a cursor', async () => {
    let now = 0;
    const prepared = prepareSearch({ query: 'message:~nowhere', from: '2h', nowNs: NOW });
    const r = await runPreparedInSlices(t.store, prepared, {
      limit: 10,
      budgetMs: 100,
      sliceMs: 20,
      clock: () => now++,
      pause: async () => {},
    });
    assert.equal(r.records.length, 0);
    assert.equal(r.truncated, true);
    assert.ok(r.nextCursor);
  });

  it('runPreparedInSlices() answers as one scan while rows are sealed, merged and ingested between slices', async () => {
    const own = openTestStore({ blockRows: 64, maxOpenRows: 100_000 });
    try {
      const at = (i: number) => ({ timeNs: T0 + BigInt(i) * 1_000_000n });
      await own.store.append(Array.from({ length: 1500 }, (_, i) => logRecord(i, at(i))));
      own.store.flush(); // small blocks, which a merge rewrites
      await own.store.append(Array.from({ length: 1500 }, (_, i) => logRecord(1500 + i, at(1500 + i))));
      const prepared = prepareSearch({ query: 'message:~handled', from: '2h', nowNs: NOW });
      const whole = runPrepared(own.store, prepared, { limit: 2_500 });
      let now = 0;
      let pauses = 0;
      let merges = 0;
      const sliced = await runPreparedInSlices(own.store, prepared, {
        limit: 2_500,
        budgetMs: 1_000_000,
        sliceMs: 20,
        clock: () => now++,
        pause: async () => {
          pauses++;
          if (pauses === 1) own.store.flush(); // the open rows become blocks
          if (pauses === 2) while (own.store.mergeSmallBlocks()) merges++;
          // Newer rows arrive: after the page's start, so not in it (they sort before its cursor).
          if (pauses === 3) await own.store.append([logRecord(9999, at(4000))]);
        },
      });
      assert.ok(pauses >= 10 && merges > 0, `${pauses} pauses, ${merges} merges`);
      assert.deepEqual(
        sliced.records.map((r) => r.seq),
        whole.records.map((r) => r.seq),
      );
      assert.equal(sliced.nextCursor, whole.nextCursor);
    } finally {
      await own.store.close();
    }
  });

  it('an export pauses between its pages, also between pages that matched nothing', async () => {
    // A page ends after one 50 ms slice; a clock that moves 1 ms per look ends it after 50 records
    // of a regex query. Without a turn of the event loop between pages, an export that matches
    // nothing (no chunk to yield) held the loop, the live tail and ingest for its whole scan.
    let now = 0;
    let pauses = 0;
    const pacing = {
      clock: () => now++,
      pause: async () => {
        pauses++;
      },
    };
    const nothing: string[] = [];
    const none = prepareSearch({ query: 'message:~nowhere', from: '2h', nowNs: NOW });
    for await (const chunk of exportLines(t.store, none, 10_000, 'ndjson', pacing)) nothing.push(chunk);
    assert.deepEqual(nothing, []);
    assert.ok(pauses >= 20, `${pauses} pauses`);

    pauses = 0;
    const some = prepareSearch({ query: 'message:~handled', from: '2h', nowNs: NOW });
    const lines: string[] = [];
    for await (const chunk of exportLines(t.store, some, 2_500, 'ndjson', pacing))
      lines.push(...chunk.trimEnd().split('\n'));
    assert.ok(pauses >= 20, `${pauses} pauses`);
    const whole = runPrepared(t.store, some, { limit: 2_500 });
    assert.deepEqual(
      lines.map((l) => JSON.parse(l).seq),
      whole.records.map((r) => r.seq),
    );
  });

  it('histogram of a service/level query comes from summaries, of a text query from a scan; both agree', async () => {
    const summary = await runHistogram(t.store, {
      query: 'level>=warn',
      from: '2h',
      nowNs: NOW,
      stepNs: 60_000_000_000n,
    });
    const scanned = await runHistogram(t.store, {
      query: 'level>=warn GET',
      from: '2h',
      nowNs: NOW,
      stepNs: 60_000_000_000n,
    });
    assert.equal(summary.source, 'summary');
    assert.equal(scanned.source, 'scan');
    assert.deepEqual(scanned.counts, summary.counts);
    const total = (h: typeof summary) =>
      Object.values(h.counts)
        .flat()
        .reduce((a, b) => a + b, 0);
    assert.equal(total(summary), 1200);
  });

  it('a scanned histogram cut into slices (a pause between) counts what one scan counts', async () => {
    const params = { query: 'level>=warn message:~GET', from: '2h', nowNs: NOW, stepNs: 60_000_000_000n };
    const whole = await runHistogram(t.store, params);
    let now = 0;
    let pauses = 0;
    const sliced = await runHistogram(t.store, {
      ...params,
      clock: () => now++, // 1 ms per look: a 50 ms slice ends after 50 records
      budgetMs: 1_000_000,
      pause: async () => {
        pauses++;
      },
    });
    assert.ok(pauses >= 5, `${pauses} pauses`);
    assert.equal(sliced.truncated, false);
    assert.deepEqual(sliced.counts, whole.counts);
    assert.ok(
      Object.values(whole.counts)
        .flat()
        .reduce((a, b) => a + b, 0) > 1000,
    );
  });

  it('runDelete() counts on a dry run and deletes otherwise', async () => {
    const del = (dryRun: boolean) =>
      runDelete(t.store, { query: 'cart/7', from: '2h', nowNs: NOW, dryRun, pause: noPause });
    assert.equal(await del(true), 1);
    assert.equal(await del(false), 1);
    assert.equal(runQuery(t.store, { query: 'cart/7', from: '2h', nowNs: NOW }).records.length, 0);
  });
});

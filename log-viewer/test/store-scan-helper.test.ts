// The scan helper thread: a text scan over many candidate blocks shares them with a second thread,
// and the records, their order and the cursors are exactly those of a scan on one thread.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closeDatabase } from '@flowrent/shared/db';
import { runQuery } from '../src/query/run-query.js';
import { openTestStore, rec, T0 } from './store-helpers.js';

const NOW = T0 + 3_600_000_000_000n;
/** A needle in about every 37th message, one in an attribute, and rows that hold only one of two words. */
function record(i: number) {
  if (i % 37 === 5) return rec(i, { message: `smtp failed: Mailbox unavailable for ${i}` });
  if (i % 37 === 9) return rec(i, { message: `mailbox full ${i}` });
  if (i === 1234) return rec(i, { attributes: { note: 'MAILBOX Unavailable', n: i } });
  return rec(i);
}

type Store = Parameters<typeof runQuery>[0];

/** Every page of 7, newest first, following cursors. */
function pages(store: Store, query: string) {
  const out: unknown[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 50; page++) {
    const r = runQuery(store, { query, from: '2h', limit: 7, nowNs: NOW, cursor });
    out.push(r.records.map((x) => [x.attributes.n, x.message]));
    cursor = r.nextCursor;
    if (!cursor) break;
  }
  return out;
}

/** Oldest first through the store's scan (what export uses). */
function ascending(store: Store, tokens: string[]) {
  const out: unknown[] = [];
  store.scan({ fromNs: T0, toNs: NOW, requiredTokens: tokens, order: 'asc' }, (r) => {
    out.push(r.attributes.n);
    return true;
  });
  return out;
}

test('text scans read candidate blocks on two threads and return what one thread returns', async () => {
  const alone = openTestStore({ blockRows: 64, scanHelper: false });
  const shared = openTestStore({ blockRows: 64, scanHelper: true });
  for (const t of [alone, shared]) {
    await t.store.append(Array.from({ length: 3000 }, (_, i) => record(i)));
    t.store.flush();
  }
  assert.equal(await alone.store.scanHelperReady(), false);
  assert.equal(await shared.store.scanHelperReady(), true);
  for (const query of ['"mailbox unavailable"', 'mailbox', 'unavailable -smtp', 'mailbox OR full']) {
    assert.deepEqual(pages(shared.store, query), pages(alone.store, query), query);
    const all = (s: typeof alone.store) =>
      runQuery(s, { query, from: '2h', limit: 10_000, nowNs: NOW }).records.map((x) => x.attributes.n);
    assert.deepEqual(all(shared.store), all(alone.store), `${query}, one page`);
  }
  assert.deepEqual(ascending(shared.store, ['mailbox']), ascending(alone.store, ['mailbox']));
  // The helper did read blocks (each query above had dozens of candidate blocks)...
  assert.ok(shared.store.scanHelperBlocks > 0);
  // ...and a repeated query is served from the needle cache its rows went into.
  const before = shared.store.scanHelperBlocks;
  runQuery(shared.store, { query: 'mailbox', from: '2h', limit: 10_000, nowNs: NOW });
  assert.equal(shared.store.scanHelperBlocks, before);
  for (const t of [alone, shared]) {
    await t.store.close();
    closeDatabase(t.db);
  }
});

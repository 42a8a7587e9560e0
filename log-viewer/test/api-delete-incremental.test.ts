// Delete by query over the real server on loopback: it runs a block per turn of the event loop, so
// queries are answered in the middle of a large delete and lose nothing it does not take; a delete cut by a
// crash goes on when the server starts again.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closeDatabase } from '@flowrent/shared/db';
import type { DeleteRun } from '../src/store/log-store.js';
import { type Api, logRecord, startApi, T0 } from './api-helpers.js';

interface Page {
  data: { attributes: { n: number } }[];
}

/** 1,200 records (n = 0 …, n ms after T0), 10 per block: 120 blocks. */
async function fill(api: Api): Promise<void> {
  for (let b = 0; b < 120; b++) {
    await api.store.append(Array.from({ length: 10 }, (_, i) => record(b * 10 + i)));
    api.store.flush();
  }
}

function record(n: number) {
  return logRecord(n, { timeNs: T0 + BigInt(n) * 1_000_000n, attributes: { n } });
}

async function numbers(api: Api): Promise<number[]> {
  const out: number[] = [];
  let cursor = '';
  for (;;) {
    const res = await api.json<Page & { next_cursor: string | null }>(
      `/api/logs?query=*&from=1d&limit=10000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    assert.equal(res.status, 200);
    out.push(...res.body.data.map((r) => r.attributes.n));
    if (!res.body.next_cursor) return out.sort((a, b) => a - b);
    cursor = res.body.next_cursor;
  }
}

test('a large delete lets queries run between its steps, and they lose no record it does not take', async () => {
  const api = await startApi({}, { store: { blockRows: 10 } });
  await fill(api);
  let steps = 0;
  const startDelete = api.store.startDelete.bind(api.store);
  api.store.startDelete = (query) => {
    const run = startDelete(query);
    const counted: DeleteRun = {
      get matched() {
        return run.matched;
      },
      step: () => {
        steps++;
        return run.step();
      },
      abandon: () => run.abandon(),
    };
    return counted;
  };
  const del = api.json<{ data: { matched: number; deleted: number } }>('/api/logs/delete', {
    method: 'POST',
    body: JSON.stringify({ query: 'n:<600', from: '1d', dry_run: false }),
  });
  let finished = false;
  void del.then(() => {
    finished = true;
  });
  const seenAt: number[] = [];
  while (!finished) {
    const at = steps;
    const seen = await numbers(api);
    if (finished) break;
    seenAt.push(at);
    // Records the delete does not take are all there, once; of the others, those not deleted yet.
    // (A page cut into slices sees each block as it is when its slice reads it, as in Loki: the
    // store-level test checks that a block is only ever seen whole or rewritten.)
    assert.deepEqual(
      seen.filter((n) => n >= 600),
      Array.from({ length: 600 }, (_, i) => 600 + i),
    );
    assert.equal(new Set(seen).size, seen.length);
  }
  const res = await del;
  assert.equal(res.status, 200);
  assert.deepEqual(res.body.data, { matched: 600, deleted: 600, dry_run: false });
  assert.ok(steps >= 60, `${steps} steps`);
  assert.ok(seenAt.length > 0 && seenAt[0] < steps, `queries answered during the delete at steps ${seenAt}`);
  assert.deepEqual(
    await numbers(api),
    Array.from({ length: 600 }, (_, i) => 600 + i),
  );
  await api.close();
});

test('a delete cut by a crash finishes once the server has started again', async () => {
  const first = await startApi({}, { store: { blockRows: 10 } });
  await fill(first);
  const run = first.store.startDelete({
    fromNs: 0n,
    toNs: BigInt(Date.UTC(2100, 0)) * 1_000_000n,
    dryRun: false,
    text: 'service:checkout',
    predicate: (r) => r.service === 'checkout',
  });
  for (let i = 0; i < 10; i++) run.step();
  // The process dies in the middle: no shutdown work.
  await first.app.close();
  await first.store.close({ seal: false });
  closeDatabase(first.db);

  const api = await startApi({}, { dataDir: first.dataDir, store: { blockRows: 10 } });
  while (api.store.unfinishedDeletes().length > 0) await new Promise((resolve) => setImmediate(resolve));
  const left = await numbers(api);
  // logRecord(): even numbers are checkout.
  assert.deepEqual(
    left,
    Array.from({ length: 600 }, (_, i) => 2 * i + 1),
  );
  await api.close();
});

// Retention with budgets that keep some data: by total size the oldest blocks go first and the
// newest stay, stopping once under the budget; by age per service, a service's old rows go while
// the others' stay, in blocks of their own or shared.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closeDatabase } from '@flowrent/shared/db';
import { collect, openTestStore, rec, T0 } from './store-helpers.js';

const HOUR_NS = 3_600_000_000_000n;

/** Stored bytes of each block, oldest first (what the size budget counts). */
function blockSizes(t: ReturnType<typeof openTestStore>): { maxMs: number; bytes: number }[] {
  return t.db.prepare('SELECT max_ms AS maxMs, stored_bytes AS bytes FROM blocks ORDER BY max_ms').all() as {
    maxMs: number;
    bytes: number;
  }[];
}

test('a size budget drops the oldest blocks until the rest fits, and keeps the newest', async () => {
  const t = openTestStore({ blockRows: 100 });
  // Six blocks of 100 rows, one per hour (hour 0 oldest).
  for (let h = 0; h < 6; h++) {
    await t.store.append(
      Array.from({ length: 100 }, (_, i) =>
        rec(h * 100 + i, { timeNs: T0 + BigInt(h) * HOUR_NS + BigInt(i) }),
      ),
    );
    t.store.flush();
  }
  const sizes = blockSizes(t);
  assert.equal(sizes.length, 6);
  // Room for the three newest blocks and one byte: the three oldest must go, no more.
  const budget = sizes.slice(3).reduce((n, b) => n + b.bytes, 0) + 1;
  const dropped = t.store.applyRetention({ maxBytes: budget }, T0 + 6n * HOUR_NS);
  assert.equal(dropped, 300);
  assert.deepEqual(
    blockSizes(t).map((b) => b.maxMs),
    sizes.slice(3).map((b) => b.maxMs),
  );
  assert.ok(t.store.stats().storedBytes <= budget);
  const left = collect(t.store, {}).map((r) => Number(r.attributes.n));
  assert.equal(left.length, 300);
  assert.equal(Math.min(...left), 300);
  assert.equal(Math.max(...left), 599);
  // Within budget already: nothing more goes.
  assert.equal(t.store.applyRetention({ maxBytes: budget }, T0 + 6n * HOUR_NS), 0);
  await t.store.close();
  closeDatabase(t.db);
});

test("a per-service age drops that service's old rows only, from its own blocks and shared ones", async () => {
  const t = openTestStore({ blockRows: 100 });
  for (let h = 0; h < 6; h++) {
    // Each hour: a block shared by both services, then one of the noisy service alone.
    await t.store.append(
      Array.from({ length: 100 }, (_, i) =>
        rec(h * 1000 + i, {
          service: i % 2 === 0 ? 'noisy' : 'billing',
          timeNs: T0 + BigInt(h) * HOUR_NS + BigInt(i) * 1_000_000n,
        }),
      ),
    );
    t.store.flush();
    await t.store.append(
      Array.from({ length: 100 }, (_, i) =>
        rec(h * 1000 + 500 + i, {
          service: 'noisy',
          timeNs: T0 + BigInt(h) * HOUR_NS + 1_800_000_000_000n + BigInt(i) * 1_000_000n,
        }),
      ),
    );
    t.store.flush();
  }
  const now = T0 + 6n * HOUR_NS;
  t.store.applyRetention({ perService: { noisy: { maxAgeNs: 2n * HOUR_NS } } }, now);
  const left = collect(t.store, {});
  const noisy = left.filter((r) => r.service === 'noisy');
  const billing = left.filter((r) => r.service === 'billing');
  assert.equal(billing.length, 6 * 50, 'billing has no age limit: every row stays');
  assert.ok(noisy.length > 0, 'the noisy service keeps its last two hours');
  assert.ok(noisy.every((r) => r.timeNs >= now - 2n * HOUR_NS));
  // Hours 4 and 5 are younger than 2 h, whole: 50 shared + 100 own rows each.
  assert.equal(noisy.length, 2 * 150);
  await t.store.close();
  closeDatabase(t.db);
});

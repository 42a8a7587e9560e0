// ScanFilter.minSeq: what a live tail's reconnect asks for (the lines appended since its last one,
// whatever their time). Blocks sealed or open whose rows all came before it are not read.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closeDatabase } from '@flowrent/shared/db';
import type { StoredRecord } from '../src/model.js';
import { openTestStore, rec, T0 } from './store-helpers.js';

test('scan with minSeq reads only the blocks holding rows appended after it, sealed and open', async () => {
  const t = openTestStore({ blockRows: 100 });
  await t.store.append(Array.from({ length: 450 }, (_, i) => rec(i)));
  t.store.flush();
  const before: StoredRecord[] = [];
  t.store.scan({ fromNs: 0n, toNs: T0 * 2n, order: 'asc' }, (r) => before.push(r) > 0);
  const since = Math.max(...before.map((r) => r.seq));
  // after it: older times than everything sealed (a shipper catching up), then a sealed block
  await t.store.append(Array.from({ length: 120 }, (_, i) => rec(i, { message: `late ${i}` })));
  t.store.flush();
  await t.store.append(Array.from({ length: 5 }, (_, i) => rec(1000 + i, { message: `open ${i}` })));
  const after: StoredRecord[] = [];
  const res = t.store.scan({ fromNs: 0n, toNs: T0 * 2n, order: 'desc', minSeq: since }, (r) => {
    if (r.seq > since) after.push(r);
    return true;
  });
  assert.equal(after.length, 125);
  assert.ok(after.every((r) => r.message.startsWith('late') || r.message.startsWith('open')));
  const all = t.store.scan({ fromNs: 0n, toNs: T0 * 2n, order: 'desc' }, () => true);
  assert.equal(res.visited < all.visited, true, `${res.visited} visited with minSeq, ${all.visited} without`);
  assert.ok(res.blocksScanned <= 3, `${res.blocksScanned} blocks read (the 120 late rows and the open ones)`);
  await t.store.close();
  closeDatabase(t.db);
});

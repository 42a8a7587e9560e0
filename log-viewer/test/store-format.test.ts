import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closeDatabase } from '@flowrent/shared/db';
import { tokenize } from '../src/model.js';
import { collect, openTestStore, rec, T0 } from './store-helpers.js';

// A block written by the format-2 encoder (one service per block, the service outside the block):
// rows 0, 2, 4, 6, 8 of rec() with service 'legacy' and seqs 100-108; row 4 has trace id cd…cd.
const V2_BLOCK = {
  data: 'AnYAAABBAAAARQAAABEAAAAotS/9IMRtAwCUBQWgnerDwmgAAgICAgDIAQQEBAQAAQIAAxkAAAEAAAQCCQRJTkZPBXdlYi0xBm5kanNvbg57ImVudiI6InByb2QifQEJBURFQlVHBAkFRVJST1IDCQRXQVJOBwBGMQYwPI5iEJSCCyhtrOALKLUv/SB9xQEARAJyZXF1ZXN0IDAgaGFuZGxlZCBpbiAwIG1zMjI0NDY2ODggbXMIAIALMA5wBgwB/IDBABcxMccotS/9IH3lAQCUAnsidXNlciI6eyJpZCI6IjAifSwibiI6MH0yMjQ0NjY4In0sIm4iOjh9BwAACcgOIAYyAehAxuJu4gEotS/9ICBFAAAQY2QBAIkOCw==',
  bloom: 'AQYAAgAAAAJ5gAIIioQOIIIICWEQIAACCkgGqANQAAAEEJMABAwAESAWQAYRkaAABkGAABJEAAIQIAEAFWBQwiAlACCEAA==',
  minuteCounts: [29927264, 2, 2, 29927264, 1, 1, 29927264, 4, 1, 29927264, 3, 1],
  levelCounts: [0, 1, 2, 1, 1, 0],
  minMs: 1795635890000,
  maxMs: 1795635890008,
  rawBytes: 547,
};

test('format-2 per-service blocks stay readable, filterable and mergeable after the upgrade', async () => {
  let t = openTestStore();
  const id = Number(
    t.db
      .prepare(
        `INSERT INTO blocks (service, min_ms, max_ms, row_count, min_seq, max_seq, level_counts, minute_counts,
           raw_bytes, stored_bytes, generation, format) VALUES ('legacy', ?, ?, 5, 100, 108, ?, ?, ?, 0, 0, 2)`,
      )
      .run(
        V2_BLOCK.minMs,
        V2_BLOCK.maxMs,
        JSON.stringify(V2_BLOCK.levelCounts),
        JSON.stringify(V2_BLOCK.minuteCounts),
        V2_BLOCK.rawBytes,
      ).lastInsertRowid,
  );
  t.db
    .prepare('INSERT INTO block_data (block_id, data) VALUES (?, ?)')
    .run(id, Buffer.from(V2_BLOCK.data, 'base64'));
  t.db
    .prepare('INSERT INTO block_blooms (block_id, bloom) VALUES (?, ?)')
    .run(id, Buffer.from(V2_BLOCK.bloom, 'base64'));
  t.db.prepare(`INSERT INTO seal_marks (service, max_seq) VALUES ('legacy', 108)`).run();
  await t.store.close({ seal: false });
  t = t.reopen();

  const legacy = collect(t.store, { services: ['legacy'] });
  assert.deepEqual(
    legacy.map((r) => [r.seq, r.service, r.attributes.n]),
    [
      [108, 'legacy', 8],
      [106, 'legacy', 6],
      [104, 'legacy', 4],
      [102, 'legacy', 2],
      [100, 'legacy', 0],
    ],
  );
  assert.equal(collect(t.store, { services: ['checkout'] }).length, 0);
  const traced = collect(t.store, { requiredTokens: tokenize('cd'.repeat(16)) });
  assert.ok(traced.some((r) => r.traceId === 'cd'.repeat(16)));
  const h = t.store.histogram({
    fromNs: T0 - 3_600_000_000_000n,
    toNs: T0 + 3_600_000_000_000n,
    stepNs: 60_000_000_000n,
    services: ['legacy'],
  });
  assert.equal(
    Object.values(h.counts)
      .flat()
      .reduce((a, b) => a + b, 0),
    5,
  );

  // New rows go to format-3 blocks; a small legacy block merges with them into one.
  await t.store.append(Array.from({ length: 10 }, (_, i) => rec(20 + i)));
  t.store.flush();
  assert.equal(t.store.stats().blocks, 2);
  while (t.store.mergeSmallBlocks()) {}
  assert.equal(t.store.stats().blocks, 1);
  assert.deepEqual(t.store.stats().services, ['checkout', 'legacy', 'payments']);
  assert.equal(collect(t.store, { services: ['legacy'] }).length, 5);
  assert.equal(collect(t.store, { services: ['payments'] }).length, 5);
  assert.equal(collect(t.store, {}).length, 15);
  await t.store.close();
  closeDatabase(t.db);
});

// A block written by the format-3 encoder (one stream, attributes as whole JSON objects): rec() rows
// 1 (legacy3), 2 (billing) and 3 (legacy3) with seqs 201-203.
const V3_BLOCK = {
  data: 'A30AAAA2AAAAOQAAAAkAAAAotS/9IKalAwB0BgOinerDwmgAAQEAAACSAwICAAICAAAAAAECGQAAAAMCCQRJTkZPBXdlYi0xBm5kanNvbg57ImVudiI6InByb2QifQdsZWdhY3kzAQkFREVCVUdiaWxsaW5nAwkEV0FSTmxlZ2FjeTMDAE7d6p66cAGMASi1L/0gS20BAAQCcmVxdWVzdCAxIGhhbmRsZWQgaW4gMSBtczIyMzMgbXMEAIALMA5wFhMTDyi1L/0gS4UBAFQCeyJ1c2VyIjp7ImlkIjoiMSJ9LCJuIjoxfTIyMyJ9LCJuIjozfQMAAAnIbtzNMSi1L/0gAAEAAA==',
  bloom: 'AQYAAgAAAAJxkBKACoQOAIIJCEEBIAACikhCCAMQAAgAEJMABAAAESAQAAARwSAAJkGAABBEAAgAIAEAFiASQiAlCCDEAA==',
  minuteCounts: [29927264, 2, 1, 1, 29927264, 1, 1, 0, 29927264, 3, 1, 1],
  levelCounts: [0, 1, 1, 1, 0, 0],
  services: ['billing', 'legacy3'],
  minMs: 1795635890001,
  maxMs: 1795635890003,
  rawBytes: 309,
};

test('format-3 blocks (whole JSON attributes) stay readable next to format-4 ones', async () => {
  let t = openTestStore();
  const id = Number(
    t.db
      .prepare(
        `INSERT INTO blocks (service, min_ms, max_ms, row_count, min_seq, max_seq, level_counts, minute_counts,
           raw_bytes, stored_bytes, generation, format, services) VALUES ('', ?, ?, 3, 201, 203, ?, ?, ?, 0, 0, 3, ?)`,
      )
      .run(
        V3_BLOCK.minMs,
        V3_BLOCK.maxMs,
        JSON.stringify(V3_BLOCK.levelCounts),
        JSON.stringify(V3_BLOCK.minuteCounts),
        V3_BLOCK.rawBytes,
        JSON.stringify(V3_BLOCK.services),
      ).lastInsertRowid,
  );
  t.db
    .prepare('INSERT INTO block_data (block_id, data) VALUES (?, ?)')
    .run(id, Buffer.from(V3_BLOCK.data, 'base64'));
  t.db
    .prepare('INSERT INTO block_blooms (block_id, bloom) VALUES (?, ?)')
    .run(id, Buffer.from(V3_BLOCK.bloom, 'base64'));
  await t.store.close({ seal: false });
  t = t.reopen();
  const old = collect(t.store, { services: ['legacy3'] });
  assert.deepEqual(
    old.map((r) => [r.seq, r.attributes]),
    [
      [203, { user: { id: '3' }, n: 3 }],
      [201, { user: { id: '1' }, n: 1 }],
    ],
  );
  const h = t.store.histogram({
    fromNs: T0 - 3_600_000_000_000n,
    toNs: T0 + 3_600_000_000_000n,
    stepNs: 60_000_000_000n,
    services: ['billing'],
  });
  assert.equal(
    Object.values(h.counts)
      .flat()
      .reduce((a, b) => a + b, 0),
    1,
  );
  await t.store.append([rec(10, { attributes: { k: 'v', nested: { a: [1, 2] } } })]);
  t.store.flush();
  while (t.store.mergeSmallBlocks()) {}
  assert.equal(t.store.stats().blocks, 1);
  const all = collect(t.store, {});
  assert.deepEqual(
    all.map((r) => r.attributes),
    [
      { k: 'v', nested: { a: [1, 2] } },
      { user: { id: '3' }, n: 3 },
      { user: { id: '2' }, n: 2 },
      { user: { id: '1' }, n: 1 },
    ],
  );
  await t.store.close();
  closeDatabase(t.db);
});

test('one block stream: services share a block, histograms and retention stay per service', async () => {
  const t = openTestStore();
  await t.store.append(Array.from({ length: 100 }, (_, i) => rec(i)));
  t.store.flush();
  assert.equal(t.store.stats().blocks, 1);
  const step = 60_000_000_000n;
  const h = t.store.histogram({
    fromNs: T0 - 3_600_000_000_000n,
    toNs: T0 + 3_600_000_000_000n,
    stepNs: step,
    services: ['checkout'],
  });
  assert.equal(
    Object.values(h.counts)
      .flat()
      .reduce((a, b) => a + b, 0),
    50,
  );
  const errors = collect(t.store, { services: ['payments'], minLevel: 'warn' });
  assert.ok(
    errors.length > 0 &&
      errors.every((r) => r.service === 'payments' && (r.level === 'warn' || r.level === 'error')),
  );

  const day = 86_400_000_000_000n;
  const dropped = t.store.applyRetention({ perService: { payments: { maxAgeNs: day } } }, T0 + 2n * day);
  assert.equal(dropped, 50);
  assert.deepEqual(t.store.stats().services, ['checkout']);
  assert.equal(collect(t.store, {}).length, 50);
  assert.equal(t.store.applyRetention({ perService: { payments: { maxAgeNs: day } } }, T0 + 2n * day), 0);
  assert.equal(t.store.applyRetention({ maxAgeNs: day }, T0 + 2n * day), 50);
  assert.equal(t.store.stats().blocks, 0);
  await t.store.close();
  closeDatabase(t.db);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closeDatabase } from '@flowrent/shared/db';
import { deleteNow, openTestStore, rec } from '../../test/store-helpers.js';
import { BlockDb } from './block-db.js';
import { BlockReader } from './block-reader.js';
import { bloomMayMatch, lacksAttrHexFilter, lacksHexFilters, tokenHash } from './bloom.js';
import { SealedBlocks } from './sealed-blocks.js';
import { version4BlockBloom } from './testing/reference-blooms.js';

/**
 * Blocks written before version 5 get the filter the version-4 encoder wrote, rebuilt from their
 * rows (the store closed and its database kept open): the cache keeps other parts of them.
 */
function useVersion4Filters(t: ReturnType<typeof openTestStore>): void {
  for (const id of t.db.prepare('SELECT id FROM blocks').pluck().all() as number[]) {
    const data = t.db.prepare('SELECT data FROM block_data WHERE block_id = ?').pluck().get(id) as Buffer;
    const bloom = version4BlockBloom(new BlockReader(data, '').allRows());
    t.db.prepare('UPDATE block_blooms SET bloom = ? WHERE block_id = ?').run(bloom, id);
  }
}

/** A BlockDb that counts the filters read back from SQLite. */
class CountingDb extends BlockDb {
  reads = 0;
  override selectBloom(id: number): Buffer | undefined {
    this.reads++;
    return super.selectBloom(id);
  }
}

for (const version of [5, 4])
  test(`the filter cache keeps word filters until a hex token reads the whole filter from SQLite (version ${version})`, async () => {
    const t = openTestStore();
    const records = Array.from({ length: 4000 }, (_, i) => rec(i));
    records[100] = rec(100, { message: 'unexpected zanzibarquux flag' });
    records[3900] = rec(3900, { attributes: { code: 'beef42' } });
    for (let b = 0; b < 2; b++) {
      await t.store.append(records.slice(b * 2000, (b + 1) * 2000));
      t.store.flush();
    }
    await t.store.close();
    if (version === 4) useVersion4Filters(t);
    const db = new CountingDb(t.db);
    const sealed = new SealedBlocks(db, undefined);
    for (const b of db.selectAllBlocks()) sealed.blocks.set(b.id, b);
    sealed.preloadBlooms();
    const ids = [...sealed.blocks.keys()];
    assert.equal(ids.length, 2);
    db.reads = 0;
    const word = [tokenHash('zanzibarquux')];
    const hex = [tokenHash('beef42')];
    for (const id of ids) {
      const whole = t.db
        .prepare('SELECT bloom FROM block_blooms WHERE block_id = ?')
        .pluck()
        .get(id) as Buffer;
      assert.equal(whole[0], version);
      const cached = sealed.bloom(id, word)!;
      if (version === 4) assert.ok(lacksHexFilters(cached));
      assert.ok(cached.length * 10 < whole.length, `${cached.length} of ${whole.length} bytes kept`);
      // Word tokens: the cached filters answer as the whole filter does; hex tokens: only the whole can.
      for (const token of ['zanzibarquux', 'unexpected', 'request', 'nosuchword', 'user'])
        assert.equal(
          bloomMayMatch(cached, [tokenHash(token)]),
          bloomMayMatch(whole, [tokenHash(token)]),
          token,
        );
      assert.ok(bloomMayMatch(cached, hex), 'cannot rule out a hex token');
      assert.equal(db.reads, 0, 'word tokens need no read');
      assert.deepEqual(sealed.bloom(id, hex), whole);
      assert.equal(db.reads, 1);
      // Read once for a hex token, the whole filter is then kept in place of the word filters.
      assert.deepEqual(sealed.bloom(id, [...word, ...hex]), whole);
      assert.deepEqual(sealed.bloom(id), whole, 'callers that give no tokens get the whole filter');
      assert.deepEqual(sealed.bloom(id, word), whole);
      assert.equal(db.reads, 1);
      db.reads = 0;
    }
    // Each token lies in one block: the other block's filters rule it out.
    assert.deepEqual(
      ids.map((id) => bloomMayMatch(sealed.bloom(id, word)!, word)),
      [true, false],
    );
    assert.deepEqual(
      ids.map((id) => bloomMayMatch(sealed.bloom(id, hex)!, hex)),
      [false, true],
    );
    closeDatabase(t.db);
  });

test('a store prunes by the cached word filters and by the hex filters it reads back, exactly', async () => {
  let t = openTestStore();
  const records = Array.from({ length: 6000 }, (_, i) => rec(i));
  records[100] = rec(100, { message: 'unexpected zanzibarquux flag' });
  records[5900] = rec(5900, { attributes: { code: 'beef42' } });
  for (let b = 0; b < 3; b++) {
    await t.store.append(records.slice(b * 2000, (b + 1) * 2000));
    t.store.flush();
  }
  const scan = (tokens: string[]) => {
    const hits: string[] = [];
    const r = t.store.scan({ fromNs: 0n, toNs: 2n ** 62n, order: 'desc', requiredTokens: tokens }, (rec) => {
      hits.push(rec.message);
      return true;
    });
    return { hits, pruned: r.blocksPruned };
  };
  for (let round = 0; round < 2; round++) {
    // Blocks added at seal time, then preloaded at start.
    assert.deepEqual(scan(['zanzibarquux']), { hits: ['unexpected zanzibarquux flag'], pruned: 2 });
    assert.deepEqual(scan(['beef42']), { hits: [records[5900].message], pruned: 2 });
    assert.deepEqual(scan(['zanzibarquux', 'beef42']), { hits: [], pruned: 3 });
    await t.store.close();
    t = t.reopen();
  }
  await t.store.close();
  closeDatabase(t.db);
});

test('a delete of word tokens prunes by the cached word filters: no whole filter read from SQLite', async () => {
  let t = openTestStore();
  const records = Array.from({ length: 4000 }, (_, i) => rec(i));
  records[100] = rec(100, { message: 'unexpected zanzibarquux flag' });
  for (let b = 0; b < 2; b++) {
    await t.store.append(records.slice(b * 2000, (b + 1) * 2000));
    t.store.flush();
  }
  await t.store.close();
  t = t.reopen(); // filters preloaded as word filters
  const select = BlockDb.prototype.selectBloom;
  let reads = 0;
  BlockDb.prototype.selectBloom = function (this: BlockDb, id: number) {
    reads++;
    return select.call(this, id);
  };
  try {
    const query = {
      fromNs: 0n,
      toNs: 2n ** 62n,
      requiredTokens: ['zanzibarquux'],
      predicate: (r: { message: string }) => r.message.includes('zanzibarquux'),
      dryRun: true,
    };
    assert.equal(deleteNow(t.store, query), 1);
    assert.equal(reads, 0, 'the whole filters were read (and then kept) for a word-only delete');
  } finally {
    BlockDb.prototype.selectBloom = select;
  }
  await t.store.close();
  closeDatabase(t.db);
});

for (const version of [5, 4])
  test(`a trace-id token reads and keeps the filter up to its id filters (version ${version}: ${version === 5 ? 'a prefix' : 'spliced by SQLite'})`, async () => {
    let t = openTestStore();
    const trace = 'c0ffee'.repeat(5) + 'ab';
    const records = Array.from({ length: 6000 }, (_, i) => rec(i, { traceId: '' }));
    records[100] = rec(100, { traceId: trace });
    // The same hex token in attributes elsewhere: only a query that is not id-only may match it there.
    records[5900] = rec(5900, { traceId: '', attributes: { ref: trace } });
    for (let b = 0; b < 3; b++) {
      await t.store.append(records.slice(b * 2000, (b + 1) * 2000));
      t.store.flush();
    }
    await t.store.close();
    if (version === 4) useVersion4Filters(t);
    const db = new CountingDb(t.db);
    const sealed = new SealedBlocks(db, undefined);
    for (const b of db.selectAllBlocks()) sealed.blocks.set(b.id, b);
    sealed.preloadBlooms();
    const ids = [...sealed.blocks.keys()];
    const id = [tokenHash(trace)];
    const word = [tokenHash('request')];
    for (const blockId of ids) {
      const whole = t.db
        .prepare('SELECT bloom FROM block_blooms WHERE block_id = ?')
        .pluck()
        .get(blockId) as Buffer;
      db.reads = 0;
      assert.equal(whole[0], version);
      const spliced = sealed.bloom(blockId, id, [true])!;
      assert.equal(db.reads, 0, 'the whole filter is not read');
      if (version === 4) assert.ok(lacksAttrHexFilter(spliced) && !lacksHexFilters(spliced));
      else assert.deepEqual(spliced, whole.subarray(0, spliced.length), 'a prefix');
      assert.ok(spliced.length < whole.length);
      // Id-only hex tokens and word tokens: answered as the whole filter answers them.
      for (const token of [trace, 'ab'.repeat(16), '42', 'request', 'zanzibarquux', 'checkout'])
        assert.equal(
          bloomMayMatch(spliced, [tokenHash(token)], [true]),
          bloomMayMatch(whole, [tokenHash(token)], [true]),
          token,
        );
      assert.equal(bloomMayMatch(spliced, word), bloomMayMatch(whole, word));
      assert.equal(sealed.bloom(blockId, id, [true]), spliced, 'kept');
      assert.equal(sealed.bloom(blockId, word), spliced);
      assert.equal(db.reads, 0);
      // A hex token the attributes may hold needs the whole filter: read once, then kept.
      assert.deepEqual(sealed.bloom(blockId, id), whole);
      assert.equal(db.reads, 1);
      assert.deepEqual(sealed.bloom(blockId, id, [true]), whole);
      assert.equal(db.reads, 1);
    }
    // Through the store: exact answers, the trace id's blocks pruned by the spliced filters.
    t = t.reopen();
    const scan = (idTokens: string[] | undefined) => {
      const hits: string[] = [];
      const r = t.store.scan(
        { fromNs: 0n, toNs: 2n ** 62n, order: 'desc', requiredTokens: [trace], idTokens },
        (rec) => {
          hits.push(rec.message);
          return true;
        },
      );
      return { hits, pruned: r.blocksPruned };
    };
    for (let round = 0; round < 2; round++) {
      assert.deepEqual(scan([trace]), { hits: [records[100].message], pruned: 2 });
      assert.deepEqual(scan(undefined), { hits: [records[5900].message, records[100].message], pruned: 1 });
    }
    await t.store.close();
    closeDatabase(t.db);
  });

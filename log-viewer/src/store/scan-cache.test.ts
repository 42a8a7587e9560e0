import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Row } from './row.js';
import { ScanCache, type SearchableBatch } from './scan-cache.js';

/** A fake decoded block of n rows whose row i holds the tokens in `words[i]`. */
function block(words: string[], decoded: { count: number }): () => SearchableBatch {
  return () => {
    decoded.count++;
    const rows = words.map(
      (w, i) =>
        ({
          seq: i,
          ms: i,
          subNs: 0,
          level: 2,
          message: w,
          attrs: '',
          traceId: '',
          spanId: '',
          service: 's',
        }) as Row,
    );
    return {
      count: rows.length,
      ms: rows.map((r) => r.ms),
      subNs: rows.map(() => 0),
      seq: rows.map((r) => r.seq),
      level: rows.map(() => 2),
      row: (i) => rows[i],
      serviceOf: () => 's',
      mayContain: (tokens) =>
        Uint8Array.from(rows, (r) => (tokens.every((t) => r.message.includes(t)) ? 1 : 0)),
    };
  };
}

test('ScanCache serves a searched token set without decoding, per block, within its row budget', () => {
  const cache = new ScanCache(6);
  const decoded = { count: 0 };
  const a = {};
  const b = {};
  const words = ['x y', 'y', 'x', 'z'];
  const search = (key: object, tokens: string[], idTokens?: string[]) => {
    const batch = cache.load(key, { requiredTokens: tokens, idTokens }, block(words, decoded));
    const hits = batch.mayContain?.(tokens, idTokens);
    return Array.from({ length: batch.count }, (_, i) => i)
      .filter((i) => !hits || hits[i])
      .map((i) => batch.row(i).message);
  };
  assert.deepEqual(search(a, ['x']), ['x y', 'x']);
  assert.equal(decoded.count, 1);
  assert.deepEqual(search(a, ['x']), ['x y', 'x']);
  assert.equal(decoded.count, 1, 'served from the cache');
  assert.deepEqual(search(a, ['y', 'x']), ['x y']);
  assert.equal(decoded.count, 2, 'another token set is another search');
  assert.equal(cache.size, 5, 'rows plus one per result');
  assert.deepEqual(search(b, ['z']), ['z']);
  assert.equal(cache.size, 2, 'the least recently used block went');
  assert.deepEqual(search(b, ['q']), []);
  assert.equal(cache.size, 3, 'an empty result takes a slot too');
  search(a, ['x']);
  assert.equal(decoded.count, 5);
  cache.load(a, {}, block(words, decoded));
  assert.equal(decoded.count, 6, 'scans without tokens are not cached');
  search(a, ['x'], ['x']);
  assert.equal(decoded.count, 7, 'the same tokens searched in ids only are another search');
});

test('ScanCache bounds the text it holds: big lines evict by bytes, a result over a quarter is not kept', () => {
  const line = (w: string) => `${w} ${'x'.repeat(256 * 1024)}`;
  const words = [line('a'), line('b'), line('c d'), line('d'), 'e'];
  const cache = new ScanCache(16_384, 4 * 1024 * 1024);
  const decoded = { count: 0 };
  const search = (key: object, tokens: string[]) => {
    const batch = cache.load(key, { requiredTokens: tokens }, block(words, decoded));
    const hits = batch.mayContain?.(tokens);
    return Array.from({ length: batch.count }, (_, i) => i)
      .filter((i) => !hits || hits[i])
      .map((i) => batch.row(i).message.slice(0, 3));
  };
  const blocks = Array.from({ length: 8 }, () => ({}));
  for (const b of blocks) assert.deepEqual(search(b, ['a']), ['a x']);
  assert.equal(decoded.count, 8);
  assert.equal(cache.size, 14, 'seven of the eight 512 KB results fit the budget');
  assert.ok(cache.sizeBytes <= 4 * 1024 * 1024, `${cache.sizeBytes} bytes held`);
  search(blocks[7], ['a']);
  assert.equal(decoded.count, 8, 'the newest is served from the cache');
  search(blocks[0], ['a']);
  assert.equal(decoded.count, 9, 'the oldest went');
  const before = cache.sizeBytes;
  assert.deepEqual(search(blocks[1], ['d']), ['c d', 'd x']);
  assert.equal(cache.sizeBytes, before, 'two 512 KB rows are over a quarter of the budget (1 MiB): not kept');
  search(blocks[1], ['d']);
  assert.equal(decoded.count, 11);
  assert.deepEqual(search(blocks[1], ['e']), ['e']);
  search(blocks[1], ['e']);
  assert.equal(decoded.count, 12, 'a small result beside them is kept');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildGroupBloom, GROUP_BLOOM_VERSION, TokenSet } from './bloom.js';

/** The filter bits as the readers test them: ((h + k * h2) >>> 0) % bits for k < probes. */
function referenceFilter(hashes: number[], bitsPerToken: number): Buffer {
  const bits = Math.max(512, Math.ceil((hashes.length * bitsPerToken) / 8) * 8);
  const out = Buffer.alloc(6 + bits / 8);
  out[0] = 1;
  out[1] = 6;
  out.writeUInt32LE(bits, 2);
  for (const h of hashes) {
    let x = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
    const h2 = (x ^ (x >>> 16)) | 1;
    for (let k = 0; k < 6; k++) {
      const bit = ((h + Math.imul(k, h2)) >>> 0) % bits;
      out[6 + (bit >>> 3)] |= 1 << (bit & 7);
    }
  }
  return out;
}

test('buildGroupBloom() sets exactly the bits the readers test, for filters of any size', () => {
  let seed = 7;
  const random = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed & 0x3fffffff;
  };
  for (const sizes of [
    [1, 0],
    [100, 3000],
    [5000, 70],
    [0, 20000],
  ]) {
    const lists = sizes.map((n) => Array.from({ length: n }, random));
    const sets = lists.map((hashes) => {
      const set = new TokenSet(16);
      for (const h of hashes) set.add(h);
      return set;
    });
    // one row group (sets[0]) and the attribute filter (sets[1])
    const bloom = buildGroupBloom([sets[0]], sets[1]);
    assert.equal(bloom[0], GROUP_BLOOM_VERSION);
    const attrs = referenceFilter(lists[1], 8);
    const group = referenceFilter(lists[0], 9);
    assert.equal(bloom.readUInt32LE(2), attrs.length);
    assert.equal(bloom.readUInt32LE(6), group.length);
    assert.deepEqual(bloom.subarray(10, 10 + attrs.length), attrs, `attribute filter, sizes ${sizes}`);
    assert.deepEqual(bloom.subarray(10 + attrs.length), group, `group filter, sizes ${sizes}`);
  }
});

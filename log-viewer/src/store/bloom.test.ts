import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tokenize } from '../model.js';
import {
  addTokenHashes,
  addTokenHashesBytes,
  bloomMayMatch,
  groupBloomWhere,
  IN_ATTRS,
  IN_OTHER,
  lacksHexFilters,
  TokenSet,
  tokenHash,
  wordFilters,
} from './bloom.js';
import {
  buildIdBloom,
  ID_BLOOM_VERSION,
  ID_PREFIX,
  idBloomCoverage,
  idBloomPrefixBytes,
  WHOLE_FILTER,
  WORD_PREFIX,
} from './bloom-ids.js';
import {
  referenceFilter,
  referenceGroupBloom,
  version3Bloom,
  version4Bloom,
} from './testing/reference-blooms.js';

const WORD = 0x40000000;
const HASH = 0x3fffffff;

function seededKeys(seed: number): () => number {
  return () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    // A word token about one time in four.
    return (seed & HASH) | ((seed >>> 7) % 4 === 0 ? WORD : 0);
  };
}

function setOf(keys: number[]): TokenSet {
  const set = new TokenSet(16);
  for (const k of keys) set.add(k);
  return set;
}

test('buildIdBloom() writes version 5: word filters, id filters (14 bits, 10 probes), then hex filters', () => {
  const random = seededKeys(7);
  for (const sizes of [
    [1, 0, 0],
    [100, 3000, 40],
    [5000, 70, 600],
    [0, 20000, 0],
  ]) {
    const [group, attrs] = sizes.slice(0, 2).map((n) => Array.from({ length: n }, random));
    const ids = Array.from({ length: sizes[2] }, random).map((k) => k & HASH); // ids are hex
    const bloom = buildIdBloom([setOf(group)], [setOf(ids)], setOf(attrs));
    const hex = (keys: number[]) => keys.filter((k) => (k & WORD) === 0);
    const word = (keys: number[]) => keys.filter((k) => (k & WORD) !== 0);
    const want = referenceGroupBloom(ID_BLOOM_VERSION, 1, [
      referenceFilter(word(attrs), 14, 10),
      referenceFilter(word(group), 14, 10),
      referenceFilter(ids, 14, 10),
      referenceFilter(hex(attrs), 8, 6),
      referenceFilter(hex(group), 9, 6),
    ]);
    assert.deepEqual(bloom, want, `sizes ${sizes}`);
  }
});

test('tokenHash() gives the key the write side stores: the same hash and class for every token', () => {
  const texts = [
    'GET /api/orders/12345 took 87 ms',
    'trace ABCDEF0123456789abcdef0123456789 span DEADbeef00112233',
    'cafe Face add b_1 a9 ffff 0x1F Zanzibar naïve ÉCOLE 東京 𝒳yz',
    '{"user":"u-42","hex":"BEEF","esc":"a\\nb"}',
  ];
  for (const text of texts) {
    for (const json of [false, true]) {
      const fromText = new TokenSet();
      addTokenHashes(text, fromText, json);
      const fromBytes = new TokenSet();
      const bytes = Buffer.from(text);
      addTokenHashesBytes(bytes, 0, bytes.length, fromBytes, json);
      const keys = (set: TokenSet) => {
        const out: number[] = [];
        set.forEach((k) => {
          out.push(k);
        });
        return out.sort();
      };
      assert.deepEqual(keys(fromBytes), keys(fromText), text);
      if (json) continue; // tokenize() does not skip JSON escapes
      const query = [...new Set(tokenize(text).map(tokenHash))].sort();
      assert.deepEqual(keys(fromText), query, text);
    }
  }
  const word = (t: string) => (tokenHash(t) & WORD) !== 0;
  assert.deepEqual(['12345', 'deadbeef', 'cafe', 'a9', 'zanzibar', 'b_1', 'naïve', 'ox', 'g'].map(word), [
    false,
    false,
    false,
    false,
    true,
    true,
    true,
    true,
    true,
  ]);
  assert.equal(tokenHash('zanzibar') & HASH, tokenHash('zanzibar') & HASH, 'the hash is the 30 low bits');
});

test('version 4 and 5 filters never prune a block holding every token, in the same group or the attributes', () => {
  const random = seededKeys(11);
  for (let round = 0; round < 40; round++) {
    const groups = Array.from({ length: 4 }, () => Array.from({ length: 50 + (round >> 1) * 40 }, random));
    const attrs = Array.from({ length: 30 + (round >> 1) * 60 }, random);
    // Version 5 with the groups' tokens split between the id filters (hex) and the others.
    const ids = groups.map((g) => g.filter((k, i) => i % 2 === 1 && (k & WORD) === 0));
    const bloom =
      round % 2 === 0
        ? version4Bloom(groups, attrs)
        : buildIdBloom(
            groups.map((g, i) => setOf(g.filter((k) => !ids[i].includes(k)))),
            ids.map(setOf),
            setOf(attrs),
          );
    for (let g = 0; g < 4; g++) {
      for (let t = 0; t < 10; t++) {
        // a group's token alone, with an attribute token, with another token of its group
        const own = groups[g][t * 3];
        assert.ok(bloomMayMatch(bloom, [own]));
        assert.ok(bloomMayMatch(bloom, [own, attrs[t]]));
        assert.ok(bloomMayMatch(bloom, [own, groups[g][t * 3 + 1]], [false, round % 2 === 0]));
        for (const id of ids[g].slice(0, 3)) assert.ok(bloomMayMatch(bloom, [id, own], [true, false]));
        const where = groupBloomWhere(bloom, [own, attrs[t]]);
        assert.ok(where[g][0] & IN_OTHER);
        assert.ok(where.every((w) => w[1] & IN_ATTRS));
      }
    }
  }
});

test('version 3 filters (blocks written before version 4) are read as before', () => {
  const random = seededKeys(13);
  const groups = Array.from({ length: 4 }, () => Array.from({ length: 200 }, random));
  const attrs = Array.from({ length: 300 }, random);
  const bloom = version3Bloom(groups, attrs);
  // Version 3 hashed without the class bit: its readers must ignore it.
  for (let g = 0; g < 4; g++)
    for (const key of groups[g].slice(0, 20)) {
      assert.ok(bloomMayMatch(bloom, [key]));
      assert.ok(bloomMayMatch(bloom, [key & HASH]));
      assert.ok(groupBloomWhere(bloom, [key])[g][0] & IN_OTHER);
      assert.ok(bloomMayMatch(bloom, [key, attrs[g]]));
    }
  for (const key of attrs.slice(0, 20)) {
    assert.ok(bloomMayMatch(bloom, [key]));
    assert.ok(groupBloomWhere(bloom, [key]).every((w) => w[0] & IN_ATTRS));
  }
  // Absent keys pass at about version 3's rate (the attribute filter or any of 4 groups: ~7 %).
  const absent = Array.from({ length: 4000 }, random).filter((k) => bloomMayMatch(bloom, [k])).length;
  assert.ok(absent > 100 && absent < 600, `${absent} of 4000`);
});

test('version 4 lets far fewer absent word tokens through than absent hex tokens', () => {
  const random = seededKeys(17);
  const groups = Array.from({ length: 4 }, () => Array.from({ length: 2000 }, random));
  const bloom = version4Bloom(groups, Array.from({ length: 3000 }, random));
  const probe = Array.from({ length: 20000 }, random);
  const passed = (word: number) =>
    probe.filter((k) => (k & WORD) === word && bloomMayMatch(bloom, [k])).length /
    probe.filter((k) => (k & WORD) === word).length;
  assert.ok(passed(0) > 0.03, `hex ${passed(0)}`);
  assert.ok(passed(WORD) < 0.015, `word ${passed(WORD)}`);
});

test('wordFilters() answers every word token as the whole filter does, and lets every hex token through', () => {
  const random = seededKeys(19);
  const groups = Array.from({ length: 4 }, () => Array.from({ length: 800 }, random));
  const attrs = Array.from({ length: 1200 }, random);
  const whole = version4Bloom(groups, attrs);
  const words = wordFilters(whole)!;
  assert.ok(lacksHexFilters(words));
  assert.ok(!lacksHexFilters(whole));
  assert.ok(words.length < whole.length, `${words.length} of ${whole.length}`);
  const probe = [
    ...groups.flat().slice(0, 300),
    ...attrs.slice(0, 300),
    ...Array.from({ length: 3000 }, random),
  ];
  for (let i = 0; i + 1 < probe.length; i += 2) {
    const pair = [probe[i], probe[i + 1]];
    if (pair.every((k) => k & WORD)) {
      assert.equal(bloomMayMatch(words, pair), bloomMayMatch(whole, pair));
      assert.deepEqual(groupBloomWhere(words, pair), groupBloomWhere(whole, pair));
    }
    for (const k of pair) if (!(k & WORD)) assert.ok(bloomMayMatch(words, [k]));
  }
  assert.equal(wordFilters(version3Bloom(groups, attrs)), undefined, 'version 3 has no word filters');
});

test('version 5 lets few absent ids through an id-only query, and its prefixes answer as the whole filter', () => {
  const random = seededKeys(23);
  const hexOf = (n: number) => Array.from({ length: n }, () => random() & HASH);
  // A bench block's shape: per group ~600 ids among ~1 800 hex and ~20 word tokens.
  const ids = Array.from({ length: 4 }, () => hexOf(600));
  const groups = Array.from({ length: 4 }, () => [
    ...hexOf(1200),
    ...Array.from({ length: 20 }, () => random() | WORD),
  ]);
  const attrs = [...hexOf(2000), ...Array.from({ length: 50 }, () => random() | WORD)];
  const whole = buildIdBloom(groups.map(setOf), ids.map(setOf), setOf(attrs));
  assert.equal(idBloomCoverage(whole), WHOLE_FILTER);
  const words = whole.subarray(0, idBloomPrefixBytes(whole, WORD_PREFIX));
  const upToIds = whole.subarray(0, idBloomPrefixBytes(whole, ID_PREFIX));
  assert.equal(idBloomCoverage(words), WORD_PREFIX);
  assert.equal(idBloomCoverage(upToIds), ID_PREFIX);
  assert.ok(
    words.length < 1000 && upToIds.length < whole.length / 2,
    `${words.length} ${upToIds.length} ${whole.length}`,
  );
  // Every id is found by an id-only query, whatever prefix asks.
  for (const g of ids) for (const id of g.slice(0, 50)) assert.ok(bloomMayMatch(upToIds, [id], [true]));
  // Absent ids: version 5's id filters let ~0.5 % of them through a block of 4 groups; the same
  // tokens in version 4's group hex filters, ~5 %.
  const probe = hexOf(20000);
  const passed = (bloom: Uint8Array) =>
    probe.filter((k) => bloomMayMatch(bloom, [k], [true])).length / probe.length;
  const v4 = version4Bloom(
    groups.map((g, i) => [...g, ...ids[i]]),
    attrs,
  );
  assert.ok(passed(upToIds) < 0.01, `v5 ${passed(upToIds)}`);
  assert.ok(passed(v4) > 0.03, `v4 ${passed(v4)}`);
  // Each prefix answers what it covers as the whole filter does; what it cuts off lets anything through.
  const mixed = [
    ...probe.slice(0, 3000),
    ...ids.flat().slice(0, 300),
    ...groups.flat(),
    ...attrs.slice(0, 500),
  ];
  for (let i = 0; i + 1 < mixed.length; i += 2) {
    const pair = [mixed[i], mixed[i + 1]];
    for (const idOnly of [undefined, [true, false], [true, true]]) {
      const needsHex = pair.some((k, t) => (k & WORD) === 0 && idOnly?.[t] !== true);
      const needsIds = idOnly !== undefined;
      if (!needsHex) assert.equal(bloomMayMatch(upToIds, pair, idOnly), bloomMayMatch(whole, pair, idOnly));
      if (!needsHex && !needsIds) {
        assert.equal(bloomMayMatch(words, pair), bloomMayMatch(whole, pair));
        assert.deepEqual(groupBloomWhere(words, pair), groupBloomWhere(whole, pair));
      }
    }
    if (pair.every((k) => (k & WORD) === 0)) assert.ok(bloomMayMatch(words, pair));
  }
  for (const g of groups)
    for (const k of g.slice(0, 100)) assert.ok(groupBloomWhere(whole, [k]).some((w) => w[0] & IN_OTHER));
});

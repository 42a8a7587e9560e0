import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyHash, SeriesIndex, sortLabels } from './series-index.js';

test('findByRaw() finds a remembered series only when every raw byte matches, word-aligned or not', () => {
  const index = new SeriesIndex();
  const id = index.nextId;
  index.add(id, [['__name__', 'up']], false);
  // 11 bytes at offset 3: two 4-byte words and a 3-byte tail.
  const key = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const buf = new Uint8Array([0, 0, 0, ...key, 0]);
  index.rememberRaw(id, buf, 3, 14, 42);
  const check = (bytes: number[], at: number, expected: number | undefined) => {
    const b = new Uint8Array(at + bytes.length + 2);
    b.set(bytes, at);
    assert.equal(index.findByRaw(b, at, at + bytes.length, 42), expected, `${bytes} at ${at}`);
  };
  check(key, 3, id);
  check(key, 0, id);
  check(key, 5, id);
  check([9, ...key.slice(1)], 1, undefined);
  check([...key.slice(0, 5), 0, ...key.slice(6)], 2, undefined);
  check([...key.slice(0, 10), 0], 0, undefined);
  check(key.slice(0, 10), 0, undefined);
  assert.equal(index.findByRaw(buf, 3, 14, 43), undefined);
});

/** 3000 series m0..m2999 (ids 1..3000), each with its raw remote_write label key remembered under hashOf(i). */
function indexWithRawKeys(hashOf: (i: number) => number): { index: SeriesIndex; keys: Uint8Array[] } {
  const index = new SeriesIndex();
  const keys: Uint8Array[] = [];
  for (let i = 0; i < 3000; i++) {
    const id = index.nextId;
    index.add(id, [['__name__', `m${i}`]], false);
    const key = new TextEncoder().encode(`\n\u0008__name__\u0012\u0004m${i}`);
    keys.push(key);
    index.rememberRaw(id, key, 0, key.length, hashOf(i));
  }
  return { index, keys };
}

test('findByRaw() keeps series whose raw keys share a hash apart, through table growth and removal', () => {
  // Every tenth series collides with its predecessor's hash.
  const { index, keys } = indexWithRawKeys((i) => (i % 10 === 1 ? i - 1 : i));
  for (let i = 0; i < 3000; i++) {
    const hash = i % 10 === 1 ? i - 1 : i;
    assert.equal(index.findByRaw(keys[i], 0, keys[i].length, hash), i + 1, `series ${i}`);
  }
  index.remove(2);
  assert.equal(index.findByRaw(keys[1], 0, keys[1].length, 0), undefined);
  assert.equal(index.findByRaw(keys[0], 0, keys[0].length, 0), 1);
  // A series added under another id with the removed one's labels gets its own key in the table.
  index.add(index.nextId, [['__name__', 'm1']], false);
  index.rememberRaw(3001, keys[1], 0, keys[1].length, 0);
  assert.equal(index.findByRaw(keys[1], 0, keys[1].length, 0), 3001);
});

test('compactRawKeys() drops the raw keys of removed series and keeps finding the others', () => {
  const { index, keys } = indexWithRawKeys((i) => i);
  const bytes = index.rawKeyBytes;
  for (let id = 1; id <= 3000; id += 3) index.remove(id);
  // Below a quarter of removed keys nothing is rebuilt; here a third are.
  index.compactRawKeys();
  assert.equal(index.rawKeyCount, 2000);
  assert.equal(
    index.rawKeyBytes,
    bytes - keys.filter((_, i) => i % 3 === 0).reduce((n, k) => n + k.length, 0),
  );
  for (let i = 0; i < 3000; i++) {
    const expected = i % 3 === 0 ? undefined : i + 1;
    assert.equal(index.findByRaw(keys[i], 0, keys[i].length, i), expected, `series ${i}`);
  }
  // A removed series revived under its id (series-expiry.ts) gets its key back, and its labels'
  // hash still leads to it while it is out.
  assert.deepEqual(index.evictedIdsFor([['__name__', 'm3']]), [4]);
  assert.equal(index.findByKey([['__name__', 'm3']]), undefined);
  index.add(4, [['__name__', 'm3']], true);
  assert.deepEqual(index.evictedIdsFor([['__name__', 'm3']]), []);
  assert.equal(index.findByKey([['__name__', 'm3']]), 4);
  index.rememberRaw(4, keys[3], 0, keys[3].length, 3);
  assert.equal(index.findByRaw(keys[3], 0, keys[3].length, 3), 4);
  assert.equal(index.size, 2001);
  assert.equal(index.perMetric.size, 2001);
});

test('SeriesIndex.removeAll() drops many series in one pass: postings, empty values, per-metric counts', () => {
  const index = new SeriesIndex();
  for (let id = 1; id <= 10; id++)
    index.add(
      id,
      [
        ['__name__', id <= 8 ? 'a' : 'b'],
        ['pod', `p${id % 4}`],
      ],
      true,
    );
  const removed = index.removeAll([2, 4, 6, 8, 10, 99, 4]);
  assert.deepEqual(
    removed.map((i) => i.id),
    [2, 4, 6, 8, 10],
  );
  assert.equal(index.size, 5);
  assert.deepEqual(index.match([{ name: '__name__', type: '=', value: 'a' }]), [1, 3, 5, 7]);
  assert.deepEqual(index.match([{ name: 'pod', type: '=~', value: 'p.*' }]), [1, 3, 5, 7, 9]);
  assert.deepEqual([...index.postings.get('pod')!.keys()].sort(), ['p1', 'p3']); // p0 and p2 emptied
  assert.deepEqual(
    [...index.perMetric],
    [
      ['a', 4],
      ['b', 1],
    ],
  );
});

test('sortLabels() sorts labels by name and hands back sorted ones as they are', () => {
  const check = (input: [string, string][], expected: [string, string][]) =>
    assert.deepEqual(sortLabels(input.slice()), expected, JSON.stringify(input));
  check([], []);
  check([['a', '1']], [['a', '1']]);
  check(
    [
      ['__name__', 'up'],
      ['job', 'x'],
    ],
    [
      ['__name__', 'up'],
      ['job', 'x'],
    ],
  );
  check(
    [
      ['job', 'x'],
      ['__name__', 'up'],
      ['instance', 'h'],
    ],
    [
      ['__name__', 'up'],
      ['instance', 'h'],
      ['job', 'x'],
    ],
  );
  check(
    [
      ['b', '1'],
      ['a', '2'],
      ['b', '0'],
    ],
    [
      ['a', '2'],
      ['b', '1'],
      ['b', '0'],
    ],
  );
});

test('hasKeyHash() knows the labels of series in memory and of evicted ones, and findByKey() takes the hash', () => {
  const index = new SeriesIndex();
  const live: [string, string][] = [
    ['__name__', 'up'],
    ['job', 'a'],
  ];
  const evicted: [string, string][] = [
    ['__name__', 'up'],
    ['job', 'b'],
  ];
  const unseen: [string, string][] = [
    ['__name__', 'up'],
    ['job', 'c'],
  ];
  index.add(index.nextId, live, false, undefined, keyHash(live));
  index.addEvicted(index.nextId, evicted);
  assert.equal(index.hasKeyHash(keyHash(live)), true);
  assert.equal(index.hasKeyHash(keyHash(evicted)), true);
  assert.equal(index.hasKeyHash(keyHash(unseen)), false);
  assert.equal(index.findByKey(live, keyHash(live)), index.findByKey(live));
  assert.equal(index.findByKey(evicted, keyHash(evicted)), undefined);
  assert.deepEqual(index.evictedIdsFor(evicted), [2]);
});

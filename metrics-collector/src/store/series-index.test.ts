import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeriesIndex } from './series-index.js';

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

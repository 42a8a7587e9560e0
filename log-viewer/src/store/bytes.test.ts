import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ByteWriter } from './bytes.js';

/** LEB128 as the writer wrote it before its int32 path: float remainder and floor for every value. */
function referenceUvarint(v: number): number[] {
  const out: number[] = [];
  while (v >= 0x80) {
    out.push(((v % 0x80) | 0x80) & 0xff);
    v = Math.floor(v / 0x80);
  }
  out.push(new Uint8Array([v])[0]);
  return out;
}

test('uvarint() writes the same bytes on its int32 path and past it', () => {
  const values = [0, 1, 0x7f, 0x80, 300, 16_383, 16_384, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 0x7fffffff];
  values.push(2 ** 31, 2 ** 32 + 5, 1_795_635_900_000, 2 ** 53 - 1);
  for (let k = 0; k < 200; k++) values.push(Math.floor((k * 2_654_435_761) % 2 ** 33));
  for (const v of values) {
    const w = new ByteWriter(2);
    w.uvarint(v);
    w.svarint(-v);
    const expected = [...referenceUvarint(v), ...referenceUvarint(v === 0 ? 0 : v * 2 - 1)];
    assert.deepEqual([...w.finish()], expected, `value ${v}`);
  }
});

test('uvarint() refuses what is not a finite number', () => {
  assert.throws(() => new ByteWriter().uvarint(Number.NaN), RangeError);
  assert.throws(() => new ByteWriter().uvarint(Number.POSITIVE_INFINITY), RangeError);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProtoReader } from './protobuf.js';

/** Unsigned LEB128 of a uint64. */
function varint(v: bigint): number[] {
  const out: number[] = [];
  let x = BigInt.asUintN(64, v);
  while (x >= 0x80n) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  out.push(Number(x));
  return out;
}

test('int64() gives exact numbers, and decimal strings beyond 2^53, on both sides of the bigint path', () => {
  const check = (v: bigint, expected: number | string) => {
    const r = new ProtoReader(Uint8Array.from([...varint(v), 0x2a]));
    assert.equal(r.int64(), expected, String(v));
    assert.equal(r.pos, varint(v).length, `position after ${v}`);
  };
  check(0n, 0);
  check(300n, 300);
  check(2n ** 49n - 1n, 2 ** 49 - 1);
  check(2n ** 49n, 2 ** 49);
  check(2n ** 53n - 1n, Number.MAX_SAFE_INTEGER);
  check(2n ** 53n + 1n, '9007199254740993');
  check(-1n, -1);
  check(-(2n ** 60n), String(-(2n ** 60n)));
  assert.throws(() => new ProtoReader(Uint8Array.from([0x80, 0x80])).int64(), /truncated varint/);
});

test('hexId() and string() decode a length-delimited field in place', () => {
  const id = [1, 2, 3, 4, 5, 6, 7, 8];
  const text = [...Buffer.from('héllo')];
  const r = new ProtoReader(
    Uint8Array.from([8, ...id, 8, 0, 0, 0, 0, 0, 0, 0, 0, 2, 1, 2, text.length, ...text]),
  );
  assert.equal(r.hexId(8), '0102030405060708');
  assert.equal(r.hexId(8), '', 'all zero');
  assert.equal(r.hexId(8), '', 'wrong length');
  assert.equal(r.string(), 'héllo');
  assert.ok(r.done);
});

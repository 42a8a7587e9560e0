import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compressSync } from 'snappy';
import { snappyDecodedLength } from './snappy-block.js';

test('snappyDecodedLength() reads the length a snappy block declares, -1 for a malformed preamble', () => {
  const check = (block: Uint8Array, expected: number) => assert.equal(snappyDecodedLength(block), expected);
  check(compressSync(Buffer.alloc(0)), 0);
  check(compressSync(Buffer.alloc(300, 1)), 300);
  check(compressSync(Buffer.alloc(70_000, 2)), 70_000);
  check(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f]), 0xffffffff);
  check(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x1f]), -1);
  check(Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), -1);
  check(Uint8Array.from([0x80]), -1);
  check(Uint8Array.from([]), -1);
});

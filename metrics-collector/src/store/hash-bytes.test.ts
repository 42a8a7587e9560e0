import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashBytes } from './series-index.js';

test('hashBytes() gives the same hash for the same bytes at any offset of any buffer', () => {
  const bytes = Buffer.from('\n\u0008__name__\u0012\u0002up\n\u0003job\u0012\u0007node-01');
  const expected = hashBytes(bytes, 0, bytes.length);
  for (const pad of [1, 2, 3, 5, 8]) {
    const big = new Uint8Array(pad + bytes.length + 7);
    big.set(bytes, pad);
    assert.equal(hashBytes(big, pad, pad + bytes.length), expected);
    const sub = big.subarray(pad - 1);
    assert.equal(
      hashBytes(sub, 1, 1 + bytes.length, new DataView(sub.buffer, sub.byteOffset, sub.byteLength)),
      expected,
    );
  }
  // Every tail length (0-3 bytes after the 4-byte blocks) and a changed byte change the hash.
  const seen = new Set<number>();
  for (let n = 0; n <= 8; n++) seen.add(hashBytes(bytes, 0, n));
  assert.equal(seen.size, 9);
  const changed = Buffer.from(bytes);
  changed[changed.length - 1] ^= 1;
  assert.notEqual(hashBytes(changed, 0, changed.length), expected);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeDeltaChunk } from './delta-chunk.js';
import { APPEND_DUPLICATE, APPEND_OK, APPEND_TOO_OLD, Heads } from './head.js';

const T0 = 1_764_000_000_000;

function samplesOf(heads: Heads, id: number): [number[], number[]] {
  const ts: number[] = [];
  const vs: number[] = [];
  for (const c of heads.sealed(id)) decodeDeltaChunk(c.data, ts, vs);
  if (heads.hasApp(id)) heads.decodeApp(id, ts, vs);
  return [ts, vs];
}

test('Heads keeps every series apart as the table grows past its first capacity and chunks are cut', () => {
  const heads = new Heads();
  let seq = 1;
  const nextSeq = () => seq++;
  const ids = [1, 2, 1023, 1024, 1025, 5000];
  for (let i = 0; i < 800; i++) {
    for (const id of ids) {
      if (i === 0) heads.create(id);
      assert.equal(heads.append(id, T0 + i * 15_000, id * 10 + i, 3600_000, nextSeq), APPEND_OK);
    }
  }
  for (const id of ids) {
    // 720 samples per chunk: one sealed chunk and 80 samples in the open one.
    assert.equal(heads.sealed(id).length, 1);
    const [ts, vs] = samplesOf(heads, id);
    assert.deepEqual(
      ts,
      Array.from({ length: 800 }, (_, i) => T0 + i * 15_000),
    );
    assert.deepEqual(
      vs,
      Array.from({ length: 800 }, (_, i) => id * 10 + i),
    );
    assert.equal(heads.firstT(id), T0);
    assert.equal(heads.lastT(id), T0 + 799 * 15_000);
    assert.ok(heads.appSeq(id) > heads.sealed(id)[0].seq);
  }
  assert.deepEqual([...heads.ids()], ids);
  assert.ok(heads.sealedBytes > 0);
  for (const id of ids) heads.clearSealed(id);
  assert.equal(heads.sealedBytes, 0);
});

test('Heads answers duplicates, out-of-order and too-old samples as before', () => {
  const heads = new Heads();
  let seq = 1;
  const nextSeq = () => seq++;
  heads.create(7);
  for (let i = 0; i < 10; i++) heads.append(7, T0 + i * 1000, i, 5000, nextSeq);
  assert.equal(heads.append(7, T0 + 9000, 9, 5000, nextSeq), APPEND_DUPLICATE);
  assert.equal(heads.append(7, T0 + 3000, 3, 5000, nextSeq), APPEND_TOO_OLD);
  assert.equal(heads.append(7, T0 + 5500, 55, 5000, nextSeq), APPEND_OK);
  assert.equal(heads.append(7, T0 + 9000, 90, 5000, nextSeq), APPEND_OK, 'same time, new value');
  assert.deepEqual(heads.outOfOrder(7)?.ts, [T0 + 5500, T0 + 9000]);
  assert.deepEqual(heads.outOfOrder(7)?.vs, [55, 90]);
  assert.ok(heads.isDirty(7));
  heads.clearDirty(7);
  assert.ok(!heads.isDirty(7));
  heads.sealOutOfOrder(7);
  assert.equal(heads.outOfOrder(7), undefined);
  assert.equal(heads.sealed(7).length, 1);
  heads.clearSealed(7);
  assert.equal(heads.sealedBytes, 0);
});

test('Heads keeps a series time bounds when it refuses a sample older than the window', () => {
  const heads = new Heads();
  heads.create(1);
  assert.equal(
    heads.append(1, T0, 1, 60_000, () => 1),
    APPEND_OK,
  );
  assert.equal(
    heads.append(1, T0 - 120_000, 2, 60_000, () => 2),
    APPEND_TOO_OLD,
  );
  assert.equal(heads.firstT(1), T0);
  assert.equal(
    heads.append(1, T0 - 30_000, 3, 60_000, () => 3),
    APPEND_OK,
  );
  assert.equal(heads.firstT(1), T0 - 30_000);
});

test('Heads.remove() frees the slot for the next series: slot arrays follow the heads alive, not ids', () => {
  const heads = new Heads();
  let seq = 1;
  const nextSeq = () => seq++;
  // 20 generations of 100 series with ever higher ids, each removed before the next one starts.
  for (let g = 0; g < 20; g++) {
    for (let k = 0; k < 100; k++) {
      const id = 1 + g * 100 + k;
      heads.create(id);
      for (let i = 0; i < 10; i++) heads.append(id, T0 + i * 15_000, id + i, 3600_000, nextSeq);
      if (k === 7) {
        heads.append(id, T0 + 15_000, -1, 3600_000, nextSeq); // an out-of-order rewrite
        heads.sealAll(id);
        assert.equal(heads.hasApp(id), false);
        assert.equal(heads.outOfOrder(id), undefined);
        assert.equal(heads.isDirty(id), true);
        assert.equal(heads.holdsSamples(id), true);
      }
    }
    // The newest generation reads back its own samples, whatever slots it got.
    for (let k = 0; k < 100; k++) {
      const id = 1 + g * 100 + k;
      const [ts, vs] = samplesOf(heads, id);
      assert.equal(ts.length, k === 7 ? 11 : 10);
      assert.equal(heads.lastT(id), T0 + 9 * 15_000);
      if (k !== 7)
        assert.deepEqual(
          vs,
          Array.from({ length: 10 }, (_, i) => id + i),
        );
    }
    assert.deepEqual(
      [...heads.ids()],
      Array.from({ length: 100 }, (_, k) => 1 + g * 100 + k),
    );
    for (let k = 0; k < 100; k++) heads.remove(1 + g * 100 + k);
    assert.equal(heads.has(1 + g * 100), false);
  }
  assert.equal(heads.slotCount, 0);
  assert.equal(heads.slotCapacity, 1024);
  assert.equal(heads.sealedBytes, 0);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ARENA_PAGE_BYTES, arenaBlockBytes, DeltaChunkArena } from './delta-chunk-arena.js';
import { DeltaAppender, decodeDeltaChunk } from './delta-chunk.js';

test('arenaBlockBytes() rounds to 64 bytes up to 2 KB, 256 up to 8 KB, 1 KB above', () => {
  const check = (n: number, expected: number) => assert.equal(arenaBlockBytes(n), expected, `n=${n}`);
  check(1, 64);
  check(64, 64);
  check(65, 128);
  check(2048, 2048);
  check(2049, 2304);
  check(8192, 8192);
  check(8193, 9216);
  check(17_300, 17_408);
});

test('DeltaChunkArena hands out disjoint blocks and reuses a released block of the same class', () => {
  const arena = new DeltaChunkArena();
  const a = arena.alloc(100);
  const b = arena.alloc(120);
  const c = arena.alloc(700);
  assert.equal(b - a, 128);
  assert.equal(Math.floor(c / ARENA_PAGE_BYTES), 1, 'another class starts its own page');
  arena.page(a).fill(7, a % ARENA_PAGE_BYTES, (a % ARENA_PAGE_BYTES) + 128);
  assert.equal(arena.page(b)[b % ARENA_PAGE_BYTES], 0);
  arena.release(a, 100);
  assert.equal(arena.alloc(65), a);
  assert.equal(arena.alloc(128), b + 128);
  // A full page is followed by a new one.
  for (let i = 0; i < ARENA_PAGE_BYTES / 1024 + 1; i++) arena.alloc(1000);
  assert.equal(arena.pages.length, 4);
  assert.throws(() => arena.alloc(ARENA_PAGE_BYTES + 1), /larger than a page/);
});

test('DeltaAppenders sharing the arena keep their own samples through growth and release', () => {
  const apps = Array.from({ length: 50 }, () => new DeltaAppender());
  for (let i = 0; i < 400; i++) {
    for (let k = 0; k < apps.length; k++)
      apps[k].append(1_764_000_000_000 + i * 60_000, k * 1000 + i * (k % 7));
    if (i === 200) {
      // A sealed chunk's block goes back and is reused by a new chunk.
      apps[3].release();
      apps[3] = new DeltaAppender();
      for (let j = 0; j <= i; j++) apps[3].append(1_764_000_000_000 + j * 60_000, 3000 + j * 3);
    }
  }
  for (let k = 0; k < apps.length; k++) {
    const ts: number[] = [];
    const vs: number[] = [];
    assert.equal(decodeDeltaChunk(apps[k].bytes(), ts, vs), 400);
    assert.deepEqual(
      vs,
      Array.from({ length: 400 }, (_, i) => k * 1000 + i * (k % 7)),
    );
  }
});

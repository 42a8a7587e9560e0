// A block sealed before 56ae859 could hold any amount of text (blocks now end at MAX_BLOCK_RAW_BYTES =
// 32 MiB): a search made every row in range of a block it loaded, and one such block of 300 MB aborted
// the process under its 256 MB heap, even for one record. Here: a constructed old block of 64 MiB,
// searched by a process with a 48 MB heap.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { closeDatabase } from '@flowrent/shared/db';
import { encodeBlock, MAX_BLOCK_RAW_BYTES } from '../src/store/block-codec.js';
import { toRow } from '../src/store/row.js';
import { openTestStore, rec, T0 } from './store-helpers.js';

const ROWS = 256;
const ROW_TEXT = 256 * 1024;

/** A store holding one block of ROWS rows of ROW_TEXT text each, as sealed before 56ae859: its folder. */
async function oldStore(): Promise<string> {
  const t = openTestStore({ sealWorker: false });
  const rows = Array.from({ length: ROWS }, (_, i) =>
    toRow(
      rec(i, {
        message: `row ${String(i).padStart(4, '0')} common ${i === 100 ? 'needle ' : ''}${'x'.repeat(ROW_TEXT)}`,
      }),
      1 + i,
    ),
  );
  const block = encodeBlock(rows);
  assert.ok(block.rawBytes > 2 * MAX_BLOCK_RAW_BYTES, `${block.rawBytes} bytes of text in one block`);
  (
    t.store as unknown as { sql: { insertBlock(b: typeof block, generation: number): unknown } }
  ).sql.insertBlock(block, 0);
  await t.store.close({ seal: false });
  closeDatabase(t.db);
  return t.dir;
}

/** Runs a script on the store in a child process with a 48 MB heap; what it printed last. */
function inSmallHeap(script: string, ...args: string[]) {
  const child = spawnSync(
    process.execPath,
    [
      '--max-old-space-size=48',
      '--conditions=development',
      '--import',
      'tsx',
      new URL(script, import.meta.url).pathname,
      ...args,
    ],
    { encoding: 'utf8', cwd: join(new URL('../', import.meta.url).pathname) },
  );
  assert.equal(child.status, 0, `exit ${child.status} ${child.signal ?? ''}\n${child.stderr.slice(-2000)}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '{}');
}

test('a search over a block of more text than the heap holds visits its rows one at a time', {
  timeout: 120_000,
}, async () => {
  const found = inSmallHeap('./oversized-block-search.ts', await oldStore());
  assert.deepEqual(found.newest, ['row 0255 com']);
  assert.deepEqual(found.needle, [100]);
  assert.equal(found.common, ROWS);
  assert.equal(found.dryRun, 1);
  assert.equal(found.visited, ROWS);
  assert.ok(found.textBytes > ROWS * ROW_TEXT);
  assert.equal(found.blocks, 1);
});

test('a real delete and a retention trim of such a block rewrite it a chunk of rows at a time', {
  timeout: 180_000,
}, async () => {
  const rest = Array.from({ length: ROWS }, (_, i) => i);
  const deleted = inSmallHeap('./oversized-block-rewrite.ts', await oldStore(), 'delete');
  assert.equal(deleted.taken, 1);
  assert.deepEqual(
    deleted.left,
    rest.filter((i) => i !== 100),
  );
  assert.ok(deleted.textBytes > (ROWS - 1) * ROW_TEXT);
  assert.ok(deleted.blocks > 1, `${deleted.blocks} blocks of at most a chunk of text each`);
  // checkout's (even) rows older than T0 + 128 ms go
  const nowNs = String(T0 + 3_600_000_000_000n + 128_000_000n);
  const trimmed = inSmallHeap('./oversized-block-rewrite.ts', await oldStore(), 'retention', nowNs);
  assert.equal(trimmed.taken, 64);
  assert.deepEqual(
    trimmed.left,
    rest.filter((i) => i >= 128 || i % 2 === 1),
  );
});

// errors-inbox.db and its WAL kept the size of the largest backlog for good, although the README
// says the inbox's size follows the backlog (black-box 10 #17). On real files: when a trim empties
// an inbox holding more than RECLAIM_FREE_BYTES of free pages, the file and its WAL shrink; a
// smaller backlog keeps its pages for reuse; appends go on with increasing ids after a reclaim.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { test } from 'node:test';
import { makeTempDir } from '@flowrent/shared/testing';
import { RECLAIM_FREE_BYTES } from '../src/store/inbox.js';
import type { AcceptBatch } from '../src/store/store.js';
import { openStore } from './helpers/store-files.js';

const ENTRY_BYTES = 256 * 1024;

/** `n` entries of incompressible payload, as one group commit. */
function batch(n: number, firstId: number): AcceptBatch[] {
  return [
    {
      projectId: 1,
      events: Array.from({ length: n }, (_, i) => ({
        projectId: 1,
        eventId: (firstId + i).toString(16).padStart(32, '0'),
        receivedAtMs: 0,
        factsJson: '{}',
        payload: randomBytes(ENTRY_BYTES),
      })),
      itemCounts: { event: n },
      sessions: [],
    },
  ];
}

const sizeOf = (file: string) => {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
};

test('an inbox emptied after a backlog gives its space back; a small backlog keeps its pages', async () => {
  const { db, inboxDb, store } = openStore(makeTempDir('et-inbox-reclaim-'));
  try {
    const file = inboxDb.name;
    const used = () => sizeOf(file) + sizeOf(`${file}-wal`);
    const rows = () => inboxDb.prepare('SELECT count(*) FROM inbox').pluck().get();

    // a small backlog (4 MiB): its pages stay for the next appends
    store.acceptMany(batch(16, 1));
    store.trimInbox(16);
    assert.equal(rows(), 0);
    const small = Number(inboxDb.pragma('freelist_count', { simple: true })) * 4096;
    assert.ok(small > 0 && small < RECLAIM_FREE_BYTES, `free ${small}`);

    // a backlog of 24 MiB, digested and trimmed: file and WAL shrink
    const big = (RECLAIM_FREE_BYTES * 1.5) / ENTRY_BYTES;
    store.acceptMany(batch(big, 100));
    const before = used();
    assert.ok(before > RECLAIM_FREE_BYTES, `before ${before}`);
    store.trimInbox(16 + big);
    const after = used();
    assert.ok(after < 1024 * 1024, `inbox + WAL ${before} -> ${after} bytes`);

    // accepting goes on, ids after the trimmed ones
    store.acceptMany(batch(1, 1000));
    assert.deepEqual(inboxDb.prepare('SELECT id FROM inbox').pluck().all(), [17 + big]);
  } finally {
    await store.close();
    inboxDb.close();
    db.close();
  }
});

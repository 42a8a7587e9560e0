// Rolling back to an older log viewer: a version from before inbox frame type 0x03 (a body with parse
// options, written when records were refused as older than the retention) cannot read that frame and
// failed at start. A clean close seals everything and leaves an empty inbox, which every version
// reads; a crash leaves the frames, and the README says to start the new version once more and stop
// it cleanly before rolling back.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { closeDatabase } from '@flowrent/shared/db';
import { openTestStore } from './store-helpers.js';

const NOW_MS = Date.UTC(2026, 10, 26, 12, 0, 0);
const DAY_MS = 86_400_000;
const ago = (days: number) => new Date(NOW_MS - days * DAY_MS).toISOString();

/** The first byte of every frame of every segment (an older reader's view of the folder). */
function frameTypes(inboxDir: string): number[] {
  const types: number[] = [];
  for (const name of readdirSync(inboxDir).sort()) {
    const buf = readFileSync(join(inboxDir, name));
    for (let off = 0; off + 8 <= buf.length; off += 8 + buf.readUInt32LE(off)) types.push(buf[off + 8]);
  }
  return types;
}

test('a clean close leaves no inbox frame for an older version to misread; a crash keeps them to replay', async () => {
  for (const sealWorker of [true, false]) {
    const nowNs = BigInt(NOW_MS) * 1_000_000n;
    const t = openTestStore({
      sealWorker,
      clock: () => NOW_MS,
      retention: { maxAgeNs: 7n * BigInt(DAY_MS) * 1_000_000n },
    });
    const body = [ago(8), ago(1)].map((ts, i) => JSON.stringify({ ts, msg: `line ${i}` })).join('\n');
    const res = await t.store.ingestBody({ kind: 'ndjson', body: Buffer.from(body), nowNs });
    assert.deepEqual([res.accepted, res.rejected], [1, 1]);
    const inboxDir = join(t.dir, 'inbox');
    assert.deepEqual(frameTypes(inboxDir), [0x03], 'the refusal went into a frame type 0x03');

    await t.store.close({ seal: false }); // a crash: the frame stays, replayed by the next start
    assert.deepEqual(frameTypes(inboxDir), [0x03]);
    const again = t.reopen();
    assert.equal(again.store.stats().openRecords, 1);
    await again.store.close(); // a clean stop: sealed, checkpointed, the inbox emptied
    assert.deepEqual(readdirSync(inboxDir), [], `sealWorker ${sealWorker}`);
    const older = again.reopen({ retention: undefined });
    assert.equal(older.store.stats().sealedRecords, 1, 'the record is in its block');
    await older.store.close();
    closeDatabase(older.db);
  }
});

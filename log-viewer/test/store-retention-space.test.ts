// After a retention pass that drops blocks, the space goes back to the file system at once: the main
// file shrinks and the WAL is truncated, with nothing ingested afterwards (black-box 33, ninth
// session: both kept their size until the next seal's checkpoint, i.e. forever on an idle service).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { closeDatabase } from '@flowrent/shared/db';
import { openTestStore, rec, T0 } from './store-helpers.js';

const HOUR_NS = 3_600_000_000_000n;

test('a size retention pass shrinks logs.db and truncates its WAL without further ingest', async () => {
  const t = openTestStore({ blockRows: 2_000 });
  for (let h = 0; h < 6; h++) {
    await t.store.append(
      Array.from({ length: 2_000 }, (_, i) =>
        rec(h * 2_000 + i, {
          timeNs: T0 + BigInt(h) * HOUR_NS + BigInt(i),
          message: randomBytes(96).toString('hex'),
        }),
      ),
    );
    t.store.flush();
  }
  t.db.pragma('wal_checkpoint(TRUNCATE)'); // start from a folded WAL, as after a seal's checkpoint
  const size = (name: string) => statSync(join(t.dir, name)).size;
  const before = size('logs.db');
  const stored = t.store.stats().storedBytes;
  assert.ok(stored > 1_000_000, `stored ${stored}`);
  const dropped = t.store.applyRetention({ maxBytes: Math.floor(stored / 6) + 1 }, T0 + 6n * HOUR_NS);
  assert.ok(dropped >= 8_000, `dropped ${dropped}`);
  const after = size('logs.db');
  assert.ok(after < before - stored / 2, `logs.db ${before} -> ${after} bytes (${stored} stored before)`);
  assert.equal(size('logs.db-wal'), 0);
  await t.store.close();
  closeDatabase(t.db);
});

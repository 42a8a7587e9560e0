import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeTempDir } from '@flowrent/shared/testing';
import { openStore } from './store-helpers.js';

/** Until the background spare segment is on disk too (the files then stay as they are). */
async function settled(walDir: string, files: number): Promise<string[]> {
  for (;;) {
    const names = readdirSync(walDir).sort();
    if (names.length >= files) return names;
    await new Promise((r) => setImmediate(r));
  }
}

test('starts that end before any write (a crash-looping start) do not pile up write-ahead log segments', async () => {
  const dir = makeTempDir('metrics-restarts-');
  const walDir = join(dir, 'wal');
  const options = { walSegmentBytes: 64 * 1024 };
  let names: string[] = [];
  // Each start makes its first segment and a spare; none closes the store (the process exits, as
  // after a bad SCRAPE_CONFIG, which is read after the store is open).
  for (let start = 0; start < 5; start++) {
    openStore(dir, options);
    names = await settled(walDir, 2);
  }
  assert.equal(names.length, 2, names.join(' '));
  // The log still works after such starts: a write replays at the next one.
  const s = openStore(dir, options);
  await s.store.appendSamples([{ labels: [['__name__', 'up']], t: 1_764_000_000_000, v: 1 }]);
  const again = openStore(dir, options);
  assert.deepEqual(
    again.store.index.byId.filter((info) => info !== undefined).map((info) => info.metric),
    ['up'],
  );
  await again.close();
});

test('walReplay reports the segments replayed at start-up, up to the one opened for writing (/api/v1/status/walreplay)', async () => {
  const dir = makeTempDir('metrics-walreplay-');
  const options = { walSegmentBytes: 64 * 1024 };
  const first = openStore(dir, options);
  const fresh = first.store.walReplay;
  assert.equal(fresh.min, fresh.max);
  assert.equal(fresh.current, fresh.max);
  await first.store.appendSamples([{ labels: [['__name__', 'up']], t: 1_764_000_000_000, v: 1 }]);
  // Not closed: a crash, so the next start replays the log.
  const again = openStore(dir, options);
  const { min, max, current } = again.store.walReplay;
  assert.equal(min, fresh.max);
  assert.ok(max > min, JSON.stringify(again.store.walReplay));
  assert.equal(current, max);
  await again.close();
});

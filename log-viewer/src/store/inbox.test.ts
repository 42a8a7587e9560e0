import assert from 'node:assert/strict';
import { pbkdf2 } from 'node:crypto';
import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeTempDir } from '@flowrent/shared/testing';
import { Inbox } from './inbox.js';

test('appendBody() reads each body back from its frame, after later frames and after a restart replays them', async () => {
  const dir = join(makeTempDir('lv-inbox-'), 'inbox');
  const { inbox } = Inbox.open(dir);
  const bodies = [
    Buffer.from('{"msg":"a"}'),
    Buffer.alloc(70_000, 'x'),
    Buffer.from('{"msg":"c"}\n{"msg":"d"}'),
  ];
  const written = bodies.map((body, i) =>
    inbox.appendBody(i % 2, {
      kind: 'ndjson',
      body,
      seqBase: 1 + 10 * i,
      count: 1 + (i === 2 ? 1 : 0),
      nowNs: 5n,
    }),
  );
  await Promise.all(written.map((w) => w.durable));
  for (let i = 0; i < bodies.length; i++) assert.deepEqual(written[i].read(), bodies[i]);
  await inbox.close();
  const again = Inbox.open(dir);
  assert.deepEqual(
    again.entries.map((e) => ('body' in e ? Buffer.from(e.body) : undefined)),
    bodies,
  );
  assert.deepEqual(written[1].read(), bodies[1]);
  await again.inbox.close();
});

/** Descriptors of this process open on `path` (Linux /proc). */
function openDescriptors(path: string): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === path) n++;
    } catch {
      // closed while listing
    }
  }
  return n;
}

test('a segment replaced while its fdatasync waits is closed only when that sync returns', async () => {
  const dir = join(makeTempDir('lv-inbox-'), 'inbox');
  const { inbox } = Inbox.open(dir);
  const firstSegment = join(dir, 'seg-0000000001.log');
  // occupy libuv's 4 pool threads so the background fdatasync queues behind them
  const poolBusy = Array.from(
    { length: 4 },
    () => new Promise((resolve) => pbkdf2('p', 's', 200_000, 32, 'sha256', resolve)),
  );
  const body = (n: number, seqBase: number) =>
    inbox.appendBody(0, { kind: 'ndjson', body: Buffer.alloc(n, 'x'), seqBase, count: 1, nowNs: 1n });
  const first = body(100, 1); // starts a sync on segment 1, queued behind the pool
  const big = body(17 * 1024 * 1024, 2); // over the segment size: segment 2 starts
  assert.equal(inbox.segmentCount(), 2);
  assert.equal(openDescriptors(firstSegment), 1, 'segment 1 stays open while its sync waits');
  await Promise.all([first.durable, big.durable, ...poolBusy]);
  assert.equal(openDescriptors(firstSegment), 0, 'and is closed once the sync returned');
  assert.deepEqual(first.read(), Buffer.alloc(100, 'x'));
  await inbox.close();
});

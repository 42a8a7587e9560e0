import assert from 'node:assert/strict';
import { pbkdf2 } from 'node:crypto';
import { appendFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { crc32 } from 'node:zlib';
import { makeTempDir } from '@flowrent/shared/testing';
import { EXTENSION_SKIPPABLE, Inbox, UnreadableFrame } from './inbox.js';

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

/** One frame as the inbox lays it out: [u32 payload length][u32 crc32][payload]. */
function frame(payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32LE(payload.length, 0);
  header.writeUInt32LE(crc32(payload), 4);
  return Buffer.concat([header, payload]);
}

/** An extension frame of a newer writer: [type][flags][inbox format u16][payload]. */
function extension(type: number, flags: number, format: number, payload = 'later'): Buffer {
  const head = Buffer.from([type, flags, 0, 0]);
  head.writeUInt16LE(format, 2);
  return frame(Buffer.concat([head, Buffer.from(payload)]));
}

/** A segment with two bodies written by this version and `between` written between them. */
async function segmentWith(between: Buffer): Promise<string> {
  const dir = join(makeTempDir('lv-inbox-'), 'inbox');
  const { inbox } = Inbox.open(dir);
  const write = (seqBase: number, text: string) =>
    inbox.appendBody(0, { kind: 'ndjson', body: Buffer.from(text), seqBase, count: 1, nowNs: 1n }).durable;
  await write(1, '{"msg":"first"}');
  appendFileSync(join(dir, 'seg-0000000001.log'), between); // the segment is opened to append
  await write(2, '{"msg":"second"}');
  await inbox.close();
  return dir;
}

test('a frame of a type this version does not know stops the start naming the type and its writer', async () => {
  const newer = await segmentWith(frame(Buffer.from([0x04, 0, 1, 2, 3])));
  assert.throws(
    () => Inbox.open(newer),
    (err: Error) =>
      err instanceof UnreadableFrame &&
      /seg-0000000001\.log: the frame at byte \d+ has type 0x04, written by a newer log viewer; this log viewer reads inbox format 4 \(frames 0x01 rows .*0x03 body with parse options \(format 3, commit 051319a\), skippable extensions\)\. Start the version that wrote it and stop it cleanly/.test(
        err.message,
      ),
  );
  const critical = await segmentWith(extension(0x81, 0, 9));
  assert.throws(() => Inbox.open(critical), /has type 0x81, written by a log viewer of inbox format 9;/);
});

test('an extension frame flagged skippable (no records) is passed over by a reader that does not know it', async () => {
  const dir = await segmentWith(extension(0x80, EXTENSION_SKIPPABLE, 9, 'an index of a newer version'));
  const { inbox, entries } = Inbox.open(dir);
  assert.deepEqual(
    entries.map((e) => ('body' in e ? Buffer.from(e.body).toString() : undefined)),
    ['{"msg":"first"}', '{"msg":"second"}'],
  );
  await inbox.close();
});

test('close(releaseBelow) deletes every segment whose rows are all below it, the current one too', async () => {
  const dir = join(makeTempDir('lv-inbox-'), 'inbox');
  const { inbox } = Inbox.open(dir);
  await inbox.appendBody(0, { kind: 'ndjson', body: Buffer.from('{}'), seqBase: 1, count: 3, nowNs: 1n })
    .durable;
  await inbox.close(4);
  assert.deepEqual(readdirSync(dir), []);
  const kept = Inbox.open(dir);
  await kept.inbox.appendBody(0, { kind: 'ndjson', body: Buffer.from('{}'), seqBase: 4, count: 2, nowNs: 1n })
    .durable;
  await kept.inbox.close(5); // seq 5 is not sealed: its segment stays
  assert.equal(Inbox.open(dir).entries.length, 1);
});

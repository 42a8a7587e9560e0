// The ingest worker pool prepares like the inline path and carries typed errors back.
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, test } from 'node:test';
import { IngestParseError, IngestTooLarge } from '../src/ingest/errors.js';
import { inlinePreparer, workerPreparer } from '../src/service/preparer.js';

const pool = workerPreparer(1);
after(() => pool.close());

const body = gzipSync(
  '{"event_id":"0123456789abcdef0123456789abcdef"}\n{"type":"event"}\n{"message":"hi 1"}\n',
);
const input = { endpoint: 'envelope' as const, projectId: 1, body, contentEncoding: 'gzip', nowMs: 1000 };

test('the worker pool returns the same facts and payload as the inline path', async () => {
  const viaWorker = await pool.prepare(input);
  const inline = await inlinePreparer().prepare(input);
  assert.deepEqual(JSON.parse(viaWorker.entries[0].factsJson), JSON.parse(inline.entries[0].factsJson));
  assert.ok(Buffer.isBuffer(viaWorker.entries[0].payload));
  assert.deepEqual(viaWorker.entries[0].payload, inline.entries[0].payload);
  assert.deepEqual(viaWorker.itemCounts, { event: 1 });
});

test('typed ingest errors cross the worker boundary', async () => {
  await assert.rejects(pool.prepare({ ...input, body: Buffer.from('nope') }), IngestParseError);
  const bomb = gzipSync(Buffer.alloc(21 * 1024 * 1024, 32));
  await assert.rejects(pool.prepare({ ...input, body: bomb }), IngestTooLarge);
  await assert.rejects(
    pool.prepare({ ...input, body: Buffer.from('{}\n{"type":"event"}\n{bad'), contentEncoding: undefined }),
    /not valid JSON/,
  );
});

test('requests that wait for the worker go together and each gets its own answer', async () => {
  const bodyOf = (n: number) =>
    gzipSync(`{"event_id":"${String(n).padStart(32, '0')}"}\n{"type":"event"}\n{"message":"hi ${n}"}\n`);
  // sent in one go: the first finds the worker idle, the others wait and share one message
  const results = await Promise.allSettled([
    ...[1, 2, 3].map((n) => pool.prepare({ ...input, body: bodyOf(n) })),
    pool.prepare({ ...input, body: Buffer.from('nope') }),
    ...[4, 5].map((n) => pool.prepare({ ...input, body: bodyOf(n) })),
  ]);
  const ids = results.map((r) => (r.status === 'fulfilled' ? r.value.entries[0].eventId : r.reason));
  assert.deepEqual(
    ids.slice(0, 3),
    [1, 2, 3].map((n) => String(n).padStart(32, '0')),
  );
  assert.ok(ids[3] instanceof IngestParseError);
  assert.deepEqual(
    ids.slice(4),
    [4, 5].map((n) => String(n).padStart(32, '0')),
  );
  for (const r of results)
    if (r.status === 'fulfilled') assert.ok(Buffer.isBuffer(r.value.entries[0].payload));
  // more than one message holds (16): the rest go in the next ones, each answered in order
  const many = await Promise.all(
    Array.from({ length: 40 }, (_, n) => pool.prepare({ ...input, body: bodyOf(n) })),
  );
  assert.deepEqual(
    many.map((p) => p.entries[0].eventId),
    Array.from({ length: 40 }, (_, n) => String(n).padStart(32, '0')),
  );
});

// The ingest worker pool prepares like the inline path and carries typed errors back.
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { Unavailable } from '@flowrent/shared/errors';
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
  // sent in one turn: they reach the idle worker together, in one message
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

test('a worker that dies fails only the requests it held, with a retryable 503; the waiting ones go to its successor', async () => {
  // a stand-in worker: exits while preparing a body that says "die", else answers each input
  const source = `const { parentPort } = require('node:worker_threads');
    parentPort.on('message', (inputs) => {
      if (inputs.some((i) => Buffer.from(i.body).toString().includes('die'))) process.exit(7);
      parentPort.postMessage(inputs.map((i) => ({ ok: true, result: { entries: [], itemCounts: {
        [Buffer.from(i.body).toString()]: 1 }, sessions: [], headerEventId: null, countsKey: null } })));
    });`;
  const dying = workerPreparer(1, () => new Worker(source, { eval: true }));
  try {
    const held = dying.prepare({ ...input, body: Buffer.from('die') });
    // the next turn: the first went to the worker alone, and these wait while it holds it
    await new Promise((r) => setImmediate(r));
    const waiting = [
      dying.prepare({ ...input, body: Buffer.from('a') }),
      dying.prepare({ ...input, body: Buffer.from('b') }),
    ];
    await assert.rejects(held, (err: unknown) => {
      assert.ok(err instanceof Unavailable);
      assert.equal(err.status, 503);
      assert.equal(err.headers['retry-after'], '1');
      return true;
    });
    const answered = await Promise.all(waiting);
    assert.deepEqual(
      answered.map((p) => Object.keys(p.itemCounts)),
      [['a'], ['b']],
    );
  } finally {
    await dying.close();
  }
});

test('requests that arrive in one turn while the worker is idle go to it in one message; a later one goes alone', async () => {
  // a stand-in worker that answers each input with the size of the message it came in
  const source = `const { parentPort } = require('node:worker_threads');
    parentPort.on('message', (inputs) => {
      parentPort.postMessage(inputs.map((i) => ({ ok: true, result: { entries: [], itemCounts: {
        [Buffer.from(i.body).toString()]: inputs.length }, sessions: [], headerEventId: null, countsKey: null } })));
    });`;
  const counting = workerPreparer(1, () => new Worker(source, { eval: true }));
  try {
    const sameTurn = await Promise.all(
      ['a', 'b', 'c'].map((b) => counting.prepare({ ...input, body: Buffer.from(b) })),
    );
    assert.deepEqual(
      sameTurn.map((p) => p.itemCounts),
      [{ a: 3 }, { b: 3 }, { c: 3 }],
    );
    const alone = await counting.prepare({ ...input, body: Buffer.from('d') });
    assert.deepEqual(alone.itemCounts, { d: 1 });
  } finally {
    await counting.close();
  }
});

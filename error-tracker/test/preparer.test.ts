// The ingest worker pool prepares like the inline path and carries typed errors back.
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { Unavailable } from '@flowrent/shared/errors';
import { IngestParseError, IngestTooLarge } from '../src/ingest/errors.js';
import { inlinePreparer, type Reply, workerPreparer } from '../src/service/preparer.js';
import { spawnWorker } from '../src/service/spawn-worker.js';

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
  // sent in one go: the first two go to the worker at once (it holds two messages), the others
  // wait and share the next message
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

test('the worker answers each request of a message as soon as it is prepared', async () => {
  const repliesPerMessage: number[] = [];
  const counting = workerPreparer(1, () => {
    const worker = spawnWorker('prepare-worker');
    worker.on('message', (replies: Reply[]) => repliesPerMessage.push(replies.length));
    return worker;
  });
  try {
    // two go to the worker at once, the other four wait and share a message
    const ids = await Promise.all(
      Array.from({ length: 6 }, async (_, n) => {
        const body = gzipSync(
          `{"event_id":"${String(n).padStart(32, '0')}"}\n{"type":"event"}\n{"message":"m"}\n`,
        );
        return (await counting.prepare({ ...input, body })).entries[0].eventId;
      }),
    );
    assert.deepEqual(
      ids,
      Array.from({ length: 6 }, (_, n) => String(n).padStart(32, '0')),
    );
    assert.deepEqual(repliesPerMessage, [1, 1, 1, 1, 1, 1]);
  } finally {
    await counting.close();
  }
});

/** A stand-in worker: answers each input with its body as the only item count (and counts them in
 * workerData's first Int32, if given); exits on "die". */
const echoWorker = `const { parentPort, workerData } = require('node:worker_threads');
  const flags = workerData ? new Int32Array(workerData) : null;
  parentPort.on('message', (inputs) => {
    for (const i of inputs) {
      const text = Buffer.from(i.body).toString();
      if (text === 'die') process.exit(7);
      parentPort.postMessage([{ ok: true, result: { entries: [], itemCounts: { [text]: 1 }, sessions: [],
        headerEventId: null, countsKey: null } }]);
      if (flags) { Atomics.add(flags, 0, 1); Atomics.notify(flags, 0); }
    }
  });`;

test('a busy worker already holds the next request: it needs no turn of the main thread to go on', async () => {
  const prepared = new Int32Array(new SharedArrayBuffer(4));
  const pool2 = workerPreparer(1, () => new Worker(echoWorker, { eval: true, workerData: prepared.buffer }));
  try {
    const first = pool2.prepare({ ...input, body: Buffer.from('first') });
    const second = pool2.prepare({ ...input, body: Buffer.from('second') });
    // the main thread blocks here: had the second request waited for the first's answer (a
    // message the blocked main thread cannot read), the worker would never see it
    for (let done = Atomics.load(prepared, 0); done < 2; done = Atomics.load(prepared, 0)) {
      assert.notEqual(Atomics.wait(prepared, 0, done, 10_000), 'timed-out', 'the worker prepared both');
    }
    const answers = await Promise.all([first, second]);
    assert.deepEqual(
      answers.map((p) => Object.keys(p.itemCounts)),
      [['first'], ['second']],
    );
  } finally {
    await pool2.close();
  }
});

test('a worker that dies fails only the request it was preparing, with a retryable 503; the others go to its successor', async () => {
  const dying = workerPreparer(1, () => new Worker(echoWorker, { eval: true }));
  try {
    const held = dying.prepare({ ...input, body: Buffer.from('die') });
    // the first of these goes to the worker with the first request, the second waits in the pool
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

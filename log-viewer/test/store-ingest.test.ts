import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { crc32 } from 'node:zlib';
import { BadRequest, ParseError } from '@flowrent/shared/errors';
import { closeDatabase } from '@flowrent/shared/db';
import { makeTempDir } from '@flowrent/shared/testing';
import { compressSync } from 'snappy';
import { ProtoWriter, WIRE_VARINT } from '../src/ingest/protobuf.js';
import { encodeRows } from '../src/store/inbox.js';
import type { SqliteLogStore } from '../src/store/sqlite-log-store.js';
import { toRow } from '../src/store/row.js';
import { collect, openTestStore, rec, T0 } from './store-helpers.js';

const NOW = T0 + 5_000_000_000n;

function ndjson(from: number, n: number): Buffer {
  const lines = [];
  for (let i = from; i < from + n; i++) {
    const ts = new Date(Number(T0 / 1_000_000n) + i).toISOString();
    lines.push(
      JSON.stringify({ ts, level: i % 3 ? 'info' : 'error', service: `s${i % 2}`, msg: `line ${i}`, n: i }),
    );
  }
  return Buffer.from(lines.join('\n'));
}

/** A snappy logproto.PushRequest: one stream per label string, entries [ms offset from T0, line, metadata]. */
function lokiPush(streams: [string, [number, string, [string, string][]][]][]): Buffer {
  const request = new ProtoWriter();
  for (const [labels, entries] of streams) {
    const stream = new ProtoWriter().bytesField(1, Buffer.from(labels));
    for (const [ms, line, meta] of entries) {
      const t = T0 / 1_000_000n + BigInt(ms);
      const ts = new ProtoWriter()
        .tag(1, WIRE_VARINT)
        .varint(Number(t / 1000n))
        .tag(2, WIRE_VARINT)
        .varint(Number(t % 1000n) * 1_000_000)
        .finish();
      const e = new ProtoWriter().bytesField(1, ts).bytesField(2, Buffer.from(line));
      for (const [k, v] of meta)
        e.bytesField(
          3,
          new ProtoWriter().bytesField(1, Buffer.from(k)).bytesField(2, Buffer.from(v)).finish(),
        );
      stream.bytesField(2, e.finish());
    }
    request.bytesField(1, stream.finish());
  }
  return compressSync(request.finish());
}

const TRACE = 'ab'.repeat(16);

for (const sealWorker of [false, true]) {
  const where = sealWorker ? 'in the ingest workers' : 'on the main thread';
  test(`ingestBody() parses ${where}; rows are readable before and after sealing and survive a crash`, async () => {
    // The workers' JIT warm-up runs here, as in the app (the helper turns it off elsewhere).
    const t = openTestStore({ blockRows: 64, sealWorker, warmUpWorkers: sealWorker });
    const results = await Promise.all(
      [0, 100, 200].map((from) =>
        t.store.ingestBody({ kind: 'ndjson', body: ndjson(from, 100), nowNs: NOW }),
      ),
    );
    assert.deepEqual(
      results.map((r) => r.accepted),
      [100, 100, 100],
    );
    const before = collect(t.store, {});
    assert.equal(before.length, 300);
    assert.equal(new Set(before.map((r) => r.seq)).size, 300);
    assert.deepEqual(before[0].attributes, { n: 299 });
    assert.equal(before[299].message, 'line 0');
    await new Promise((resolve) => setImmediate(resolve));
    await t.store.sealsSettled();
    assert.equal(collect(t.store, {}).length, 300);
    // Crash-like close: the inbox holds the bodies, replay parses them again with the same seqs.
    await t.store.close({ seal: false });
    const again = t.reopen();
    const after = collect(again.store, {});
    assert.deepEqual(
      after.map((r) => [r.seq, r.message, r.service, r.level]),
      before.map((r) => [r.seq, r.message, r.service, r.level]),
    );
    again.store.flush();
    assert.equal(again.store.stats().openRecords, 0);
    assert.equal(collect(again.store, {}).length, 300);
    await again.store.close();
    closeDatabase(again.db);
  });

  test(`ingestBody() rejects a malformed body ${where} with the parser's ParseError and appends nothing`, async () => {
    const t = openTestStore({ sealWorker });
    const body = Buffer.from('{"msg":"ok"}\n{"msg": nope}\n');
    await assert.rejects(t.store.ingestBody({ kind: 'ndjson', body, nowNs: NOW }), (err: Error) => {
      assert.ok(err instanceof ParseError, `${err.name}: ${err.message}`);
      assert.match(err.message, /line 2/);
      return true;
    });
    assert.equal(collect(t.store, {}).length, 0);
    const ok = await t.store.ingestBody({ kind: 'ndjson', body: ndjson(0, 3), nowNs: NOW });
    assert.equal(ok.accepted, 3);
    assert.deepEqual(
      collect(t.store, {}).map((r) => r.seq),
      [3, 2, 1],
    );
    await t.store.close();
    closeDatabase(t.db);
  });
}

for (const sealWorker of [false, true]) {
  const where = sealWorker ? 'in the ingest workers' : 'on the main thread';
  test(`ingestBody() takes Loki pushes (snappy protobuf and JSON) ${where}; labels, metadata and rows survive a crash`, async () => {
    const t = openTestStore({ blockRows: 4, sealWorker });
    const protobuf = lokiPush([
      // winston-loki's unescaped quote inside a label value, parsed leniently.
      ['{app="shop", host="h1", note="say "hi""}', [[1, 'plain line one', [['trace_id', TRACE]]]]],
      [
        '{service_name="pay", level="warn"}',
        [
          [2, '{"msg":"json line","user":7}', []],
          [3, 'charged {"order":"o-1"}', [['tenant', 't1']]],
        ],
      ],
    ]);
    const json = Buffer.from(
      JSON.stringify({
        streams: [
          {
            stream: { service_name: 'api', level: 'error' },
            values: [
              [String(T0 + 4_000_000n), 'from json', { trace_id: 'cd'.repeat(16) }],
              [String(T0 + 5_000_000n), 'second json line'],
            ],
          },
        ],
      }),
    );
    const results = await Promise.all([
      t.store.ingestBody({ kind: 'loki-protobuf', body: protobuf, nowNs: NOW }),
      t.store.ingestBody({ kind: 'loki-json', body: json, nowNs: NOW }),
    ]);
    assert.deepEqual(
      results.map((r) => [r.accepted, r.rejected]),
      [
        [3, 0],
        [2, 0],
      ],
    );
    const view = (records: ReturnType<typeof collect>) =>
      records.map((r) => [
        r.message,
        r.service,
        r.host,
        r.level,
        r.traceId,
        r.labels,
        r.attributes,
        r.protocol,
        String(r.timeNs - T0),
      ]);
    const before = view(collect(t.store, {}));
    assert.deepEqual(before, [
      [
        'second json line',
        'api',
        '',
        'error',
        '',
        { service_name: 'api', level: 'error' },
        {},
        'loki',
        '5000000',
      ],
      [
        'from json',
        'api',
        '',
        'error',
        'cd'.repeat(16),
        { service_name: 'api', level: 'error' },
        {},
        'loki',
        '4000000',
      ],
      [
        'charged',
        'pay',
        '',
        'warn',
        '',
        { service_name: 'pay', level: 'warn' },
        { tenant: 't1', order: 'o-1' },
        'loki',
        '3000000',
      ],
      [
        'json line',
        'pay',
        '',
        'warn',
        '',
        { service_name: 'pay', level: 'warn' },
        { user: 7 },
        'loki',
        '2000000',
      ],
      [
        'plain line one',
        'shop',
        'h1',
        'info',
        TRACE,
        { app: 'shop', host: 'h1', note: 'say "hi"' },
        {},
        'loki',
        '1000000',
      ],
    ]);
    // Crash-like close before any seal: the inbox holds the two bodies (protobuf still compressed).
    await t.store.close({ seal: false });
    const again = t.reopen();
    assert.deepEqual(view(collect(again.store, {})), before);
    again.store.flush();
    assert.equal(again.store.stats().openRecords, 0);
    assert.deepEqual(view(collect(again.store, {})), before);
    await again.store.close();
    closeDatabase(again.db);
  });

  test(`ingestBody() rejects bad Loki pushes ${where} with the parser's error and appends nothing`, async () => {
    const t = openTestStore({ sealWorker });
    const reject = async (
      kind: 'loki-protobuf' | 'loki-json',
      body: Buffer,
      type: new (...args: never[]) => Error,
      message: RegExp,
    ) =>
      assert.rejects(t.store.ingestBody({ kind, body, nowNs: NOW }), (err: Error) => {
        assert.ok(err instanceof type, `${err.name}: ${err.message}`);
        assert.match(err.message, message);
        return true;
      });
    await reject('loki-protobuf', Buffer.from('garbage'), ParseError, /snappy/);
    await reject(
      'loki-protobuf',
      compressSync(Buffer.from([0x0a, 0x05, 0x01])),
      ParseError,
      /malformed protobuf/,
    );
    const labels = `{${Array.from({ length: 31 }, (_, i) => `l${i}="v"`).join(', ')}}`;
    await reject(
      'loki-protobuf',
      lokiPush([[labels, [[1, 'x', []]]]]),
      BadRequest,
      /MAX_LABELS_PER_STREAM = 30/,
    );
    // an entry over MAX_LINE_BYTES is dropped alone, as Loki's line_too_long (here the only one)
    const long = await t.store.ingestBody({
      kind: 'loki-protobuf',
      body: lokiPush([['{app="a"}', [[2, 'x'.repeat(300_000), []]]]]),
      nowNs: NOW,
    });
    assert.deepEqual([long.accepted, long.rejected], [0, 1]);
    assert.match(long.errors[0], /^Max entry size '262144' bytes exceeded for stream '\{app="a"\}'/);
    await reject('loki-json', Buffer.from('{"streams":'), ParseError, /malformed JSON/);
    assert.equal(collect(t.store, {}).length, 0);
    const ok = await t.store.ingestBody({
      kind: 'loki-protobuf',
      body: lokiPush([['{app="a"}', [[1, 'ok', []]]]]),
      nowNs: NOW,
    });
    assert.equal(ok.accepted, 1);
    assert.deepEqual(
      collect(t.store, {}).map((r) => [r.seq, r.message]),
      [[1, 'ok']],
    );
    await t.store.close();
    closeDatabase(t.db);
  });
}

for (const sealWorker of [false, true]) {
  const where = sealWorker ? 'in the ingest workers' : 'on the main thread';
  test(`ingestBody() takes Elasticsearch bulk bodies ${where}: per-action items, rows that survive a crash`, async () => {
    const t = openTestStore({ blockRows: 4, sealWorker });
    const body = Buffer.from(
      [
        '{"create":{"_index":"logs-app"}}',
        '{"@timestamp":"2026-11-25T19:44:54.077Z","message":"one","log.level":"error","service.name":"files"}',
        '{"delete":{"_id":"1"}}',
        '{"index":{}}',
        '{"message":"bad","@timestamp":"never"}',
        '{"index":{}}',
        '{"message":"two","user":{"id":7}}',
      ].join('\n'),
    );
    const result = await t.store.ingestBody({ kind: 'elasticsearch-bulk', body, nowNs: NOW });
    assert.deepEqual([result.accepted, result.rejected], [2, 2]);
    assert.deepEqual(
      result.items?.map((i) => [i.action, i.status, i.error?.type]),
      [
        ['create', 201, undefined],
        ['delete', 400, 'illegal_argument_exception'],
        ['index', 400, 'mapper_parsing_exception'],
        ['index', 201, undefined],
      ],
    );
    const view = (store: SqliteLogStore) =>
      collect(store, {}).map((r) => [
        r.seq,
        r.message,
        r.service,
        r.level,
        r.labels,
        r.attributes,
        r.protocol,
      ]);
    const before = view(t.store);
    assert.deepEqual(before, [
      [2, 'two', '', 'info', {}, { user: { id: 7 } }, 'elasticsearch'],
      [1, 'one', 'files', 'error', { _index: 'logs-app' }, {}, 'elasticsearch'],
    ]);
    await assert.rejects(
      t.store.ingestBody({ kind: 'elasticsearch-bulk', body: Buffer.from('{"index":{}}'), nowNs: NOW }),
      (err: Error) => err instanceof ParseError && /has no document line/.test(err.message),
    );
    await t.store.close({ seal: false });
    const again = t.reopen();
    assert.deepEqual(view(again.store), before);
    await again.store.close();
    closeDatabase(again.db);
  });
}

test('ingestBody() hands each durable batch to tail listeners', async () => {
  const t = openTestStore({ sealWorker: true });
  const seen: string[] = [];
  t.store.subscribe((records) => seen.push(...records.map((r) => r.message)));
  await t.store.ingestBody({ kind: 'ndjson', body: ndjson(0, 2), nowNs: NOW });
  assert.deepEqual(seen, ['line 0', 'line 1']);
  await t.store.close();
  closeDatabase(t.db);
});

test('inbox frames written before body frames existed (a JSON array of row tuples) are replayed after the upgrade', async () => {
  const dir = makeTempDir('logstore-legacy-');
  mkdirSync(join(dir, 'inbox'), { recursive: true });
  const rows = [rec(1), rec(2)].map((r, i) => toRow(r, 1 + i));
  const payload = Buffer.from(encodeRows(rows), 'utf8');
  const header = Buffer.alloc(8);
  header.writeUInt32LE(payload.length, 0);
  header.writeUInt32LE(crc32(payload), 4);
  writeFileSync(join(dir, 'inbox', 'seg-0000000001.log'), Buffer.concat([header, payload]));
  const t = openTestStore({ sealWorker: true }, dir);
  assert.deepEqual(
    collect(t.store, {}).map((r) => [r.seq, r.message]),
    [
      [2, 'request 2 handled in 2 ms'],
      [1, 'request 1 handled in 1 ms'],
    ],
  );
  const more = await t.store.ingestBody({ kind: 'ndjson', body: ndjson(0, 1), nowNs: NOW });
  assert.equal(more.accepted, 1);
  // Newest first by time: the body's line is stamped T0, before the replayed rows.
  assert.deepEqual(
    collect(t.store, {}).map((r) => r.seq),
    [2, 1, 3],
  );
  t.store.flush();
  await t.store.close();
  closeDatabase(t.db);
});

test('append() and ingestBody() batches interleave in one store and all survive a crash', async () => {
  const t = openTestStore({ sealWorker: true, blockRows: 32 });
  await Promise.all([
    t.store.append([rec(1), rec(2), rec(3)]),
    t.store.ingestBody({ kind: 'ndjson', body: ndjson(10, 40), nowNs: NOW }),
    t.store.append([rec(4)]),
    t.store.ingestBody({ kind: 'ndjson', body: ndjson(50, 40), nowNs: NOW }),
  ]);
  await new Promise((resolve) => setImmediate(resolve));
  await t.store.sealsSettled();
  const before = collect(t.store, {}).map((r) => [r.seq, r.message]);
  assert.equal(before.length, 84);
  await t.store.close({ seal: false });
  const again = t.reopen({ sealWorker: false });
  assert.deepEqual(
    collect(again.store, {}).map((r) => [r.seq, r.message]),
    before,
  );
  again.store.flush();
  assert.equal(collect(again.store, {}).length, 84);
  await again.store.close();
  closeDatabase(again.db);
});

test('when an ingest worker stops, its stream and new bodies are handled on the remaining threads without losing rows', async () => {
  const t = openTestStore({ sealWorker: true, blockRows: 64 });
  await t.store.ingestBody({ kind: 'ndjson', body: ndjson(0, 100), nowNs: NOW });
  await t.store.ingestBody({ kind: 'ndjson', body: ndjson(100, 100), nowNs: NOW });
  const internals = (
    t.store as unknown as {
      workers: { sealers: ({ worker: { terminate(): Promise<number> } } | undefined)[] };
    }
  ).workers;
  await internals.sealers[0]?.worker.terminate();
  await internals.sealers[1]?.worker.terminate();
  assert.equal(t.store.liveWorkers(), 0);
  const more = await t.store.ingestBody({ kind: 'ndjson', body: ndjson(200, 100), nowNs: NOW });
  assert.equal(more.accepted, 100);
  assert.equal(collect(t.store, {}).length, 300);
  t.store.flush();
  assert.equal(t.store.stats().openRecords, 0);
  assert.equal(new Set(collect(t.store, {}).map((r) => r.seq)).size, 300);
  await t.store.close();
  closeDatabase(t.db);
});

test('a large body moves to its ingest worker and back (not copied): the inbox frame holds it intact, its rows survive a crash', async () => {
  const t = openTestStore({ sealWorker: true, blockRows: 8192 });
  const body = ndjson(0, 1000);
  const text = body.toString();
  assert.ok(body.byteLength >= 64 * 1024);
  const result = await t.store.ingestBody({ kind: 'ndjson', body, nowNs: NOW });
  assert.equal(result.accepted, 1000);
  assert.equal(body.byteLength, 0); // the caller's view was detached by the move
  const before = collect(t.store, {});
  assert.equal(before.length, 1000);
  assert.equal(before[999].message, 'line 0');
  await t.store.close({ seal: false });
  const again = t.reopen({ sealWorker: false });
  assert.deepEqual(collect(again.store, {}), before);
  assert.equal(ndjson(0, 1000).toString(), text);
  await again.store.close();
  closeDatabase(again.db);
});

test('a worker that stops while it holds a moved body: the request fails as unavailable, nothing of it is stored, the next one is taken', async () => {
  const t = openTestStore({ sealWorker: true, blockRows: 64 });
  const internals = (
    t.store as unknown as {
      workers: { sealers: ({ worker: { terminate(): Promise<number> } } | undefined)[] };
    }
  ).workers;
  const pending = t.store.ingestBody({ kind: 'ndjson', body: ndjson(0, 1000), nowNs: NOW }).then(
    (r) => r.accepted,
    (err: Error & { status?: number }) => err.status,
  );
  await Promise.all(internals.sealers.map((s) => s?.worker.terminate()));
  // The worker may have answered before it stopped; either way no row is stored twice or half.
  const outcome = await pending;
  const stored = collect(t.store, {}).length;
  if (outcome === 503) assert.equal(stored, 0);
  else assert.deepEqual([outcome, stored], [1000, 1000]);
  const more = await t.store.ingestBody({ kind: 'ndjson', body: ndjson(1000, 1000), nowNs: NOW });
  assert.equal(more.accepted, 1000);
  assert.equal(collect(t.store, {}).length, stored + 1000);
  await t.store.close();
  closeDatabase(t.db);
});

test('sealOpen() seals every open row in the ingest workers, whole blocks and the rest, and keeps every row once', async () => {
  const t = openTestStore({ sealWorker: true, blockRows: 64, maintenanceIntervalMs: 0 });
  for (const from of [0, 100, 200])
    await t.store.ingestBody({ kind: 'ndjson', body: ndjson(from, 100), nowNs: NOW });
  const before = collect(t.store, {});
  assert.equal(before.length, 300);
  await t.store.sealOpen();
  assert.equal(t.store.stats().openRecords, 0);
  assert.equal(t.store.stats().sealedRecords, 300);
  assert.deepEqual(collect(t.store, {}), before);
  await t.store.close();
  const again = t.reopen({ sealWorker: false });
  assert.deepEqual(collect(again.store, {}), before);
  await again.store.close();
  closeDatabase(again.db);
});

test('moved bulk and OTLP bodies: the worker keeps its own copy of the rows, so blocks it seals after handing the body back are intact', async () => {
  const t = openTestStore({ sealWorker: true, blockRows: 64, maintenanceIntervalMs: 0 });
  const docs: string[] = [];
  for (let i = 0; i < 600; i++)
    docs.push(
      '{"index":{}}',
      JSON.stringify({ '@timestamp': '2026-11-25T19:44:54.077Z', message: `bulk ${i} ${'x'.repeat(100)}` }),
    );
  const bulk = Buffer.from(docs.join('\n'));
  const records = Array.from({ length: 600 }, (_, i) => ({
    timeUnixNano: String(T0 + BigInt(i)),
    body: { stringValue: `otlp ${i} ${'y'.repeat(100)}` },
  }));
  const otlp = Buffer.from(JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: records }] }] }));
  assert.ok(bulk.byteLength >= 64 * 1024 && otlp.byteLength >= 64 * 1024);
  await t.store.ingestBody({ kind: 'elasticsearch-bulk', body: bulk, nowNs: NOW });
  await t.store.ingestBody({ kind: 'otlp-json', body: otlp, nowNs: NOW });
  assert.deepEqual([bulk.byteLength, otlp.byteLength], [0, 0], 'both moved');
  await t.store.sealOpen();
  assert.equal(t.store.stats().openRecords, 0);
  const messages = collect(t.store, {}).map((r) => r.message.split(' ').slice(0, 2).join(' '));
  assert.deepEqual(
    messages.sort(),
    [
      ...Array.from({ length: 600 }, (_, i) => `bulk ${i}`),
      ...Array.from({ length: 600 }, (_, i) => `otlp ${i}`),
    ].sort(),
  );
  await t.store.close();
  closeDatabase(t.db);
});

test('after the workers stop, rows of answered bodies (bytes released) are read back from the inbox and sealed on the main thread', async () => {
  const t = openTestStore({ sealWorker: true, blockRows: 8192, maintenanceIntervalMs: 0 });
  const bodies = [ndjson(0, 1000), ndjson(1000, 1000), ndjson(2000, 50)];
  for (const body of bodies) await t.store.ingestBody({ kind: 'ndjson', body, nowNs: NOW });
  assert.deepEqual(
    bodies.map((b) => b.byteLength),
    [0, 0, ndjson(2000, 50).byteLength],
    'large bodies released once answered, the small one left to the collector',
  );
  const before = collect(t.store, {});
  assert.equal(before.length, 2050);
  const internals = (
    t.store as unknown as {
      workers: { sealers: ({ worker: { terminate(): Promise<number> } } | undefined)[] };
    }
  ).workers;
  await Promise.all(internals.sealers.map((s) => s?.worker.terminate()));
  assert.equal(t.store.liveWorkers(), 0);
  t.store.flush();
  assert.deepEqual([t.store.stats().openRecords, t.store.stats().sealedRecords], [0, 2050]);
  assert.deepEqual(collect(t.store, {}), before);
  await t.store.close();
  closeDatabase(t.db);
});

test('a sealOpen() waiting on the workers returns when the store is closed without sealing; the rows stay in the inbox', async () => {
  const t = openTestStore({ sealWorker: true, blockRows: 64, maintenanceIntervalMs: 0 });
  await t.store.ingestBody({ kind: 'ndjson', body: ndjson(0, 300), nowNs: NOW });
  const before = collect(t.store, {});
  const sealing = t.store.sealOpen(); // the seals are sent now; their blocks come later, or never
  await t.store.close({ seal: false });
  await sealing;
  const again = t.reopen({ sealWorker: false });
  assert.deepEqual(collect(again.store, {}), before);
  await again.store.close();
  closeDatabase(again.db);
});

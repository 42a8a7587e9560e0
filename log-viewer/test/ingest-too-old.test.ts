// Records older than the retention are refused at ingest, per record, in each protocol's way (they
// were acknowledged and then dropped by the next retention pass), with and without ingest workers;
// and a crash replays exactly what was acknowledged, whatever the retention is at the next start.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loadConfig } from '@flowrent/shared/config';
import { configTable } from '../src/config.js';
import { ProtoWriter } from '../src/ingest/protobuf.js';
import type { RetentionPolicy } from '../src/store/log-store.js';
import { retentionPolicy } from '../src/store/sqlite-log-store.js';
import { INGEST_KEY, type IngestServer, startIngestServer } from './ingest-helpers.js';
import { openTestStore } from './store-helpers.js';

const NOW_MS = Date.UTC(2026, 10, 26, 12, 0, 0);
const DAY_MS = 86_400_000;
const DAY_NS = BigInt(DAY_MS) * 1_000_000n;
/** 7 days; checkout 1 day; audit forever. */
const RETENTION: RetentionPolicy = {
  maxAgeNs: 7n * DAY_NS,
  perService: { checkout: { maxAgeNs: DAY_NS }, audit: {} },
};
const ago = (days: number) => new Date(NOW_MS - days * DAY_MS).toISOString();
const agoNs = (days: number) => String(BigInt(NOW_MS - days * DAY_MS) * 1_000_000n);

let servers: [string, IngestServer][];
before(async () => {
  const start = (sealWorker: boolean) =>
    startIngestServer({ sealWorker, clock: () => NOW_MS, retention: RETENTION });
  servers = [
    ['workers', await start(true)],
    ['main thread', await start(false)],
  ];
});
after(async () => {
  for (const [, s] of servers) await s.close();
});

async function post(server: IngestServer, path: string, body: string | Buffer, type: string) {
  const res = await fetch(server.url + path, {
    method: 'POST',
    body,
    headers: { authorization: `Bearer ${INGEST_KEY}`, 'content-type': type },
  });
  const text = await res.text();
  return {
    status: res.status,
    text,
    json: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined,
  };
}

/** Messages stored since the last call, sorted. */
function storedSince(server: IngestServer, seen: Set<string>): string[] {
  const out: string[] = [];
  for (const r of server.all()) {
    if (seen.has(r.message)) continue;
    seen.add(r.message);
    out.push(r.message);
  }
  return out.sort();
}

test('/api/logs stores the recent lines and lists the older ones (per service: checkout 1 d, audit forever)', async () => {
  for (const [name, s] of servers) {
    const seen = new Set<string>();
    storedSince(s, seen);
    const lines = [
      { ts: ago(0.5), msg: `${name} fresh`, service: 'api' },
      { ts: ago(8), msg: `${name} eight days`, service: 'api' },
      { ts: ago(2), msg: `${name} checkout two days`, service: 'checkout' },
      { ts: ago(400), msg: `${name} audit old`, service: 'audit' },
      { ts: ago(6), msg: `${name} six days`, service: 'api' },
    ];
    const res = await post(
      s,
      '/api/logs',
      lines.map((l) => JSON.stringify(l)).join('\n'),
      'application/x-ndjson',
    );
    assert.equal(res.status, 200, name);
    assert.equal(res.json.accepted, 3, name);
    assert.equal(res.json.rejected, 2, name);
    assert.match(
      res.json.errors[0],
      /^record 2: timestamp .* is older than the retention: oldest acceptable timestamp is 2026-11-19T12:00:00\.000Z$/,
    );
    assert.match(
      res.json.errors[1],
      /^record 3: .*oldest acceptable timestamp is 2026-11-25T12:00:00\.000Z$/,
    );
    assert.deepEqual(storedSince(s, seen), [`${name} audit old`, `${name} fresh`, `${name} six days`], name);
    // nothing too old: the answer is unchanged
    const ok = await post(
      s,
      '/api/logs',
      JSON.stringify({ ts: ago(1), msg: `${name} ok` }),
      'application/x-ndjson',
    );
    assert.deepEqual(ok.json, { accepted: 1 }, name);
  }
});

test('Loki: the rest of the push is stored and the answer is a 400 naming the stream, as Loki does', async () => {
  for (const [name, s] of servers) {
    const seen = new Set<string>();
    storedSince(s, seen);
    const push = {
      streams: [
        {
          stream: { app: 'web' },
          values: [
            [agoNs(10), `${name} loki old`],
            [agoNs(1), `${name} loki new`],
          ],
        },
        { stream: { app: 'db' }, values: [[agoNs(3), `${name} loki db`]] },
      ],
    };
    const res = await post(s, '/loki/api/v1/push', JSON.stringify(push), 'application/json');
    assert.equal(res.status, 400, name);
    assert.match(
      res.json.error.message,
      /^entry with timestamp 2026-11-16T12:00:00\.000Z ignored, reason: 'entry too far behind, oldest acceptable timestamp is: 2026-11-19T12:00:00\.000Z', total ignored: 1 out of 2 for stream: \{app="web"\}$/,
    );
    assert.deepEqual(res.json.error.details, { accepted: 2, rejected: 1 });
    assert.deepEqual(storedSince(s, seen), [`${name} loki db`, `${name} loki new`], name);
  }
});

/** ExportLogsServiceRequest of one resource (service.name) with records [time ns, body]. */
function otlpProtobuf(service: string, records: [bigint, string][]): Buffer {
  const value = new ProtoWriter().bytesField(1, Buffer.from(service)).finish();
  const attr = new ProtoWriter().bytesField(1, Buffer.from('service.name')).bytesField(2, value).finish();
  const resource = new ProtoWriter().bytesField(1, attr).finish();
  const scope = new ProtoWriter();
  for (const [timeNs, body] of records) {
    const time = Buffer.alloc(9);
    time[0] = 0x09; // field 1, fixed64
    time.writeBigUInt64LE(timeNs, 1);
    const text = new ProtoWriter().bytesField(1, Buffer.from(body)).finish();
    scope.bytesField(2, Buffer.concat([time, new ProtoWriter().bytesField(5, text).finish()]));
  }
  const rl = new ProtoWriter().bytesField(1, resource).bytesField(2, scope.finish()).finish();
  return new ProtoWriter().bytesField(1, rl).finish();
}

test('Seq /ingest/clef: 201 naming the old events when some are stored; 400 {"Error"} when none is', async () => {
  // Seq answers a batch it refuses with 400 and {"Error": "…"} (seq-api's ErrorPart); the sinks
  // drop such a batch. A 201 told the sink that events no one will ever see were kept.
  const CLEF = 'application/vnd.serilog.clef';
  const clef = (events: { t: string; m: string }[]) =>
    events.map((e) => JSON.stringify({ '@t': e.t, '@m': e.m })).join('\n');
  for (const [name, s] of servers) {
    const seen = new Set<string>();
    storedSince(s, seen);
    const some = await post(
      s,
      '/ingest/clef',
      clef([
        { t: ago(0.5), m: `${name} seq fresh` },
        { t: ago(9), m: `${name} seq nine days` },
      ]),
      CLEF,
    );
    assert.equal(some.status, 201, some.text);
    assert.equal(some.json.MinimumLevelAccepted, null);
    assert.equal(some.json.rejected, 1);
    assert.match(some.json.errors[0], /^record 2: timestamp .* is older than the retention/);

    const none = await post(
      s,
      '/ingest/clef',
      clef([
        { t: ago(8), m: `${name} seq eight days` },
        { t: ago(30), m: `${name} seq a month` },
      ]),
      CLEF,
    );
    assert.equal(none.status, 400, none.text);
    assert.match(
      none.json.Error,
      /^nothing stored: all 2 events were refused; record 1: timestamp .* is older than the retention: oldest acceptable timestamp is 2026-11-19T12:00:00\.000Z$/,
    );
    assert.equal(none.json.rejected, 2);
    assert.equal(none.json.errors.length, 2);
    const legacy = await post(
      s,
      '/api/events/raw',
      JSON.stringify({ Events: [{ Timestamp: ago(10), MessageTemplate: `${name} legacy old` }] }),
      'application/json',
    );
    assert.equal(legacy.status, 400, legacy.text);
    assert.match(legacy.json.Error, /^nothing stored: the event was refused; record 1: /);
    assert.deepEqual(storedSince(s, seen), [`${name} seq fresh`], name);
  }
});

test('OTLP: records older than the retention are a partialSuccess rejection (JSON and protobuf)', async () => {
  for (const [name, s] of servers) {
    const seen = new Set<string>();
    storedSince(s, seen);
    const json = {
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'api' } }] },
          scopeLogs: [
            {
              logRecords: [
                { timeUnixNano: agoNs(30), body: { stringValue: `${name} otlp old` } },
                { timeUnixNano: agoNs(1), body: { stringValue: `${name} otlp new` } },
              ],
            },
          ],
        },
      ],
    };
    const res = await post(s, '/v1/logs', JSON.stringify(json), 'application/json');
    assert.equal(res.status, 200, name);
    assert.equal(res.json.partialSuccess.rejectedLogRecords, '1', name);
    assert.match(
      res.json.partialSuccess.errorMessage,
      /^1 log record older than the retention, the first: timestamp 2026-10-27T12:00:00\.000Z is older than the retention: oldest acceptable timestamp is 2026-11-19T12:00:00\.000Z \(service "api"\)$/,
    );
    // protobuf: the walk into columns (otlp-rows.ts) gives way to the object path that refuses
    const body = otlpProtobuf('checkout', [
      [BigInt(agoNs(0.1)), `${name} proto new`],
      [BigInt(agoNs(1.5)), `${name} proto old`],
      [BigInt(agoNs(2)), `${name} proto older`],
    ]);
    const pres = await post(s, '/v1/logs', body, 'application/x-protobuf');
    assert.equal(pres.status, 200, name);
    assert.ok(pres.text.length > 0, 'a partial_success answer');
    assert.match(Buffer.from(pres.text, 'latin1').toString(), /2 log records older than the retention/);
    assert.deepEqual(storedSince(s, seen), [`${name} otlp new`, `${name} proto new`], name);
  }
});

test('_bulk: a document older than the retention gets its own 400 item, the others 201', async () => {
  for (const [name, s] of servers) {
    const seen = new Set<string>();
    storedSince(s, seen);
    const body = [
      { create: {} },
      { '@timestamp': ago(9), message: `${name} bulk old` },
      { create: {} },
      { '@timestamp': ago(1), message: `${name} bulk new` },
      { delete: { _id: 'x' } },
    ]
      .map((l) => JSON.stringify(l))
      .join('\n');
    const res = await post(s, '/logs-app/_bulk', `${body}\n`, 'application/x-ndjson');
    assert.equal(res.status, 200, name);
    assert.equal(res.json.errors, true);
    const items = res.json.items.map(
      (i: Record<string, { status: number; error?: { reason: string } }>) => Object.values(i)[0],
    );
    assert.deepEqual(
      items.map((i: { status: number }) => i.status),
      [400, 201, 400],
    );
    assert.match(
      items[0].error.reason,
      /is older than the retention: oldest acceptable timestamp is 2026-11-19T12:00:00\.000Z/,
    );
    assert.deepEqual(storedSince(s, seen), [`${name} bulk new`], name);
  }
});

test('/<index>/_bulk: documents whose action names no _index are stored with the URL index as their _index label', async () => {
  for (const [name, s] of servers) {
    const body = [
      { index: {} },
      { '@timestamp': ago(0), message: `${name} url index` },
      { index: { _index: 'named' } },
      { '@timestamp': ago(0), message: `${name} action index` },
    ]
      .map((l) => JSON.stringify(l))
      .join('\n');
    const res = await post(s, '/insert/elasticsearch/from-url/_bulk', `${body}\n`, 'application/x-ndjson');
    assert.deepEqual(
      res.json.items.map((i: Record<string, { _index: string }>) => Object.values(i)[0]._index),
      ['from-url', 'named'],
    );
    const labels = Object.fromEntries(
      s
        .all()
        .filter((r) => r.message.startsWith(`${name} `) && r.message.endsWith('index'))
        .map((r) => [r.message, r.labels]),
    );
    assert.deepEqual(labels, {
      [`${name} url index`]: { _index: 'from-url' },
      [`${name} action index`]: { _index: 'named' },
    });
  }
});

test('a crash replays exactly the acknowledged records, with the cut-off and the index of the first parse', async () => {
  for (const sealWorker of [true, false]) {
    const nowNs = BigInt(NOW_MS) * 1_000_000n;
    const t = openTestStore({ sealWorker, clock: () => NOW_MS, retention: RETENTION });
    const ndjson = [ago(8), ago(1), ago(3)]
      .map((ts, i) => JSON.stringify({ ts, msg: `line ${i}` }))
      .join('\n');
    const a = await t.store.ingestBody({ kind: 'ndjson', body: Buffer.from(ndjson), nowNs });
    assert.deepEqual([a.accepted, a.rejected], [2, 1]);
    const bulk = `${JSON.stringify({ index: {} })}\n${JSON.stringify({ '@timestamp': ago(0), message: 'doc' })}\n`;
    const b = await t.store.ingestBody({
      kind: 'elasticsearch-bulk',
      body: Buffer.from(bulk),
      nowNs,
      index: 'idx',
    });
    assert.equal(b.accepted, 1);
    // a body with nothing refused keeps the plain frame: replayed under any retention, all of it stays
    const plain = await t.store.ingestBody({
      kind: 'ndjson',
      body: Buffer.from(JSON.stringify({ ts: ago(5), msg: 'plain' })),
      nowNs,
    });
    assert.equal(plain.accepted, 1);
    await t.store.close({ seal: false }); // crash-like: the rows are only in the inbox
    const summary = (s: typeof t.store) => {
      const out: string[] = [];
      s.scan({ fromNs: 0n, toNs: 1n << 62n, order: 'asc' }, (r) => {
        out.push(`${r.message} ${JSON.stringify(r.labels)}`);
        return true;
      });
      return out.sort();
    };
    const expected = ['doc {"_index":"idx"}', 'line 1 {}', 'line 2 {}', 'plain {}'];
    // a later start with a retention that would refuse everything, then with none at all
    const later = t.reopen({ clock: () => NOW_MS + 30 * DAY_MS, retention: { maxAgeNs: 1_000_000n } });
    assert.deepEqual(summary(later.store), expected, `sealWorker ${sealWorker}`);
    await later.store.close({ seal: false });
    const none = later.reopen({ retention: undefined });
    assert.deepEqual(summary(none.store), expected, `sealWorker ${sealWorker}`);
    none.store.flush();
    assert.deepEqual(summary(none.store), expected, 'sealed from the replayed bodies');
    await none.store.close();
  }
});

test('LOG_RETENTION_PER_SERVICE service=0 keeps that service forever, as LOG_RETENTION=0 does', async () => {
  // as the README's Configuration table writes it (black-box 24: refused at start before)
  const env = (value: string) =>
    loadConfig(configTable, { API_KEY: 'k', LOG_RETENTION: '7d', LOG_RETENTION_PER_SERVICE: value });
  assert.deepEqual(env('audit=0').LOG_RETENTION_PER_SERVICE, { audit: 0 });
  assert.deepEqual(env('a=3s, b=0').LOG_RETENTION_PER_SERVICE, { a: 3000, b: 0 });
  assert.throws(() => env('audit=forever'), /LOG_RETENTION_PER_SERVICE/);
  const policy = retentionPolicy(env('audit=0'));
  const t = openTestStore({ clock: () => NOW_MS, retention: policy });
  const nowNs = BigInt(NOW_MS) * 1_000_000n;
  const lines = [
    { ts: ago(300), msg: 'audit', service: 'audit' },
    { ts: ago(300), msg: 'api', service: 'api' },
  ];
  const body = Buffer.from(lines.map((l) => JSON.stringify(l)).join('\n'));
  const r = await t.store.ingestBody({ kind: 'ndjson', body, nowNs });
  assert.deepEqual([r.accepted, r.rejected], [1, 1]);
  t.store.flush();
  assert.equal(t.store.applyRetention(policy, nowNs + 365n * DAY_NS), 0);
  assert.equal(t.store.stats().sealedRecords, 1);
  await t.store.close();
});

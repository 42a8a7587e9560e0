import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { BadRequest, ParseError } from '@flowrent/shared/errors';
import { compressSync } from 'snappy';
import { heldMark, lineHash, parseLokiJson, parseLokiProtobuf } from './loki.js';
import { ProtoWriter, WIRE_VARINT } from './protobuf.js';

const NOW = 1_800_000_000_000_000_000n;

test('parseLokiJson maps labels, ns string timestamps, plain and JSON lines, structured metadata', () => {
  const body = JSON.stringify({
    streams: [
      {
        stream: { service_name: 'api', host: 'h1', level: 'warning' },
        values: [
          ['1795635890279000001', 'plain text line'],
          [
            '1795635890279000002',
            '{"msg":"json line","user":7}',
            { trace_id: '5b8efff798038103d269b633813fc60c', tenant: 't1' },
          ],
          ['1795635890279000003', '{not json'],
        ],
      },
    ],
  });
  const [a, b, c] = parseLokiJson(body, NOW).records;
  assert.equal(a.timeNs, 1_795_635_890_279_000_001n);
  assert.deepEqual(
    [a.service, a.host, a.level, a.levelText, a.message],
    ['api', 'h1', 'warn', 'warning', 'plain text line'],
  );
  assert.deepEqual(a.labels, { service_name: 'api', host: 'h1', level: 'warning' });
  assert.equal(b.message, 'json line');
  assert.equal(b.traceId, '5b8efff798038103d269b633813fc60c');
  assert.deepEqual(b.attributes, { tenant: 't1', user: 7 });
  assert.equal(c.message, '{not json');
  assert.equal(a.protocol, 'loki');
});

test('parseLokiJson rejects malformed pushes with 400 and too many labels naming the limit', () => {
  const bad = (body: unknown, type: new (...a: never[]) => Error, pattern: RegExp) =>
    assert.throws(
      () => parseLokiJson(typeof body === 'string' ? body : JSON.stringify(body), NOW),
      (e: Error) => e instanceof type && pattern.test(e.message),
    );
  bad('{"streams":', ParseError, /malformed JSON/);
  bad({ nope: [] }, ParseError, /expected \{"streams"/);
  bad({ streams: [{ stream: {}, values: [['1', 2]] }] }, ParseError, /expected \["<ns timestamp>"/);
  bad(
    { streams: [{ stream: {}, values: [['1', 'x', 'meta']] }] },
    ParseError,
    /structured metadata must be an object/,
  );
  const labels = Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`l${i}`, 'v']));
  bad({ streams: [{ stream: labels, values: [] }] }, BadRequest, /MAX_LABELS_PER_STREAM = 30/);
});

test('parseLokiJson drops an entry over MAX_LINE_BYTES alone and names it as Loki does', () => {
  const values = [
    ['1', 'a'],
    ...Array.from({ length: 7 }, (_, i) => [`${i + 2}`, 'x'.repeat(300_000)]),
    ['9', 'b'],
  ];
  const push = parseLokiJson(JSON.stringify({ streams: [{ stream: { app: 'a' }, values }] }), NOW);
  assert.deepEqual(
    push.records.map((r) => r.message),
    ['a', 'b'],
  );
  assert.equal(push.rejected, 7);
  assert.equal(
    push.errors[0],
    `Max entry size '262144' bytes exceeded for stream '{app="a"}' while adding an entry with length '300000' bytes`,
  );
  assert.deepEqual(push.errors.slice(5), ['and 2 more entries ignored']);
});

test("parseLokiJson drops an entry with a malformed or out-of-range timestamp alone, in Loki's words", () => {
  const values = [
    ['1795635890279000001', 'good 1'],
    ['abc', 'bad text'],
    ['9999999999999999999', 'past 2262'],
    ['-5', 'before 1970'],
    [null, 'null time'],
    [1795635890279000000, 'good 2 (a number, leniently)'],
  ];
  const push = parseLokiJson(JSON.stringify({ streams: [{ stream: { app: 'a' }, values }] }), NOW);
  assert.deepEqual(
    push.records.map((r) => r.message),
    ['good 1', 'good 2 (a number, leniently)'],
  );
  assert.equal(push.rejected, 4);
  assert.deepEqual(push.errors, [
    `entry for stream '{app="a"}' has malformed timestamp: "abc", expected a string of Unix epoch nanoseconds (streams[0].values[1])`,
    `entry for stream '{app="a"}' has timestamp too new: 2286-11-20T17:46:39Z`,
    `entry for stream '{app="a"}' has timestamp too old: 1969-12-31T23:59:59Z, oldest acceptable timestamp is: 1970-01-01T00:00:00Z`,
    `entry for stream '{app="a"}' has malformed timestamp: null, expected a string of Unix epoch nanoseconds (streams[0].values[4])`,
  ]);
});

function pushRequest(labels: string, entries: [number, number, string, [string, string][]][]): Buffer {
  const stream = new ProtoWriter().bytesField(1, Buffer.from(labels));
  for (const [seconds, nanos, line, meta] of entries) {
    const ts = new ProtoWriter()
      .tag(1, WIRE_VARINT)
      .varint(seconds)
      .tag(2, WIRE_VARINT)
      .varint(nanos)
      .finish();
    const e = new ProtoWriter().bytesField(1, ts).bytesField(2, Buffer.from(line));
    for (const [k, v] of meta)
      e.bytesField(3, new ProtoWriter().bytesField(1, Buffer.from(k)).bytesField(2, Buffer.from(v)).finish());
    stream.bytesField(2, e.finish());
  }
  return new ProtoWriter().bytesField(1, stream.finish()).finish();
}

test('parseLokiProtobuf decodes snappy-compressed PushRequest with structured metadata', () => {
  const raw = pushRequest('{app="shop", level="error"}', [
    [1795635894, 77000000, 'boom', [['trace_id', 'ab'.repeat(16)]]],
  ]);
  const [r] = parseLokiProtobuf(compressSync(raw), NOW).records;
  assert.equal(r.timeNs, 1_795_635_894_077_000_000n);
  assert.deepEqual([r.service, r.level, r.message, r.traceId], ['shop', 'error', 'boom', 'ab'.repeat(16)]);
  assert.deepEqual(parseLokiProtobuf(raw, NOW, false).records[0].message, 'boom');
});

test('parseLokiProtobuf drops an entry timed before 1970 or past 2262 alone', () => {
  // Timestamp.seconds is an int64: -1 is ten varint bytes (two's complement)
  const entry = (seconds: bigint, line: string) => {
    const ts = [0x08];
    for (let v = BigInt.asUintN(64, seconds); ; v >>= 7n) {
      if (v < 0x80n) {
        ts.push(Number(v));
        break;
      }
      ts.push(Number(v & 0x7fn) | 0x80);
    }
    return new ProtoWriter().bytesField(1, Buffer.from(ts)).bytesField(2, Buffer.from(line)).finish();
  };
  const stream = new ProtoWriter()
    .bytesField(1, Buffer.from('{app="p"}'))
    .bytesField(2, entry(1795635894n, 'good'))
    .bytesField(2, entry(-1n, 'negative seconds'))
    .bytesField(2, entry(9_300_000_000n, 'past 2^63 ns'));
  const raw = new ProtoWriter().bytesField(1, stream.finish()).finish();
  const push = parseLokiProtobuf(compressSync(raw), NOW);
  assert.deepEqual(
    push.records.map((r) => r.message),
    ['good'],
  );
  assert.equal(push.rejected, 2);
  assert.match(push.errors[0], /^entry for stream '\{app="p"\}' has timestamp too old: 1969-12-31T23:59:59Z/);
  assert.equal(push.errors[1], `entry for stream '{app="p"}' has timestamp too new: 2264-09-14T21:20:00Z`);
});

test('parseLokiProtobuf rejects bodies that are not snappy or not protobuf', () => {
  assert.throws(() => parseLokiProtobuf(Buffer.from('hello world'), NOW), ParseError);
  assert.throws(
    () => parseLokiProtobuf(compressSync(Buffer.from([0x0a, 0x05, 0x01])), NOW),
    /malformed protobuf at byte/,
  );
  // A snappy header announcing 1 GB is refused before decompressing.
  assert.throws(
    () => parseLokiProtobuf(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x04, 0]), NOW),
    /MAX_REQUEST_BYTES/,
  );
});

test("parseLokiJson reports each stream's entries and drops those named held, or last in old frames", () => {
  const values = [
    ['10', 'a'],
    ['11', 'b'],
    ['11', 'b'],
    ['12', 'c'],
  ];
  const body = JSON.stringify({ streams: [{ stream: { app: 'a' }, values }] });
  const push = parseLokiJson(body, NOW);
  const [key] = Object.keys(push.lokiStreams);
  const entries = push.lokiStreams[key];
  assert.deepEqual([...entries.times], [10n, 11n, 12n]); // the consecutive repeat went
  assert.deepEqual([entries.minNs, entries.maxNs, entries.chars], [10n, 12n, 3]);
  assert.deepEqual([...entries.hashes], [lineHash('a'), lineHash('b'), lineHash('c')]);
  const held = parseLokiJson(body, NOW, {
    held: { [key]: [heldMark(11n, lineHash('b')), heldMark(12n, 1)] },
  });
  assert.deepEqual(
    held.records.map((r) => r.message),
    ['a', 'c'],
  );
  // the ninth session's frames: the stream's last entry as <ns>:<sha1>, compared with its first here
  const sha1 = createHash('sha1').update('a').digest('base64');
  const last = parseLokiJson(body, NOW, { last: { [key]: `10:${sha1}` } });
  assert.deepEqual(
    last.records.map((r) => r.message),
    ['b', 'c'],
  );
});

test('lineHash differs for lines that differ anywhere, is stable, and fits 53 bits', () => {
  const lines = ['', 'a', 'b', 'ab', 'ba', 'x'.repeat(1000), `${'x'.repeat(999)}y`, 'é', 'e\u0301'];
  const hashes = lines.map(lineHash);
  assert.equal(new Set(hashes).size, lines.length);
  for (const h of hashes) assert.ok(Number.isSafeInteger(h) && h >= 0);
  assert.equal(lineHash('stable'), lineHash('stable'));
});

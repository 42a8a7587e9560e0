import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { createGenerator } from '../../bench/generate.js';
import { encodeOtlp } from '../../bench/otlp-encode.js';
import { parseOtlpProtobuf } from '../ingest/otlp-protobuf.js';
import { parseBodyColumns } from './body-rows.js';
import { MAX_SHAPE_KEYS, shapeRegistrySizes } from './attr-columns.js';
import { otlpColumns } from './otlp-rows.js';
import type { Row } from './row.js';
import { RowColumns } from './row-columns.js';

const NOW = 1_790_000_000_123_456_789n;
const FIXTURES = new URL('../../test/fixtures/logs/', import.meta.url);

type SizedRow = Row & { rawSize: number };

/** A table's rows with their raw size (which counts the UTF-16 lengths of message and attributes). */
function rowsOf(table: RowColumns): SizedRow[] {
  return table.rows().map((r, i) => ({ ...r, rawSize: table.rawSize(i) }));
}

/** The walk's rows, or undefined when it leaves the body to the object path. */
function fastRows(body: Uint8Array, seqBase = 7): SizedRow[] | undefined {
  const table = new RowColumns(16);
  return otlpColumns(body, NOW, seqBase, table) ? rowsOf(table) : undefined;
}

/** The object path: parseOtlpProtobuf + pushRecord (what parseBodyColumns did before the walk). */
function objectPath(body: Uint8Array, seqBase = 7) {
  const table = new RowColumns(16);
  const result = parseOtlpProtobuf(body, NOW, (r) => table.pushRecord(r, seqBase + table.count));
  return { rows: rowsOf(table), rejected: result.rejected, errors: result.errors };
}

/** The walk takes the body and gives exactly the object path's rows. */
function sameRows(body: Uint8Array, what: string): SizedRow[] {
  const fast = fastRows(body);
  assert.ok(fast, `${what}: left to the object path`);
  const slow = objectPath(body);
  assert.equal(slow.rejected, 0, what);
  assert.deepEqual(fast, slow.rows, what);
  return fast;
}

/** parseBodyColumns (walk, else object path) answers as the object path does: rows, rejections or error. */
function sameAnswer(body: Uint8Array, what: string): void {
  let slow: ReturnType<typeof objectPath> | Error;
  try {
    slow = objectPath(body);
  } catch (err) {
    slow = err as Error;
  }
  let got: ReturnType<typeof objectPath> | Error;
  try {
    const parsed = parseBodyColumns('otlp-protobuf', body, NOW, 7, new RowColumns(16));
    got = { rows: rowsOf(parsed.rows), rejected: parsed.rejected, errors: parsed.errors };
  } catch (err) {
    got = err as Error;
  }
  if (slow instanceof Error) {
    assert.ok(got instanceof Error, `${what}: accepted, the object path threw ${slow.message}`);
    assert.equal(got.message, slow.message, what);
  } else assert.deepEqual(got, slow, what);
}

// A protobuf writer for hand-made requests (field numbers from logs.proto / common.proto).
function varint(v: bigint | number): number[] {
  let n = BigInt.asUintN(64, BigInt(v));
  const out: number[] = [];
  while (n >= 0x80n) {
    out.push(Number(n & 0x7fn) | 0x80);
    n >>= 7n;
  }
  out.push(Number(n));
  return out;
}
const len = (field: number, bytes: Uint8Array) =>
  Buffer.from([...varint(field * 8 + 2), ...varint(bytes.length), ...bytes]);
const msg = (field: number, ...parts: Buffer[]) => len(field, Buffer.concat(parts));
const str = (field: number, s: string) => len(field, Buffer.from(s, 'utf8'));
const num = (field: number, v: bigint | number) => Buffer.from([...varint(field * 8), ...varint(v)]);
function fixed64(field: number, v: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return Buffer.concat([Buffer.from(varint(field * 8 + 1)), b]);
}
function double(field: number, v: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return Buffer.concat([Buffer.from(varint(field * 8 + 1)), b]);
}
// AnyValue
const sv = (s: string) => str(1, s);
const bv = (b: boolean) => num(2, b ? 1 : 0);
const iv = (v: bigint | number) => num(3, v);
const dv = (v: number) => double(4, v);
const av = (...values: Buffer[]) => msg(5, ...values.map((v) => len(1, v)));
const kvl = (...kvs: Buffer[]) => msg(6, ...kvs.map((kv) => len(1, kv)));
const bytesv = (b: number[]) => len(7, Buffer.from(b));
const kv = (key: string, value?: Buffer) =>
  Buffer.concat([str(1, key), value ? len(2, value) : Buffer.alloc(0)]);
const attr = (key: string, value?: Buffer) => len(6, kv(key, value));
const body = (value: Buffer) => len(5, value);
const T = 1_795_635_894_077_123_456n;

/** An ExportLogsServiceRequest: one ResourceLogs (service "svc") with one ScopeLogs of these records. */
function request(records: Buffer[], scope = msg(1, str(1, 'lib'), str(2, '1.0')), resource?: Buffer): Buffer {
  const res = resource ?? msg(1, len(1, kv('service.name', sv('svc'))), len(1, kv('host.name', sv('h1'))));
  return msg(1, res, msg(2, scope, ...records.map((r) => len(2, r))));
}

const record = (...fields: Buffer[]) => Buffer.concat([fixed64(1, T), num(2, 9), str(3, 'INFO'), ...fields]);

describe('otlpColumns', () => {
  it('gives the object path rows for every OTLP protobuf capture of the real OpenTelemetry JS exporter', () => {
    const names = readdirSync(FIXTURES).filter((n) => n.startsWith('otel-js') && n.includes('protobuf'));
    assert.equal(names.length, 2);
    for (const name of names) {
      const capture = JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8'));
      let bytes = Buffer.from(capture.body_base64, 'base64');
      if (capture.headers['content-encoding'] === 'gzip') bytes = gunzipSync(bytes);
      const rows = sameRows(bytes, name);
      assert.equal(rows.length, 5);
      assert.ok(rows.some((r) => r.traceId !== '' && r.spanId !== ''));
    }
  });

  it('leaves a record of more than MAX_SHAPE_KEYS attributes to the object path, registering none of its keys', () => {
    const wide = (n: number) =>
      request([record(body(sv('wide')), ...Array.from({ length: n }, (_, k) => attr(`w${n}_${k}`, iv(k))))]);
    const before = shapeRegistrySizes();
    assert.equal(fastRows(wide(MAX_SHAPE_KEYS + 1)), undefined);
    assert.deepEqual(shapeRegistrySizes(), before);
    const big = wide(15_000);
    assert.equal(fastRows(big), undefined);
    const { rows } = objectPath(big);
    assert.equal(Object.keys(JSON.parse(rows[0].attrs)).length, 15_000 + 2); // + otel.scope.name/version
    assert.deepEqual(shapeRegistrySizes(), before);
    // 254 + the scope's name and version: 256 attributes, still columns.
    assert.equal(sameRows(wide(MAX_SHAPE_KEYS - 2), 'a 256-attribute record').length, 1);
  });

  it('gives the object path rows for the bench bodies', () => {
    const gen = createGenerator(6000, 1_795_635_894_077, 86_400_000, 3);
    let n = 0;
    for (let lines = gen.next(3000); lines.length > 0; lines = gen.next(3000))
      n += sameRows(encodeOtlp(lines.map((l) => l.record)), 'bench body').length;
    assert.equal(n, 6000);
  });

  it('reads every AnyValue type, in the body and in attributes, nested, as JSON.stringify writes it', () => {
    const values: [string, Buffer][] = [
      ['string', sv('plain')],
      ['unicode', sv('é ü 日本 😀')],
      ['escapes', sv('a "quoted" \\ back\nslash\ttab\u0001')],
      ['empty string', sv('')],
      ['true', bv(true)],
      ['false', bv(false)],
      ['int', iv(42)],
      ['zero', iv(0)],
      ['int 2^53+1', iv(9_007_199_254_740_993n)],
      ['int 2^50', iv(2 ** 50)],
      ['negative int', iv(-5n)],
      ['int64 min', iv(-(2n ** 63n))],
      ['double', dv(1234.5)],
      ['double -0', dv(-0)],
      ['double NaN', dv(Number.NaN)],
      ['double Infinity', dv(Number.POSITIVE_INFINITY)],
      ['double tiny', dv(5e-324)],
      ['bytes', bytesv([0, 1, 2, 250, 255])],
      ['empty AnyValue', Buffer.alloc(0)],
      ['array', av(sv('a'), iv(1), bv(false), Buffer.alloc(0), av(), kvl(kv('k', sv('v'))))],
      [
        'kvlist',
        kvl(kv('a', sv('x')), kv('b', kvl(kv('c', av(iv(1), iv(2))))), kv('no value'), kv('é"k', sv('v'))),
      ],
      ['empty kvlist', kvl()],
      ['invalid UTF-8', sv('\uFFFD')],
    ];
    // The invalid UTF-8 case: bytes that decode to U+FFFD there.
    values[values.length - 1][1] = len(1, Buffer.from([0x61, 0xff, 0xc3, 0x28, 0x62]));
    for (const [what, value] of values) {
      const rows = sameRows(request([record(body(value), attr('v', value), attr('k2', sv('x')))]), what);
      assert.equal(rows.length, 1, what);
    }
  });

  it('takes times, severities, ids, event names and scopes as the object path does', () => {
    const trace = Buffer.from('5b8efff798038103d269b633813fc60c', 'hex');
    const span = Buffer.from('eee19b7ec3c1b174', 'hex');
    const bodies = [
      request([record(len(9, trace), len(10, span), body(sv('ids')))]),
      request([record(len(9, Buffer.alloc(16)), len(10, Buffer.alloc(8)), body(sv('zero ids')))]),
      request([record(len(9, trace.subarray(0, 15)), len(10, Buffer.alloc(9, 1)), body(sv('short ids')))]),
      request([record(len(9, Buffer.alloc(16, 1)), len(9, trace), body(sv('last id wins')))]),
      request([Buffer.concat([body(sv('no time, no severity'))])]),
      request([Buffer.concat([fixed64(11, T + 5n), body(sv('observed only'))])]),
      request([Buffer.concat([fixed64(1, T), fixed64(11, T + 999_999n), body(sv('both'))])]),
      request([Buffer.concat([fixed64(1, 2n ** 63n - 1n), body(sv('the latest time'))])]),
      request([Buffer.concat([fixed64(1, 1n), body(sv('1 ns'))])]),
      request([Buffer.concat([num(2, 30), str(3, 'Warning'), body(sv('severity out of range'))])]),
      request([Buffer.concat([num(2, -1), str(3, 'bogus'), body(sv('negative severity'))])]),
      request([Buffer.concat([num(2, 21), body(sv('no text'))])]),
      request([Buffer.concat([str(3, 'ERROR3'), body(sv('text only'))])]),
      request([record(str(12, 'order.created'), body(sv('event')))]),
      request([record(str(12, 'é'), attr('a', sv('b')))]),
      request([record(body(sv('no scope')))], Buffer.alloc(0)),
      request([record(body(sv('scope without name')))], msg(1, str(2, '2.0'))),
      request([record(body(sv('scope with odd name')))], msg(1, str(1, 'a"b\\c é'))),
      request([record(body(sv('no resource')))], undefined, Buffer.alloc(0)),
      request(
        [record(body(sv('resource of all types')))],
        undefined,
        msg(
          1,
          len(1, kv('service.name', iv(5))),
          len(1, kv('host.name', sv('h'))),
          len(1, kv('k8s', kvl(kv('pod', sv('p'))))),
        ),
      ),
      request([record(body(sv('unknown fields')), num(7, 3), Buffer.from([0x45, 1, 0, 0, 0]), num(99, 1))]),
      request([record(body(sv('')), attr('', sv('empty key')))]),
      request([]),
      Buffer.alloc(0),
      Buffer.concat([
        request([record(body(sv('two resources')))]),
        request([record(body(sv('second')), attr('x', iv(1)))], msg(1, str(1, 'other'))),
      ]),
    ];
    for (const [k, b] of bodies.entries()) sameRows(b, `case ${k}`);
  });

  it('keeps an attribute named __proto__ in its place, at any depth and in the resource', () => {
    const rows = sameRows(
      request(
        [
          record(attr('a', sv('1')), attr('__proto__', kvl(kv('x', sv('y'))))),
          record(attr('__proto__', sv('s')), attr('o', kvl(kv('__proto__', iv(1)), kv('b', sv('2'))))),
        ],
        undefined,
        msg(1, len(1, kv('service.name', sv('svc'))), len(1, kv('__proto__', sv('r')))),
      ),
      '__proto__',
    );
    assert.deepEqual(
      rows.map((r) => [r.attrs, r.labels]),
      [
        [
          '{"a":"1","__proto__":{"x":"y"},"otel.scope.name":"lib","otel.scope.version":"1.0"}',
          '{"service.name":"svc","__proto__":"r"}',
        ],
        [
          '{"__proto__":"s","o":{"__proto__":1,"b":"2"},"otel.scope.name":"lib","otel.scope.version":"1.0"}',
          '{"service.name":"svc","__proto__":"r"}',
        ],
      ],
    );
  });

  it('leaves to the object path what a JavaScript object or a rejection would change, with the same answer', () => {
    const bodies: [string, Buffer][] = [
      ['repeated key', request([record(attr('a', sv('1')), attr('b', sv('2')), attr('a', sv('3')))])],
      ['key of the scope', request([record(attr('otel.scope.name', sv('mine')))])],
      ['index key', request([record(attr('b', sv('1')), attr('10', sv('2')))])],
      ['nested repeated key', request([record(attr('o', kvl(kv('a', sv('1')), kv('a', sv('2')))))])],
      ['two values', request([record(attr('v', Buffer.concat([sv('a'), iv(1)])))])],
      ['two bodies', request([record(body(sv('a')), body(sv('b')))])],
      ['time past 2^63-1', request([Buffer.concat([fixed64(1, 2n ** 63n), body(sv('late'))]), record()])],
      ['observed past 2^63-1', request([Buffer.concat([fixed64(11, 2n ** 64n - 1n)]), record()])],
      ['body too long', request([record(body(sv('x'.repeat(256 * 1024 + 1)))), record(body(sv('ok')))])],
      [
        'resource over 30 attributes',
        request(
          [record()],
          undefined,
          msg(1, ...Array.from({ length: 31 }, (_, i) => len(1, kv(`k${i}`, sv('v'))))),
        ),
      ],
      [
        'too deep',
        request([
          record(
            attr(
              'd',
              Array.from({ length: 140 }).reduce<Buffer>((v) => av(v), sv('x')),
            ),
          ),
        ]),
      ],
      ['scope after its records', Buffer.from(msg(1, msg(2, len(2, record()), msg(1, str(1, 'late')))))],
      ['truncated', request([record(body(sv('abc')))]).subarray(0, 30)],
      ['field 0', Buffer.from([0x02, 0x00])],
      ['wire type 3', Buffer.concat([request([record()]), Buffer.from([0x0b])])],
    ];
    for (const [what, b] of bodies) {
      assert.equal(fastRows(b), undefined, what);
      sameAnswer(b, what);
    }
  });

  it('answers as the object path for seeded random requests of every field and AnyValue type', () => {
    // Valid requests built at random from the fields the walk reads, with the cases it leaves to the
    // object path mixed in (repeated and index keys, two values, times past 2^63-1 ns,
    // scopes after their records, invalid UTF-8, odd id lengths).
    let seed = 99;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const chars = ['a', 'Z', '0', ' ', '"', '\\', '\n', '\u0001', '\u007f', 'é', '日', '😀', '\u2028', '.'];
    const keys = [
      'user',
      'a',
      'a',
      '1',
      '10',
      '__proto__',
      '',
      'otel.scope.name',
      'event.name',
      'é',
      'k"q',
      'x'.repeat(70),
    ];
    const text = (max: number) => Array.from({ length: rand(max) }, () => chars[rand(chars.length)]).join('');
    const junk = (max: number) => Buffer.from(Array.from({ length: rand(max) }, () => rand(256)));
    const strOrJunk = (field: number, s: string) => (rand(40) === 0 ? len(field, junk(8)) : str(field, s));
    const some = (max: number, make: () => Buffer) => Buffer.concat(Array.from({ length: rand(max) }, make));
    const keyValue = (depth: number) =>
      Buffer.concat([
        rand(20) ? strOrJunk(1, rand(3) ? text(6) : keys[rand(keys.length)]) : Buffer.alloc(0),
        rand(15) ? len(2, anyValue(depth)) : Buffer.alloc(0),
      ]);
    const anyValue = (depth: number): Buffer => {
      const kind = rand(depth > 3 ? 6 : 8);
      const one = () =>
        [
          () => strOrJunk(1, text(12)),
          () => bv(rand(2) === 1),
          () => iv([0, 127, 128, 2 ** 49, 2 ** 53 + 1, -1][rand(6)]),
          () => dv([-0, 1.5, 1e21, 5e-324, Number.NaN, Number.NEGATIVE_INFINITY][rand(6)]),
          () => bytesv([...junk(6)]),
          () => Buffer.alloc(0),
          () => av(...Array.from({ length: rand(4) }, () => anyValue(depth + 1))),
          () =>
            msg(
              6,
              some(4, () => len(1, keyValue(depth + 1))),
            ),
        ][kind]();
      return rand(30) === 0 ? Buffer.concat([one(), one()]) : one();
    };
    const field = (): Buffer =>
      [
        () => fixed64(1, [0n, 1n, T, 2n ** 63n - 1n, 2n ** 63n][rand(5)]),
        () => fixed64(11, [0n, T + 999_999n, 2n ** 64n - 1n][rand(3)]),
        () => num(2, [0, 1, 9, 17, 24, 25, -1][rand(7)]),
        () => strOrJunk(3, ['INFO', 'warn', 'ERROR3', '', 'bogus', '7'][rand(6)]),
        () => body(anyValue(1)),
        () => len(6, keyValue(1)),
        () => len(6, keyValue(1)),
        () =>
          len(
            9,
            rand(4) ? Buffer.from(Array.from({ length: 16 }, () => (rand(3) ? rand(256) : 0))) : junk(20),
          ),
        () => len(10, rand(4) ? Buffer.from(Array.from({ length: 8 }, () => rand(256))) : Buffer.alloc(8)),
        () => strOrJunk(12, text(5)),
        () => num(rand(2) ? 7 : 8, rand(1000)),
      ][rand(11)]();
    let taken = 0;
    for (let k = 0; k < 1500; k++) {
      const resource = msg(
        1,
        some(4, () => len(1, keyValue(1))),
      );
      const scopes = some(3, () => {
        const scope = rand(4) ? msg(1, strOrJunk(1, text(5)), str(2, text(3))) : Buffer.alloc(0);
        const records = some(4, () => len(2, some(9, field)));
        return len(2, rand(10) ? Buffer.concat([scope, records]) : Buffer.concat([records, scope]));
      });
      const b = msg(1, rand(8) ? Buffer.concat([resource, scopes]) : Buffer.concat([scopes, resource]));
      if (fastRows(b) !== undefined) taken++;
      sameAnswer(b, `random request ${k}: ${b.toString('base64')}`);
    }
    assert.ok(taken > 200, `the walk took ${taken} of 1500 random requests`);
  });

  it('gives the object path rows or leaves the body to it, for seeded mutated bench bodies', () => {
    // One byte deleted, doubled or replaced, or the body cut short, in small bench requests: the
    // walk must answer exactly as the object path (rows, rejections or the error) or not take it.
    let seed = 4242;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const gen = createGenerator(4000, 1_795_635_894_077, 86_400_000, 5);
    const originals: Buffer[] = [];
    for (let lines = gen.next(8); lines.length > 0; lines = gen.next(8))
      originals.push(Buffer.from(encodeOtlp(lines.map((l) => l.record))));
    let taken = 0;
    for (let k = 0; k < 2000; k++) {
      const b = originals[k % originals.length];
      const at = rand(b.length);
      const op = rand(4);
      const mutated =
        op === 0
          ? Buffer.concat([b.subarray(0, at), b.subarray(at + 1)])
          : op === 1
            ? Buffer.concat([b.subarray(0, at + 1), b.subarray(at)])
            : op === 2
              ? Buffer.concat([b.subarray(0, at), Buffer.from([rand(256)]), b.subarray(at + 1)])
              : b.subarray(0, at);
      if (fastRows(mutated) !== undefined) taken++;
      sameAnswer(mutated, `mutation ${k} (op ${op} at ${at})`);
    }
    assert.ok(taken > 300, `the walk took ${taken} of 2000 mutated bodies`);
  });
});

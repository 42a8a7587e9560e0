import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeWriteRequest } from './remote-write-encode.js';
import { ProtobufError, type RemoteWriteSink, walkWriteRequest } from './remote-write.js';

interface Decoded {
  labels: Record<string, string>;
  samples: [number, number][];
  stale: number[];
}

function decode(buf: Uint8Array): Decoded[] {
  const out: Decoded[] = [];
  const dec = new TextDecoder();
  const sink: RemoteWriteSink = {
    beginSeries(b, offs, n) {
      const labels: Record<string, string> = {};
      for (let i = 0; i < n; i++) {
        labels[dec.decode(b.subarray(offs[i * 4], offs[i * 4 + 1]))] = dec.decode(
          b.subarray(offs[i * 4 + 2], offs[i * 4 + 3]),
        );
      }
      out.push({ labels, samples: [], stale: [] });
      return out.length - 1;
    },
    sample(ref, t, v, stale) {
      if (stale) out[ref].stale.push(out[ref].samples.length);
      out[ref].samples.push([t, v]);
    },
  };
  walkWriteRequest(buf, sink);
  return out;
}

test('walkWriteRequest() round-trips encoded series, including zero, negative and special values', () => {
  const input = [
    {
      labels: [
        ['__name__', 'up'],
        ['job', 'ä-ü'],
      ] as const,
      timestamps: [0, 1795635903274, 2 ** 52],
      values: [0, -1.5, Number.NaN],
    },
    { labels: [['__name__', 'x']] as const, timestamps: [-1000], values: [Number.POSITIVE_INFINITY] },
  ];
  const got = decode(encodeWriteRequest(input));
  assert.deepEqual(got[0].labels, { __name__: 'up', job: 'ä-ü' });
  assert.deepEqual(got[0].samples, [
    [0, 0],
    [1795635903274, -1.5],
    [2 ** 52, Number.NaN],
  ]);
  assert.deepEqual(got[1].samples, [[-1000, Number.POSITIVE_INFINITY]]);
});

test('walkWriteRequest() reads a Sample with no value field as 0 and skips unknown fields', () => {
  // TimeSeries{labels:[__name__=a], samples:[{timestamp:5}], exemplars:[{}]} + WriteRequest.metadata
  const label = [0x0a, 0x0d, 0x0a, 0x08, ...Buffer.from('__name__'), 0x12, 0x01, 0x61];
  const sample = [0x12, 0x02, 0x10, 0x05];
  const exemplar = [0x1a, 0x00];
  const ts = [...label, ...sample, ...exemplar];
  const buf = Uint8Array.from([0x0a, ts.length, ...ts, 0x1a, 0x02, 0x08, 0x01]);
  assert.deepEqual(decode(buf), [{ labels: { __name__: 'a' }, samples: [[5, 0]], stale: [] }]);
});

test('walkWriteRequest() flags exactly the staleness-marker bit pattern, not other NaNs', () => {
  const buf = encodeWriteRequest([
    {
      labels: [['__name__', 'up']],
      timestamps: [1000, 2000, 3000, 4000],
      values: [1, Number.NaN, Number.NaN, 0],
      stale: [0, 0, 1, 0],
    },
  ]);
  // The marker's bytes are on the wire as Prometheus sends them (little-endian double).
  const marker = Buffer.from('020000000000f07f', 'hex');
  const at = Buffer.from(buf).indexOf(marker);
  assert.ok(at > 0);
  const [got] = decode(buf);
  assert.deepEqual(got.stale, [2]);
  assert.ok(Number.isNaN(got.samples[2][1]));
  // A NaN one payload bit away from the marker is a plain NaN.
  const other = Buffer.from(buf);
  other[at] = 0x03;
  assert.deepEqual(decode(other)[0].stale, []);
});

test('walkWriteRequest() throws ProtobufError on truncated input', () => {
  const good = encodeWriteRequest([{ labels: [['__name__', 'a']], timestamps: [1], values: [1] }]);
  for (const cut of [1, 3, good.length - 1]) {
    assert.throws(() => walkWriteRequest(good.subarray(0, cut), decodeSinkNoop), ProtobufError);
  }
  assert.throws(() => walkWriteRequest(Uint8Array.from([0x0f]), decodeSinkNoop), ProtobufError);
});

const decodeSinkNoop: RemoteWriteSink = { beginSeries: () => 0, sample: () => {} };

test('walkWriteRequest() hands TimeSeries exemplars to a sink that takes them, after the series', () => {
  const buf = encodeWriteRequest([
    {
      labels: [
        ['__name__', 'req_bucket'],
        ['le', '0.5'],
      ],
      timestamps: [1000],
      values: [3],
      exemplars: [
        { labels: [['trace_id', '4bf92f3577b34da6a3ce929d0e0e4736']], value: 0.12, timestampMs: 900 },
        {
          labels: [
            ['trace_id', 'b'],
            ['empty', ''],
          ],
          value: 0,
          timestampMs: 0,
        },
      ],
    },
    {
      labels: [['__name__', 'dropped']],
      timestamps: [1],
      values: [1],
      exemplars: [{ labels: [], value: 1, timestampMs: 1 }],
    },
  ]);
  const seen: unknown[] = [];
  walkWriteRequest(buf, {
    beginSeries: (_b, _o, n) => (n === 2 ? 7 : -1),
    sample: () => {},
    exemplar: (ref, labels, value, t) => seen.push([ref, labels, value, t]),
  });
  assert.deepEqual(seen, [
    [7, { trace_id: '4bf92f3577b34da6a3ce929d0e0e4736' }, 0.12, 900],
    [7, { trace_id: 'b' }, 0, 0],
  ]);
  // A sink without exemplar() skips them, and the samples read the same.
  assert.deepEqual(decode(buf)[0].samples, [[1000, 3]]);
  // A truncated exemplar is a ProtobufError, like any other malformed field.
  const cut = Buffer.from(buf);
  const at = cut.indexOf(0x1a, 20);
  assert.ok(at > 0);
  assert.throws(
    () => walkWriteRequest(cut.subarray(0, at + 5), { ...decodeSinkNoop, exemplar: () => {} }),
    ProtobufError,
  );
});

// Hand-built protobuf pieces, for Sample and TimeSeries shapes the encoder does not write.
const varint = (v: number): number[] => {
  let x = BigInt.asUintN(64, BigInt(v));
  const out: number[] = [];
  while (x >= 0x80n) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  out.push(Number(x));
  return out;
};
const field = (n: number, bytes: number[]) => [(n << 3) | 2, ...varint(bytes.length), ...bytes];
const double = (v: number) => [0x09, ...Buffer.from(new Float64Array([v]).buffer)];
const stamp = (t: number) => [0x10, ...varint(t)];
const nameLabel = field(1, [...field(1, [...Buffer.from('__name__')]), ...field(2, [...Buffer.from('m')])]);
const series = (...fields: number[][]) => Uint8Array.from(field(1, fields.flat()));

test('walkWriteRequest() reads every Sample shape the same as the usual value-then-timestamp one', () => {
  const check = (buf: Uint8Array, expected: [number, number][]) =>
    assert.deepEqual(decode(buf), [{ labels: { __name__: 'm' }, samples: expected, stale: [] }]);
  check(series(nameLabel, field(2, [...double(2.5), ...stamp(1795635903274)])), [[1795635903274, 2.5]]);
  check(series(nameLabel, field(2, [...stamp(1795635903274), ...double(2.5)])), [[1795635903274, 2.5]]);
  check(series(nameLabel, field(2, stamp(7))), [[7, 0]]);
  check(series(nameLabel, field(2, double(3))), [[0, 3]]);
  check(series(nameLabel, field(2, [...double(1), ...stamp(9), 0x18, 0x01])), [[9, 1]]);
  check(series(nameLabel, field(2, [...double(1), ...stamp(2 ** 49 - 1)])), [[2 ** 49 - 1, 1]]);
  check(series(nameLabel, field(2, [...double(1), ...stamp(2 ** 49)])), [[2 ** 49, 1]]);
  check(series(nameLabel, field(2, [...double(1), ...stamp(-5)])), [[-5, 1]]);
  // A length prefix written in two bytes (non-minimal varint).
  const body = [...double(4), ...stamp(11)];
  check(series(nameLabel, [0x12, 0x80 | body.length, 0x00, ...body]), [[11, 4]]);
  // Labels after the samples still name the series before its first sample is handed over.
  check(series(field(2, [...double(1), ...stamp(1)]), nameLabel, field(2, [...double(2), ...stamp(2)])), [
    [1, 1],
    [2, 2],
  ]);
});

test('walkWriteRequest() throws ProtobufError on a Sample that runs past its TimeSeries', () => {
  const good = [...nameLabel, ...field(2, [...double(1), ...stamp(1)])];
  const buf = Uint8Array.from([...field(1, good), ...field(1, good)]);
  const bad = Buffer.from(buf);
  bad[nameLabel.length + 3] = 0x30; // first Sample's length: past the end of its TimeSeries
  assert.throws(() => walkWriteRequest(bad, decodeSinkNoop), ProtobufError);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ParseError } from '@flowrent/shared/errors';
import { otlpJsonId, parseOtlpJson } from './otlp-json.js';
import { encodeOtlpResponse, parseOtlpProtobuf } from './otlp-protobuf.js';
import { ProtoReader } from './protobuf.js';

const NOW = 1_800_000_000_000_000_000n;

function request(
  records: object[],
  resourceAttrs: object[] = [{ key: 'service.name', value: { stringValue: 'svc' } }],
) {
  return JSON.stringify({
    resourceLogs: [
      { resource: { attributes: resourceAttrs }, scopeLogs: [{ scope: { name: 's' }, logRecords: records }] },
    ],
  });
}

test('otlpJsonId accepts hex in any case and base64, rejects other lengths and all-zero ids', () => {
  const cases: [unknown, 16 | 8, string][] = [
    ['5B8EFFF798038103D269B633813FC60C', 16, '5b8efff798038103d269b633813fc60c'],
    ['W47/95gDgQPSabYzgT/GDA==', 16, '5b8efff798038103d269b633813fc60c'],
    ['7uGbfsPBsXQ=', 8, 'eee19b7ec3c1b174'],
    ['00000000000000000000000000000000', 16, ''],
    ['abc', 16, ''],
    [42, 8, ''],
  ];
  for (const [input, bytes, expected] of cases)
    assert.equal(otlpJsonId(input as string, bytes), expected, String(input));
});

test('parseOtlpJson takes int64 as string or number, any body type, and falls back to observed time', () => {
  const { records, rejected } = parseOtlpJson(
    request([
      {
        timeUnixNano: '1795635894077000000',
        severityNumber: 17,
        body: { stringValue: 'a' },
        attributes: [{ key: 'n', value: { intValue: '9007199254740993' } }],
      },
      { timeUnixNano: 1795635894077000000, body: { intValue: 5 } },
      {
        observedTimeUnixNano: '1795635894000000000',
        severityText: 'Warning',
        body: { arrayValue: { values: [{ boolValue: true }, { doubleValue: 1.5 }] } },
      },
      {
        body: { kvlistValue: { values: [{ key: 'k', value: { stringValue: 'v' } }] } },
        severity_number: 'SEVERITY_NUMBER_DEBUG',
      },
    ]),
    NOW,
  );
  assert.equal(rejected, 0);
  assert.deepEqual(
    records.map((r) => [r.level, r.message, r.service]),
    [
      ['error', 'a', 'svc'],
      ['info', '5', 'svc'],
      ['warn', '[true,1.5]', 'svc'],
      ['debug', '{"k":"v"}', 'svc'],
    ],
  );
  assert.equal(records[0].attributes.n, '9007199254740993');
  assert.equal(records[1].timeNs, 1_795_635_894_077_000_000n);
  assert.equal(records[2].timeNs, 1_795_635_894_000_000_000n);
  assert.equal(records[3].timeNs, NOW);
});

test('parseOtlpJson rejects bad records individually and bad documents entirely', () => {
  const partial = parseOtlpJson(
    request([
      { timeUnixNano: 'soon', body: { stringValue: 'x' } },
      { body: { stringValue: 'ok' } },
      { body: { stringValue: 'y'.repeat(300_000) } },
    ]),
    NOW,
  );
  assert.equal(partial.records.length, 1);
  assert.equal(partial.rejected, 2);
  assert.match(partial.errors.join(';'), /timeUnixNano/);
  assert.throws(() => parseOtlpJson('{"resourceLogs":', NOW), ParseError);
  assert.throws(() => parseOtlpJson('{"resourceLogs":{}}', NOW), /resourceLogs must be an array/);
  assert.deepEqual(parseOtlpJson('', NOW).records, []);
});

test('parseOtlpProtobuf fails with the byte offset on truncated input', () => {
  assert.throws(
    () => parseOtlpProtobuf(Buffer.from([0x0a, 0x10, 0x0a]), NOW),
    /malformed protobuf at byte 2/,
  );
  assert.deepEqual(parseOtlpProtobuf(Buffer.alloc(0), NOW).records, []);
});

test('encodeOtlpResponse writes partial_success only when something was rejected', () => {
  assert.equal(encodeOtlpResponse(0, '').length, 0);
  const r = new ProtoReader(encodeOtlpResponse(3, 'bad'));
  assert.deepEqual(r.tag(), [1, 2]);
  const p = r.sub();
  assert.deepEqual(p.tag(), [1, 0]);
  assert.equal(p.varint(), 3);
  assert.deepEqual(p.tag(), [2, 2]);
  assert.equal(p.string(), 'bad');
});

test('parseOtlpJson keeps an attribute named __proto__ in its place, nested and in the resource', () => {
  // (The protobuf decoder: src/store/otlp-rows.test.ts, against the column walk.)
  const attributes = [
    { key: 'a', value: { intValue: 1 } },
    {
      key: '__proto__',
      value: { kvlistValue: { values: [{ key: '__proto__', value: { stringValue: 'x' } }] } },
    },
    { key: 'o', value: { kvlistValue: { values: [{ key: 'b', value: { intValue: 2 } }] } } },
  ];
  const resource = [{ key: '__proto__', value: { stringValue: 'r' } }];
  const [r] = parseOtlpJson(request([{ body: { stringValue: 'm' }, attributes }], resource), NOW).records;
  assert.equal(
    JSON.stringify(r.attributes),
    '{"a":1,"__proto__":{"__proto__":"x"},"o":{"b":2},"otel.scope.name":"s"}',
  );
  assert.equal(JSON.stringify(r.labels), '{"__proto__":"r"}');
  assert.equal(Object.getPrototypeOf(r.attributes), Object.prototype);
});

// Black-box 8: OTel resources are wide (SDK detectors, k8sattributes): a resource past
// MAX_LABELS_PER_STREAM attributes lost every record. Now Loki's label attributes come first, then
// the rest in order, up to 30 labels; the others are kept on each record (Loki: structured metadata).
test('parseOtlpJson keeps the records of a resource with more attributes than labels allow', () => {
  const attrs = [
    ...Array.from({ length: 34 }, (_, i) => ({ key: `k8s.attr${i}`, value: { stringValue: `v${i}` } })),
    { key: 'k8s.pod.name', value: { stringValue: 'web-1' } },
    { key: 'service.name', value: { stringValue: 'k8sapp' } },
  ];
  const r = parseOtlpJson(
    request(
      [
        { body: { stringValue: 'one' } },
        { body: { stringValue: 'two' }, attributes: [{ key: 'k8s.attr33', value: { stringValue: 'own' } }] },
      ],
      attrs,
    ),
    NOW,
  );
  assert.deepEqual([r.rejected, r.records.length], [0, 2]);
  const [one, two] = r.records;
  assert.equal(one.service, 'k8sapp');
  const labels = Object.keys(one.labels);
  assert.equal(labels.length, 30);
  assert.deepEqual(labels.slice(0, 3), ['service.name', 'k8s.pod.name', 'k8s.attr0']);
  assert.equal(labels.at(-1), 'k8s.attr27');
  assert.deepEqual(
    Object.keys(one.attributes).filter((k) => k.startsWith('k8s.')),
    ['k8s.attr28', 'k8s.attr29', 'k8s.attr30', 'k8s.attr31', 'k8s.attr32', 'k8s.attr33'],
  );
  assert.equal(one.attributes['k8s.attr33'], 'v33');
  assert.equal(two.attributes['k8s.attr33'], 'own', "the record's own attribute wins");
  assert.equal(one.labels['k8s.attr0'], 'v0');
});

// Every capture in fixtures/logs/ decoded by the ingest parsers, asserting the facts listed for it
// in the shared fixtures README.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { parseBody } from '../src/ingest/body-parsers.js';
import { lokiPushBody } from '../src/ingest/loki.js';
import { parseOtlpJson } from '../src/ingest/otlp-json.js';
import { parseOtlpProtobuf } from '../src/ingest/otlp-protobuf.js';
import type { LogRecord } from '../src/model.js';

const DIR = new URL('./fixtures/logs/', import.meta.url);
const NOW = 1_800_000_000_000_000_000n;

interface Capture {
  url: string;
  headers: Record<string, string>;
  body_length: number;
  body_base64: string;
}

function load(name: string): { capture: Capture; body: Buffer } {
  const capture = JSON.parse(readFileSync(new URL(name, DIR), 'utf8')) as Capture;
  let body = Buffer.from(capture.body_base64, 'base64');
  assert.equal(body.length, capture.body_length);
  if (capture.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
  return { capture, body };
}

function decode(name: string): LogRecord[] {
  const { capture, body } = load(name);
  const type = capture.headers['content-type'];
  if (capture.url === '/v1/logs') {
    const result =
      type === 'application/json' ? parseOtlpJson(body.toString('utf8'), NOW) : parseOtlpProtobuf(body, NOW);
    assert.equal(result.rejected, 0);
    return result.records;
  }
  assert.equal(capture.url, '/loki/api/v1/push');
  // As the server does: the headers choose the kind, the store's parser table decodes it.
  const push = lokiPushBody(body, {
    contentType: type,
    contentEncoding: capture.headers['content-encoding'],
  });
  return parseBody(push.kind, push.body, NOW).records;
}

test('every capture in fixtures/logs decodes', () => {
  const names = readdirSync(DIR).filter((n) => n.endsWith('.json'));
  assert.equal(names.length, 12);
  for (const name of names) assert.ok(decode(name).length > 0, name);
});

for (const variant of ['json', 'json-gzip', 'protobuf', 'protobuf-gzip']) {
  test(`OpenTelemetry JS 0.223.1 OTLP ${variant}: resource, severities, bodies, ids, attribute types`, () => {
    const records = decode(`otel-js-logs-0.223.1-${variant}.json`);
    assert.equal(records.length, 5);
    for (const r of records) {
      assert.equal(r.service, 'checkout');
      assert.deepEqual(r.labels, {
        'service.name': 'checkout',
        'service.version': '1.2.3',
        'deployment.environment': 'prod',
      });
      assert.equal(r.protocol, 'otlp');
      assert.equal(r.attributes['otel.scope.name'], 'checkout-logger');
      assert.equal(r.attributes['otel.scope.version'], '0.1.0');
      assert.match(r.timeNs.toString(), /^\d{19}$/);
    }
    assert.deepEqual(
      records.map((r) => [r.severity, r.levelText, r.level]),
      [
        [9, 'INFO', 'info'],
        [13, 'WARN', 'warn'],
        [17, 'ERROR', 'error'],
        [9, 'INFO', 'info'],
        [5, 'DEBUG', 'debug'],
      ],
    );
    assert.equal(records[0].message, 'user logged in');
    assert.deepEqual(records[0].attributes['user.id'], '42');
    assert.equal(records[0].attributes['http.status_code'], 200);
    assert.equal(records[1].attributes.duration_ms, 1234.5);
    assert.equal(records[2].message, 'payment provider failed');
    assert.equal(records[2].traceId, '5b8efff798038103d269b633813fc60c');
    assert.equal(records[2].spanId, 'eee19b7ec3c1b174');
    assert.equal(records[2].attributes['http.status_code'], 502);
    assert.equal(records[0].traceId, '');
    assert.deepEqual(JSON.parse(records[3].message), {
      event: 'order.created',
      order: { id: 'ord-1', total: 99.5, items: ['A-1', 'B-2'] },
      paid: true,
    });
    assert.equal(records[4].message, 'cache miss');
    assert.equal(records[4].attributes['event.name'], 'cache.miss');
    assert.equal(records[4].attributes['cache.key'], 'cart:42');
  });
}

const PINO_LINES = [
  ['info', 'order created'],
  ['warn', 'payment retry'],
  ['error', 'payment failed'],
  ['info', 'with structured metadata'],
  ['info', 'customer note: "gift wrap", ünïcödé ✓ \\ back\\slash'],
];

test('pino-loki 3.0.0 batched: one stream per line, labels, JSON line unpacked, metadata', () => {
  const records = decode('pino-loki-3.0.0-batched.json');
  assert.deepEqual(
    records.map((r) => [r.level, r.message]),
    PINO_LINES,
  );
  for (const r of records) {
    assert.equal(r.service, 'checkout');
    assert.equal(r.host, 'capture-host');
    assert.equal(r.labels.env, 'prod');
    assert.equal(r.protocol, 'loki');
    assert.equal(r.timeNs % 1_000_000n, 0n, 'ns timestamps derived from milliseconds');
  }
  assert.equal(records[1].labels.level, 'warning');
  assert.equal(records[0].attributes.orderId, 'ord-1');
  assert.deepEqual(records[0].attributes.items, ['A-1', 'B-2']);
  assert.equal((records[2].attributes.err as { type: string }).type, 'TypeError');
  assert.match((records[2].attributes.err as { stack: string }).stack, /card_declined\n {4}at pinoVariant/);
  assert.equal(records[3].traceId, '5b8efff798038103d269b633813fc60c');
  assert.deepEqual(records[3].attributes.meta, { trace_id: '5b8efff798038103d269b633813fc60c', user_id: 42 });
  assert.equal(records[3].attributes.user_id, '42');
});

test('pino-loki 3.0.0 unbatched: five requests, one line each', () => {
  for (let n = 1; n <= 5; n++) {
    const records = decode(`pino-loki-3.0.0-unbatched-${n}.json`);
    assert.equal(records.length, 1);
    assert.deepEqual([records[0].level, records[0].message], PINO_LINES[n - 1]);
  }
  assert.equal(decode('pino-loki-3.0.0-unbatched-4.json')[0].traceId, '5b8efff798038103d269b633813fc60c');
});

for (const variant of ['json', 'protobuf']) {
  test(`winston-loki 6.1.7 ${variant}: four streams, five entries, labels and lines`, () => {
    const records = decode(`winston-loki-6.1.7-${variant}.json`);
    assert.deepEqual(
      records.map((r) => [r.level, r.message]),
      [
        ['info', 'order created'],
        ['info', 'customer note: "gift wrap", ünïcödé ✓ \\ back\\slash'],
        ['warn', 'payment retry'],
        ['error', 'payment failed'],
        ['debug', 'cache miss'],
      ],
    );
    assert.deepEqual(records[0].labels, { level: 'info', app: 'checkout', env: 'prod' });
    assert.deepEqual(records[4].labels, { level: 'debug', app: 'checkout', env: 'prod', module: 'cache' });
    assert.equal(records[0].service, 'checkout');
    assert.equal(records[0].attributes.orderId, 'ord-1');
    assert.equal(records[0].attributes.total, 99.5);
    assert.equal(records[3].attributes.code, 'card_declined');
    if (variant === 'protobuf') assert.equal(records[0].timeNs, 1_795_635_894_077_000_000n);
  });
}

// The real client libraries ship to the running server; what they sent is read back from the store.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { OTLPLogExporter as OtlpHttpJsonExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as OtlpProtoExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import pino from 'pino';
import { pinoLoki } from 'pino-loki';
import winston from 'winston';
import LokiTransport from 'winston-loki';
import { tokenize } from '../src/model.js';
import { INGEST_KEY, type IngestServer, startIngestServer } from './ingest-helpers.js';

const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const SPAN_ID = 'eee19b7ec3c1b174';
let server: IngestServer;

before(async () => {
  server = await startIngestServer();
});
after(async () => {
  await server.close();
});

for (const [name, Exporter] of [
  ['http/json', OtlpHttpJsonExporter],
  ['http/protobuf', OtlpProtoExporter],
] as const) {
  test(`OpenTelemetry sdk-logs with the OTLP ${name} exporter: records, severity, trace context`, async () => {
    const exporter = new Exporter({
      url: `${server.url}/v1/logs`,
      headers: { authorization: `Bearer ${INGEST_KEY}` },
    });
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': `otel-${name}`, 'host.name': 'node-7' }),
      processors: [new SimpleLogRecordProcessor({ exporter })],
    });
    const logger = provider.getLogger('shop-logger', '1.0.0');
    const arrived = server.waitForRecords(2);
    logger.emit({
      severityNumber: 9,
      severityText: 'INFO',
      body: 'user logged in',
      attributes: { 'user.id': '42', n: 7 },
    });
    const ctx = trace.setSpanContext(context.active(), {
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: TraceFlags.SAMPLED,
    });
    logger.emit({ severityNumber: 17, severityText: 'ERROR', body: 'payment provider failed', context: ctx });
    await provider.forceFlush();
    // SimpleLogRecordProcessor exports each record in its own request: they may arrive in either order.
    const records = await arrived;
    const info = records.find((r) => r.message === 'user logged in') ?? records[0];
    const error = records.find((r) => r.message === 'payment provider failed') ?? records[1];
    assert.deepEqual(
      [info.service, info.host, info.level, info.message, info.protocol],
      [`otel-${name}`, 'node-7', 'info', 'user logged in', 'otlp'],
    );
    assert.equal(info.attributes['user.id'], '42');
    assert.equal(info.attributes.n, 7);
    assert.deepEqual(
      [error.level, error.severity, error.traceId, error.spanId],
      ['error', 17, TRACE_ID, SPAN_ID],
    );
    await provider.shutdown();
  });
}

test('pino-loki ships JSON pushes that are searchable by text, field and trace id', async () => {
  const transport = pinoLoki({
    host: server.url,
    batching: false,
    labels: { app: 'pino-shop' },
    basicAuth: { username: 'loki', password: INGEST_KEY },
    structuredMetaKey: 'meta',
  });
  const logger = pino({ level: 'debug' }, transport);
  const arrived = server.waitForRecords(3);
  logger.info({ orderId: 'ord-9' }, 'order created');
  logger.warn({ meta: { trace_id: TRACE_ID } }, 'payment retry');
  logger.error(new TypeError('card_declined'), 'payment failed');
  const records = await arrived;
  const byMessage = new Map(records.map((r) => [r.message, r]));
  assert.deepEqual([...byMessage.keys()].sort(), ['order created', 'payment failed', 'payment retry']);
  assert.equal(byMessage.get('order created')?.attributes.orderId, 'ord-9');
  assert.equal(byMessage.get('order created')?.service, 'pino-shop');
  assert.equal(byMessage.get('payment retry')?.level, 'warn');
  assert.equal(byMessage.get('payment retry')?.traceId, TRACE_ID);
  assert.equal(byMessage.get('payment failed')?.level, 'error');
  const hits: string[] = [];
  server.store.scan(
    { fromNs: 0n, toNs: 1n << 62n, order: 'desc', requiredTokens: tokenize('card_declined') },
    (r) => {
      if (JSON.stringify(r.attributes).includes('card_declined')) hits.push(r.message);
      return true;
    },
  );
  assert.deepEqual(hits, ['payment failed']);
  transport.end();
});

for (const json of [false, true]) {
  test(`winston-loki (${json ? 'JSON' : 'protobuf + snappy'}) ships lines with labels, quotes unescaped`, async () => {
    const transport = new LokiTransport({
      host: server.url,
      json,
      batching: false,
      labels: { app: 'winston-shop', note: 'say "hi"' },
      basicAuth: `loki:${INGEST_KEY}`,
      onConnectionError: (err) => console.error('winston-loki could not send', err),
      // JSON lines as in the fixtures, or winston-loki's default `message {meta}` lines.
      ...(json ? { format: winston.format.json() } : {}),
    });
    const logger = winston.createLogger({ level: 'debug', transports: [transport] });
    const arrived = server.waitForRecords(2);
    logger.info('order created', { orderId: 'ord-1' });
    logger.debug('cache miss', { key: 'cart:42', labels: { module: 'cache' } });
    const records = await arrived;
    const created = records.find((r) => r.message === 'order created');
    const miss = records.find((r) => r.message === 'cache miss');
    assert.ok(created && miss, JSON.stringify(records.map((r) => r.message)));
    assert.equal(created.service, 'winston-shop');
    assert.equal(created.attributes.orderId, 'ord-1');
    assert.equal(created.labels.note, 'say "hi"');
    assert.equal(miss.level, 'debug');
    assert.equal(miss.labels.module, 'cache');
    await transport.close();
  });
}

test('every shipped record is readable back from the store', () => {
  const services = new Set(server.all().map((r) => r.service));
  for (const s of ['otel-http/json', 'otel-http/protobuf', 'pino-shop', 'winston-shop'])
    assert.ok(services.has(s), s);
});

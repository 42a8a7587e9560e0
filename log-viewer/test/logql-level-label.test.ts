// LogQL's `level` is the shipper's stream label, as in Loki (black-box findings 16 and 22, ninth
// session): winston-loki's npm levels and pino-loki's trace→"debug" label, shipped by the real clients.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TEST_API_KEY } from '@flowrent/shared/testing';
import pino from 'pino';
import { pinoLoki } from 'pino-loki';
import winston from 'winston';
import LokiTransport from 'winston-loki';
import { INGEST_KEY, type IngestServer, startIngestServer } from './ingest-helpers.js';

let server: IngestServer;
before(async () => {
  server = await startIngestServer();
});
after(() => server.close());

async function query(q: string): Promise<{ status: number; messages: string[] }> {
  const res = await fetch(`${server.url}/api/logs?from=1h&query=${encodeURIComponent(q)}`, {
    headers: { authorization: `Bearer ${TEST_API_KEY}` },
  });
  const body = (await res.json()) as { data?: Array<{ message: string }> };
  return { status: res.status, messages: (body.data ?? []).map((r) => r.message).sort() };
}

async function messages(q: string): Promise<string[]> {
  const { status, messages } = await query(q);
  assert.equal(status, 200, q);
  return messages;
}

test('winston-loki: npm levels by their order, and {level="silly"} matches the stream label', async () => {
  const transport = new LokiTransport({
    host: server.url,
    json: true,
    batching: false,
    labels: { app: 'winapp' },
    basicAuth: `loki:${INGEST_KEY}`,
    format: winston.format.json(),
    onConnectionError: (err) => console.error('winston-loki could not send', err),
  });
  const logger = winston.createLogger({ level: 'silly', transports: [transport] });
  const arrived = server.waitForRecords(7);
  for (const level of ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'])
    logger.log(level, `winston ${level} line`);
  const records = await arrived;
  const stored = Object.fromEntries(records.map((r) => [r.levelText, r.level]));
  assert.deepEqual(stored, {
    error: 'error',
    warn: 'warn',
    info: 'info',
    http: 'debug',
    verbose: 'debug',
    debug: 'debug',
    silly: 'trace',
  });
  assert.deepEqual(await messages('{app="winapp", level="silly"}'), ['winston silly line']);
  assert.deepEqual(await messages('{app="winapp", level="http"}'), ['winston http line']);
  assert.deepEqual(await messages('{app="winapp"} | level=~"http|verbose"'), [
    'winston http line',
    'winston verbose line',
  ]);
  // the native language ranks the normalized level
  assert.deepEqual(await messages('service:winapp level>=info'), [
    'winston error line',
    'winston info line',
    'winston warn line',
  ]);
  // a word that is no level compares with the label: nothing here, not a 400
  assert.deepEqual(await messages('{app="winapp", level="loud"}'), []);
  assert.equal((await query('level:loud')).status, 400);
  await transport.close();
});

test('pino-loki: pino\'s trace lines carry level="debug" and the selector finds them by it', async () => {
  const transport = pinoLoki({
    host: server.url,
    batching: false,
    labels: { app: 'pinoapp' },
    basicAuth: { username: 'loki', password: INGEST_KEY },
  });
  const logger = pino({ level: 'trace' }, transport);
  const arrived = server.waitForRecords(2);
  logger.trace('a trace line');
  logger.debug('a debug line');
  const records = await arrived;
  assert.deepEqual(records.map((r) => [r.message, r.level, r.labels.level]).sort(), [
    ['a debug line', 'debug', 'debug'],
    ['a trace line', 'trace', 'debug'],
  ]);
  assert.deepEqual(await messages('{app="pinoapp", level="debug"}'), ['a debug line', 'a trace line']);
  assert.deepEqual(await messages('{app="pinoapp"} | level!="debug"'), []);
  assert.deepEqual(await messages('service:pinoapp level:trace'), ['a trace line']);
  transport.end();
});

test('a stream labelled level="warn" matches {level="warn"} whatever its lines say; unlabelled records use their level', async () => {
  const ns = BigInt(Date.now()) * 1_000_000n;
  const arrived = server.waitForRecords(3);
  for (const [path, type, body] of [
    [
      '/loki/api/v1/push',
      'application/json',
      JSON.stringify({
        streams: [
          {
            stream: { app: 'shop', level: 'warn' },
            values: [
              [String(ns), 'plain loki line one'],
              [String(ns + 1n), '{"msg":"json line","level":"error"}'],
            ],
          },
        ],
      }),
    ],
    ['/api/logs', 'application/x-ndjson', '{"service":"shop","level":"WARNING","msg":"ndjson warning"}'],
  ]) {
    const res = await fetch(server.url + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${INGEST_KEY}`, 'content-type': type },
      body,
    });
    assert.ok(res.status < 300, `${res.status} ${await res.text()}`);
  }
  await arrived;
  const warn = ['json line', 'ndjson warning', 'plain loki line one'];
  assert.deepEqual(await messages('{service="shop", level="warn"}'), warn);
  assert.deepEqual(await messages('{service="shop"} | json | level="warn"'), warn);
  assert.deepEqual(await messages('{service="shop"} | json | level="error"'), []);
  assert.deepEqual(await messages('{service="shop"} | detected_level="error"'), ['json line']);
  assert.deepEqual(await messages('service:shop level:error'), ['json line']);
});

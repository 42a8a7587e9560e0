// camelCase and other mixed-case spellings of the well-known keys (`traceId`, `spanId`, `hostName`,
// `logLevel`, `levelName`: Spring Boot / Micrometer Tracing through logstash-logback-encoder, many
// Node and Go loggers) are read as trace id, span id, host and level on every JSON path: the NDJSON
// byte scanner, the object path, a JSON array, Elasticsearch _bulk and Loki JSON lines. Only keys
// starting uppercase were lowercased, so these stayed attributes (black-box #16).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Api, NOW_MS, postAccepted, searchLastHour, startApi } from './api-helpers.js';

interface Found {
  message: string;
  level: string;
  host: string;
  trace_id: string;
  span_id: string;
  attributes: Record<string, unknown>;
}

const TS = new Date(NOW_MS - 60_000).toISOString();
const TRACE = '3af7651916cd43dd8448eb211c80319c';
const SPAN = 'b7ad6b7169203331';

let api: Api;
before(async () => {
  api = await startApi();
});
after(() => api.close());

const post = (path: string, contentType: string, body: string) => postAccepted(api, path, contentType, body);

const search = (query: string) => searchLastHour<Found>(api, query);

/** A distinct trace id per case, so each case's `trace_id:` search finds exactly its record. */
const traceOf = (n: number) => `${n}${TRACE.slice(1)}`;

function camelRecord(n: number, service: string): Record<string, unknown> {
  return {
    ts: TS,
    msg: `camel ${n}`,
    service,
    traceId: traceOf(n),
    spanId: SPAN,
    hostName: 'h-camel',
    logLevel: 'WARN',
    thread: 'main',
  };
}

function assertCamel(r: Found | undefined, n: number): void {
  assert.ok(r, `record ${n} not found`);
  assert.equal(r.trace_id, traceOf(n));
  assert.equal(r.span_id, SPAN);
  assert.equal(r.host, 'h-camel');
  assert.equal(r.level, 'warn');
  assert.deepEqual(r.attributes, { thread: 'main' });
}

test('NDJSON (byte scanner): traceId, spanId, hostName, logLevel fill their fields', async () => {
  const lines = [
    camelRecord(1, 'camel1'),
    { ts: TS, msg: 'levelName', service: 'camel1', levelName: 'error' },
  ];
  await post('/api/logs', 'application/x-ndjson', `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
  assertCamel((await search(`trace_id:${traceOf(1)}`))[0], 1);
  const [named] = await search('service:camel1 levelName');
  assert.equal(named.level, 'error');
  assert.deepEqual(named.attributes, {});
});

test('NDJSON (object path, a line with @x) and a JSON array body', async () => {
  const withException = { ...camelRecord(2, 'camel2'), '@x': 'java.lang.IllegalStateException' };
  await post('/api/logs', 'application/x-ndjson', `${JSON.stringify(withException)}\n`);
  const [r] = await search(`trace_id:${traceOf(2)}`);
  assertCamel({ ...r, attributes: { thread: r.attributes.thread } }, 2);
  await post('/api/logs', 'application/json', JSON.stringify([camelRecord(3, 'camel3')]));
  assertCamel((await search(`trace_id:${traceOf(3)}`))[0], 3);
});

test('Elasticsearch _bulk and Loki JSON lines', async () => {
  await post(
    '/_bulk',
    'application/x-ndjson',
    `{"create":{}}\n${JSON.stringify(camelRecord(4, 'camel4'))}\n`,
  );
  assertCamel((await search(`trace_id:${traceOf(4)}`))[0], 4);
  const ns = `${BigInt(NOW_MS - 30_000) * 1_000_000n}`;
  const { ts: _ts, service: _s, ...line } = camelRecord(5, 'camel5');
  await post(
    '/loki/api/v1/push',
    'application/json',
    JSON.stringify({ streams: [{ stream: { service: 'camel5' }, values: [[ns, JSON.stringify(line)]] }] }),
  );
  assertCamel((await search(`trace_id:${traceOf(5)}`))[0], 5);
});

test('keys that only look alike stay attributes; @ keys stay case-sensitive', async () => {
  const line = { ts: TS, msg: 'lookalike', service: 'camel6', traceIdx: TRACE, '@TR': TRACE, HostNames: 'x' };
  await post('/api/logs', 'application/x-ndjson', `${JSON.stringify(line)}\n`);
  const [r] = await search('service:camel6');
  assert.equal(r.trace_id, '');
  assert.equal(r.host, '');
  assert.deepEqual(r.attributes, { traceIdx: TRACE, '@TR': TRACE, HostNames: 'x' });
});

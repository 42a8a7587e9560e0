// ECS as Filebeat, Elastic Agent, Logstash and the ecs-logging libraries write it: the level and the
// trace/span ids nested as objects ({"log":{"level":"warn"}}, {"trace":{"id":…}}, {"span":{"id":…}})
// are read like their dotted keys, on every JSON path (NDJSON scanner and object path, _bulk, Loki).
// They were stored as info with no ids (black-box #15).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Api, NOW_MS, postAccepted, searchLastHour, startApi } from './api-helpers.js';

interface Found {
  message: string;
  level: string;
  level_text: string;
  service: string;
  host: string;
  trace_id: string;
  span_id: string;
  attributes: Record<string, unknown>;
}

const TS = new Date(NOW_MS - 60_000).toISOString();
const TRACE = '0af7651916cd43dd8448eb211c80319c';
const SPAN = 'b7ad6b7169203331';

let api: Api;
before(async () => {
  api = await startApi();
});
after(() => api.close());

const post = (path: string, contentType: string, body: string) => postAccepted(api, path, contentType, body);

const search = (query: string) => searchLastHour<Found>(api, query);

test('NDJSON: nested log.level, trace.id and span.id are read as the dotted keys are', async () => {
  const lines = [
    {
      ts: TS,
      message: 'ecs nested',
      log: { level: 'warn', logger: 'app' },
      service: { name: 'ecs1' },
      trace: { id: TRACE },
      span: { id: SPAN },
    },
    { ts: TS, message: 'ecs flat', 'log.level': 'warn', 'service.name': 'ecs1' },
    { ts: TS, message: 'ecs no level', log: { logger: 'app' }, 'service.name': 'ecs1' },
  ];
  await post('/api/logs', 'application/x-ndjson', `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
  const warn = await search('service:ecs1 level>=warn');
  assert.deepEqual(warn.map((r) => r.message).sort(), ['ecs flat', 'ecs nested']);
  const [nested] = await search('service:ecs1 "ecs nested"');
  assert.equal(nested.level, 'warn');
  assert.equal(nested.level_text, 'warn');
  assert.equal(nested.trace_id, TRACE);
  assert.equal(nested.span_id, SPAN);
  assert.deepEqual(nested.attributes.log, { level: 'warn', logger: 'app' });
  assert.equal((await search(`trace_id:${TRACE}`)).length, 1);
  const [plain] = await search('service:ecs1 "no level"');
  assert.equal(plain.level, 'info');
});

test('Elasticsearch _bulk: a Filebeat-shaped document gets its level, host, service and ids', async () => {
  const doc = {
    '@timestamp': TS,
    message: 'filebeat doc',
    log: { level: 'error', file: { path: '/var/log/app.log' } },
    host: { name: 'h9' },
    service: { name: 'fbsvc' },
    trace: { id: TRACE.replace('0af', '1af') },
  };
  await post('/_bulk', 'application/x-ndjson', `{"create":{"_index":"logs"}}\n${JSON.stringify(doc)}\n`);
  const [r] = await search('service:fbsvc');
  assert.equal(r.level, 'error');
  assert.equal(r.host, 'h9');
  assert.equal(r.trace_id, TRACE.replace('0af', '1af'));
});

test('Loki: a JSON line with the ECS nested level', async () => {
  const ns = `${BigInt(NOW_MS - 30_000) * 1_000_000n}`;
  const line = JSON.stringify({ message: 'loki ecs', log: { level: 'WARN' } });
  await post(
    '/loki/api/v1/push',
    'application/json',
    JSON.stringify({ streams: [{ stream: { service: 'lokiecs' }, values: [[ns, line]] }] }),
  );
  const [r] = await search('service:lokiecs');
  assert.equal(r.level, 'warn');
});

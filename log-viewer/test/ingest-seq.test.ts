// Seq's ingestion routes, as Serilog.Sinks.Seq, seqcli and Seq.Extensions.Logging call them
// (black-box #11): POST /ingest/clef and /api/events/raw?clef with CLEF lines, /api/events/raw with
// the older {"Events":[…]} JSON, the key in X-Seq-ApiKey or ?apiKey=, answered 201 as Seq does.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TEST_API_KEY } from '@flowrent/shared/testing';
import { type Api, NOW_MS, searchLastHour, startApi } from './api-helpers.js';

let api: Api;
before(async () => {
  api = await startApi();
});
after(() => api.close());

const TS = new Date(NOW_MS - 60_000).toISOString();
const CLEF = 'application/vnd.serilog.clef';

async function post(path: string, body: string, headers: Record<string, string>) {
  const res = await fetch(`${api.url}${path}`, { method: 'POST', headers, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

interface Found {
  message: string;
  level: string;
  attributes: Record<string, unknown>;
}
const search = (query: string) => searchLastHour<Found>(api, query);

test('POST /ingest/clef with X-Seq-ApiKey: 201 {"MinimumLevelAccepted":null}, the template rendered', async () => {
  const lines = [
    { '@t': TS, '@mt': 'seq order {OrderId} placed', OrderId: 41, '@l': 'Warning' },
    { '@t': TS, '@mt': 'seq order {OrderId} shipped', OrderId: 42 },
  ];
  const body = `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`;
  const res = await post('/ingest/clef', body, { 'x-seq-apikey': TEST_API_KEY, 'content-type': CLEF });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.deepEqual(res.body, { MinimumLevelAccepted: null });
  const found = await search('"seq order"');
  assert.deepEqual(found.map((r) => r.message).sort(), ['seq order 41 placed', 'seq order 42 shipped']);
  assert.equal(found.find((r) => r.message.endsWith('placed'))?.level, 'warn');
});

test('POST /ingest/clef takes a single event sent as application/json, pretty-printed too (Seq docs)', async () => {
  const event = { '@t': TS, '@mt': 'single seq event {N}', N: 7 };
  const res = await post('/ingest/clef', JSON.stringify(event, null, 2), {
    'x-seq-apikey': TEST_API_KEY,
    'content-type': 'application/json',
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.deepEqual(
    (await search('"single seq event"')).map((r) => r.message),
    ['single seq event 7'],
  );
});

test('POST /api/events/raw?clef and ?apiKey=; without ?clef the {"Events":[…]} JSON format', async () => {
  const line = JSON.stringify({ '@t': TS, '@mt': 'raw clef {N}', N: 1 });
  const a = await post(`/api/events/raw?clef&apiKey=${TEST_API_KEY}`, `${line}\n`, { 'content-type': CLEF });
  assert.equal(a.status, 201, JSON.stringify(a.body));
  const events = {
    Events: [
      {
        Timestamp: TS,
        Level: 'Error',
        MessageTemplate: 'legacy {What} failed',
        Properties: { What: 'payment' },
        Exception: 'System.Exception: boom',
      },
    ],
  };
  const b = await post('/api/events/raw', JSON.stringify(events), {
    'x-seq-apikey': TEST_API_KEY,
    'content-type': 'application/json',
  });
  assert.equal(b.status, 201, JSON.stringify(b.body));
  assert.equal((await search('"raw clef 1"')).length, 1);
  const [legacy] = await search('"legacy payment failed"');
  assert.equal(legacy.level, 'error');
  assert.equal(legacy.attributes.exception, 'System.Exception: boom');
});

test('Seq routes: a wrong or missing key is a 401; a malformed body a 400 with nothing stored', async () => {
  const line = `${JSON.stringify({ '@t': TS, '@mt': 'unauthorised' })}\n`;
  assert.equal(
    (await post('/ingest/clef', line, { 'x-seq-apikey': 'nope', 'content-type': CLEF })).status,
    401,
  );
  assert.equal((await post('/ingest/clef', line, { 'content-type': CLEF })).status, 401);
  const bad = await post('/api/events/raw', '{"events":[]}', {
    'x-seq-apikey': TEST_API_KEY,
    'content-type': 'application/json',
  });
  assert.equal(bad.status, 400, JSON.stringify(bad.body));
  assert.equal((await search('unauthorised')).length, 0);
  // the X-Seq-ApiKey header is only read on Seq's routes
  const other = await fetch(`${api.url}/api/logs`, {
    method: 'POST',
    headers: { 'x-seq-apikey': TEST_API_KEY, 'content-type': 'application/x-ndjson' },
    body: line,
  });
  assert.equal(other.status, 401);
});

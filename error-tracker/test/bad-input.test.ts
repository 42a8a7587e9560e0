// Bad event data that once answered 500 or poisoned every later read of what it left behind:
// event and breadcrumb times out of range, nesting 20,000 deep. Over real HTTP on a temp-file
// database: every read of an accepted event (API and issue page) must work. Garbage cursors and
// misspelt ignore conditions are tested in read-api.test.ts and workflow.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TEST_API_KEY } from '@flowrent/shared/testing';
import { compressPayload, decompressPayload } from '../src/store/codec.js';
import { api, nextEventId, sendEvent } from './helpers/events.js';
import { send, startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
let session: string;
before(async () => {
  t = await startTracker();
  const login = await send(`${t.url}/login`, {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ key: TEST_API_KEY, next: '/' }).toString(),
  });
  session = String(login.headers['set-cookie']).split(';')[0];
});
after(async () => t.close());

const NESTED = `${'['.repeat(20_000)}${']'.repeat(20_000)}`; // 40 KB of arrays in arrays
const envelope = (id: string, payload: string) =>
  `${JSON.stringify({ event_id: id })}\n{"type":"event"}\n${payload}\n`;

async function ingest(endpoint: 'envelope' | 'store', id: string, payload: string): Promise<number> {
  const body = endpoint === 'envelope' ? envelope(id, payload) : `{"event_id":"${id}",${payload.slice(1)}`;
  return (await send(`${t.url}/api/1/${endpoint}/?sentry_key=publickey`, { body })).status;
}

interface ApiEvent {
  issue_id: number;
  timestamp: string;
  data: Record<string, unknown>;
}

/** The event through the API and its issue's page (which renders the latest event): both 200. */
async function readBack(id: string): Promise<ApiEvent> {
  const res = await api<ApiEvent>(t, 'GET', `/api/events/${id}`);
  assert.equal(res.status, 200, JSON.stringify(res.json));
  const page = await fetch(`${t.url}/issues/${res.json.issue_id}?event=${id}`, {
    headers: { cookie: session },
  });
  assert.equal(page.status, 200, 'the issue page renders the event');
  return res.json;
}

/** value[a][b]... of JSON read back (undefined where the path ends). */
function at(value: unknown, ...path: (string | number)[]): unknown {
  return path.reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k], value);
}

function depthOf(v: unknown): number {
  if (Array.isArray(v)) return 1 + Math.max(0, ...v.map(depthOf));
  return v !== null && typeof v === 'object' ? 1 + Math.max(0, ...Object.values(v).map(depthOf)) : 0;
}

describe('times out of range', () => {
  for (const endpoint of ['envelope', 'store'] as const) {
    for (const timestamp of [1e300, -1e20]) {
      test(`an event time of ${timestamp} on /${endpoint}/ is accepted and the received time is used`, async () => {
        const id = nextEventId();
        assert.equal(await ingest(endpoint, id, JSON.stringify({ message: 'bad clock', timestamp })), 200);
        t.drain();
        const event = await readBack(id);
        const received = new Date(t.clock.now).toISOString();
        assert.equal(event.timestamp, received);
        assert.equal(event.data.timestamp, received);
      });
    }
  }

  test('a breadcrumb time of 1e300 is dropped; the event reads in the API and on the issue page', async () => {
    const id = nextEventId();
    const payload = {
      message: 'crumbs',
      breadcrumbs: [{ timestamp: 1e300, message: 'far' }, { timestamp: 1.7e9 }],
    };
    assert.equal(await ingest('envelope', id, JSON.stringify(payload)), 200);
    t.drain();
    const event = await readBack(id);
    assert.deepEqual(at(event.data, 'breadcrumbs', 'values'), [
      { message: 'far' },
      { timestamp: '2023-11-14T22:13:20.000Z' },
    ]);
  });
});

describe('nesting 20,000 deep', () => {
  const cases: [string, (nested: string) => string, (data: Record<string, unknown>) => unknown, number][] = [
    [
      "a frame's vars",
      (n) =>
        `{"exception":{"values":[{"type":"E","value":"v","stacktrace":{"frames":[{"function":"f","in_app":true,"vars":{"deep":${n}}}]}}]}}`,
      (d) => at(d, 'exception', 'values', 0, 'stacktrace', 'frames', 0, 'vars'),
      5,
    ],
    ['extra', (n) => `{"message":"deep extra","extra":{"deep":${n}}}`, (d) => d.extra, 7],
    ['contexts', (n) => `{"message":"deep contexts","contexts":{"deep":${n}}}`, (d) => d.contexts, 31],
    ['a tag value', (n) => `{"message":"deep tag","tags":{"deep":${n}}}`, (d) => d.tags, 1],
    ['message', (n) => `{"message":${n}}`, (d) => d.message, 0],
  ];
  for (const [where, payload, pick, depth] of cases) {
    test(`in ${where}: trimmed at ingest to ${depth} levels; stored, API and issue page all safe`, async () => {
      const id = nextEventId();
      assert.equal(await ingest('envelope', id, payload(NESTED)), 200);
      t.drain();
      const event = await readBack(id);
      assert.equal(depthOf(pick(event.data)), depth);
      const row = t.db.prepare('SELECT payload FROM events WHERE event_id = ?').get(id) as {
        payload: Buffer;
      };
      const stored = decompressPayload(row.payload);
      assert.ok(stored.length < 2000, `stored ${stored.length} bytes, trimmed`);
    });
  }

  test('in a frame within the limit: stored as sent, shown as sent', async () => {
    const id = nextEventId();
    const payload = `{"exception":{"values":[{"type":"E","stacktrace":{"frames":[{"function":"g","vars":{"v":[[[1]]]}}]}}]}}`;
    assert.equal(await ingest('envelope', id, payload), 200);
    t.drain();
    const event = await readBack(id);
    assert.deepEqual(at(event.data, 'exception', 'values', 0, 'stacktrace', 'frames', 0, 'vars'), {
      v: [[[1]]],
    });
    const row = t.db.prepare('SELECT payload FROM events WHERE event_id = ?').get(id) as { payload: Buffer };
    assert.equal(decompressPayload(row.payload), payload);
  });
});

test('extra deeper than its limit (@sentry/node with normalizeDepth 10) keeps the rest as a JSON string, as Relay does', async () => {
  const id = nextEventId();
  const rest = { i: { j: 'leaf' } };
  const extra = { a: { b: { c: { d: { e: { f: { g: { h: rest } } } } } } } };
  assert.equal(await ingest('envelope', id, JSON.stringify({ message: 'deep extra', extra })), 200);
  t.drain();
  const event = await readBack(id);
  assert.equal(at(event.data, 'extra', 'a', 'b', 'c', 'd', 'e', 'f', 'g'), JSON.stringify({ h: rest }));
});

test('GET /api/events: trace_id given twice is a 422 (was a 500), a limit below 1 means the default page of 100, not all', async () => {
  const trace = 'ab'.repeat(16);
  assert.equal((await api(t, 'GET', `/api/events?trace_id=${trace}&trace_id=${trace}`)).status, 422);
  for (let i = 0; i < 101; i++) await sendEvent(t, { message: `traced ${i}`, traceId: trace });
  t.drain();
  for (const limit of ['-1', '0', '1.5e400', 'x']) {
    const res = await api<{ data: unknown[] }>(t, 'GET', `/api/events?trace_id=${trace}&limit=${limit}`);
    assert.equal(res.json.data.length, 100, `limit=${limit}`);
  }
  const two = await api<{ data: unknown[] }>(t, 'GET', `/api/events?trace_id=${trace}&limit=2.5`);
  assert.equal(two.json.data.length, 2);
});

test('events stored before these limits (bad times, deep nesting) read in the API and on the issue page', async () => {
  const id = await sendEvent(t, { fn: 'stored_before' });
  t.drain();
  const text =
    `{"event_id":"${id}","message":"stored before","timestamp":1e300,` +
    `"breadcrumbs":[{"timestamp":-1e20,"message":"b"}],"extra":{"deep":${NESTED}},` +
    `"exception":{"values":[{"type":"E","stacktrace":{"frames":[{"function":"f","vars":{"deep":${NESTED}}}]}}]}}`;
  t.db.prepare('UPDATE events SET payload = ? WHERE event_id = ?').run(compressPayload(text), id);
  const event = await readBack(id);
  assert.equal(event.data.timestamp, new Date(t.clock.now).toISOString());
  assert.deepEqual(at(event.data, 'breadcrumbs', 'values'), [{ message: 'b' }]);
  assert.equal(depthOf(event.data.extra), 7);
  assert.equal(depthOf(at(event.data, 'exception', 'values', 0, 'stacktrace', 'frames', 0, 'vars')), 5);
  const list = await api(t, 'GET', `/api/issues/${event.issue_id}/events`);
  assert.equal(list.status, 200);
});

// The list comes from shared/src/http/body.ts, which joins its own encodings with the route's
// pass-through ones (the error tracker passes through encodings that it decodes on its worker).
test('a 415 for an unknown Content-Encoding lists each supported encoding once', async () => {
  const res = await send(`${t.url}/api/1/envelope/?sentry_key=publickey`, {
    headers: { 'content-encoding': 'zstd' },
    body: envelope(nextEventId(), '{"message":"m"}'),
  });
  assert.equal(res.status, 415);
  const supported = (res.json() as { error: { details: { supported: string[] } } }).error.details.supported;
  assert.deepEqual([...supported].sort(), ['br', 'deflate', 'gzip', 'identity', 'x-gzip']);
});

// A DSN key presented more than once (a repeated sentry_key parameter, X-Sentry-Auth sent twice,
// the key in both the header and the query) once answered 500 (the array reached SQLite). Over
// real HTTP on a temp-file database: the same key repeated is that key; two different keys are a
// 400 with X-Sentry-Error and the JSON error body, never a 500, on both ingest endpoints.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { nextEventId } from './helpers/events.js';
import { startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
before(async () => {
  t = await startTracker();
});
after(async () => t.close());

const auth = (key: string) => `Sentry sentry_version=7, sentry_client=t/1, sentry_key=${key}`;

/** POST with headers that may repeat (an array value is sent as one header line per value). */
function post(
  path: string,
  headers: Record<string, string | string[]>,
  body: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${t.url}${path}`, { method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

function bodyFor(endpoint: 'store' | 'envelope'): string {
  const id = nextEventId();
  const event = JSON.stringify({ event_id: id, message: 'repeated auth' });
  return endpoint === 'store' ? event : `${JSON.stringify({ event_id: id })}\n{"type":"event"}\n${event}\n`;
}

const cases: [string, string, Record<string, string | string[]>, number][] = [
  ['the same sentry_key twice in the query', '?sentry_key=publickey&sentry_key=publickey', {}, 200],
  ['two different sentry_key values in the query', '?sentry_key=publickey&sentry_key=otherkey', {}, 400],
  [
    'X-Sentry-Auth twice with the same key',
    '',
    { 'x-sentry-auth': [auth('publickey'), auth('publickey')] },
    200,
  ],
  [
    'X-Sentry-Auth twice with different keys',
    '',
    { 'x-sentry-auth': [auth('publickey'), auth('otherkey')] },
    400,
  ],
  [
    'the same key in the header and the query',
    '?sentry_key=publickey',
    { 'x-sentry-auth': auth('publickey') },
    200,
  ],
  [
    'different keys in the header and the query',
    '?sentry_key=otherkey',
    { 'x-sentry-auth': auth('publickey') },
    400,
  ],
  [
    'Authorization twice with different keys',
    '',
    { authorization: [auth('publickey'), auth('otherkey')] },
    400,
  ],
  [
    'different keys in X-Sentry-Auth and Authorization',
    '',
    { 'x-sentry-auth': auth('publickey'), authorization: auth('otherkey') },
    400,
  ],
];

for (const endpoint of ['store', 'envelope'] as const) {
  describe(`/api/1/${endpoint}/ with a key presented more than once`, () => {
    for (const [name, query, headers, status] of cases) {
      test(`${name}: ${status}`, async () => {
        const res = await post(`/api/1/${endpoint}/${query}`, headers, bodyFor(endpoint));
        assert.equal(res.status, status, res.body);
        if (status === 400) {
          const error = (JSON.parse(res.body) as { error: { code: string; message: string } }).error;
          assert.equal(error.code, 'bad_request');
          assert.match(error.message, /2 different sentry_key values/);
          assert.equal(res.headers['x-sentry-error'], error.message);
        } else {
          assert.match((JSON.parse(res.body) as { id: string }).id, /^[0-9a-f]{32}$/);
        }
      });
    }
  });
}

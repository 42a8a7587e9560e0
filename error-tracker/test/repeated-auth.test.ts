// A DSN key presented more than once (a repeated sentry_key parameter, X-Sentry-Auth sent twice,
// the key in both the header and the query) once answered 500 (the array reached SQLite). Over
// real HTTP on a temp-file database: the same key repeated is that key; two different keys are a
// 400 with X-Sentry-Error and the JSON error body, never a 500, on both ingest endpoints.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
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

describe('an envelope dsn besides a key in the query or a header', () => {
  const envelope = (dsn: string) => {
    const id = nextEventId();
    const event = JSON.stringify({ event_id: id, message: 'dsn and key' });
    return { id, body: `${JSON.stringify({ event_id: id, dsn })}\n{"type":"event"}\n${event}\n` };
  };
  const dsn = (key: string, projectId: number) => `http://${key}@127.0.0.1:5010/${projectId}`;
  const stored = async (id: string) => {
    t.drain();
    const res = await fetch(`${t.url}/api/events/${id}`, { headers: t.adminHeaders });
    return res.status === 200;
  };
  // [name, envelope dsn, gzip, status]
  const dsnCases: [string, string, boolean, number][] = [
    ['the same key and project', dsn('publickey', 1), false, 200],
    ['the same key and project, gzip', dsn('publickey', 1), true, 200],
    ['another key', dsn('otherkey', 1), false, 400],
    ['another key, gzip (read once the worker parsed it)', dsn('otherkey', 1), true, 400],
    ['the same key for another project', dsn('publickey', 2), false, 403],
    // Relay refuses a header dsn that does not parse (black-box 10 #6 addendum)
    ['a dsn that is not a DSN', 'garbage', false, 400],
    ['a dsn without a public key, gzip', 'http://127.0.0.1:5010/1', true, 400],
  ];
  for (const [name, envelopeDsn, gzip, status] of dsnCases) {
    test(`${name}: ${status}${status === 200 ? '' : ', nothing stored'}`, async () => {
      const { id, body } = envelope(envelopeDsn);
      const res = await new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
        (resolve, reject) => {
          const headers: Record<string, string> = gzip ? { 'content-encoding': 'gzip' } : {};
          const req = httpRequest(
            `${t.url}/api/1/envelope/?sentry_key=publickey`,
            { method: 'POST', headers },
            (r) => {
              const chunks: Buffer[] = [];
              r.on('data', (c: Buffer) => chunks.push(c));
              r.on('end', () =>
                resolve({
                  status: r.statusCode ?? 0,
                  headers: r.headers,
                  body: Buffer.concat(chunks).toString(),
                }),
              );
            },
          );
          req.on('error', reject);
          req.end(gzip ? gzipSync(body) : body);
        },
      );
      assert.equal(res.status, status, res.body);
      assert.equal(await stored(id), status === 200);
      if (status !== 200) assert.match(String(res.headers['x-sentry-error']), /envelope dsn/);
    });
  }
});

// Ingest edge cases over real HTTP: auth forms, encodings, chunked bodies, CORS, limits, quotas,
// back-pressure, duplicates, and a clear 4xx with X-Sentry-Error for every bad input while the
// server keeps serving.
import assert from 'node:assert/strict';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { openDatabase } from '@flowrent/shared/db';
import { inboxFileFor } from '../src/store/inbox.js';
import { getJson, send, startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
before(async () => {
  t = await startTracker({ INGEST_MAX_PENDING: '50' });
});
after(async () => t.close());

let seq = 0;
const newId = () => (++seq).toString(16).padStart(32, 'a');
const event = (extra: object = {}) => JSON.stringify({ message: 'hello 1', level: 'error', ...extra });
const envelope = (id: string, payload: string, header: object = {}) =>
  `${JSON.stringify({ event_id: id, ...header })}\n{"type":"event"}\n${payload}\n`;
const envUrl = (query = '?sentry_key=publickey') => `${t.url}/api/1/envelope/${query}`;

describe('accepted inputs', () => {
  test('auth by query, X-Sentry-Auth and envelope dsn; answer {"id"}', async () => {
    const a = newId();
    const r1 = await send(envUrl(), { body: envelope(a, event()) });
    assert.equal(r1.status, 200);
    assert.deepEqual(r1.json(), { id: a });
    const b = newId();
    const r2 = await send(envUrl(''), {
      headers: { 'x-sentry-auth': 'Sentry sentry_version=7, sentry_client=x/1, sentry_key=publickey' },
      body: envelope(b, event()),
    });
    assert.deepEqual(r2.json(), { id: b });
    const c = newId();
    const dsn = `http://publickey@127.0.0.1/1`;
    const r3 = await send(envUrl(''), { body: envelope(c, event(), { dsn }) });
    assert.deepEqual(r3.json(), { id: c });
    const d = newId();
    const r4 = await send(envUrl(''), {
      headers: { 'content-encoding': 'gzip' },
      body: gzipSync(envelope(d, event(), { dsn })),
    });
    assert.deepEqual(r4.json(), { id: d }, 'dsn in a compressed envelope');
    const other = await send(envUrl(''), {
      body: envelope(newId(), event(), { dsn: 'http://publickey@127.0.0.1/2' }),
    });
    assert.equal(other.status, 403, 'the dsn must name this project');
  });

  test('gzip, deflate (zlib and raw) and br bodies, chunked without content-length or content-type', async () => {
    const encoders: [string, (b: Buffer) => Buffer][] = [
      ['gzip', gzipSync],
      ['deflate', deflateSync],
      ['deflate', deflateRawSync],
      ['br', brotliCompressSync],
    ];
    for (const [encoding, encode] of encoders) {
      const id = newId();
      const res = await send(envUrl(), {
        headers: { 'content-encoding': encoding },
        body: encode(Buffer.from(envelope(id, event()))),
        chunked: true,
      });
      assert.equal(res.status, 200, `${encoding}: ${res.body}`);
      assert.deepEqual(res.json(), { id });
    }
  });

  test('legacy /store/ takes JSON, gzip JSON and base64 zlib JSON; the payload event_id is used', async () => {
    const id = newId();
    const r1 = await send(`${t.url}/api/1/store/?sentry_key=publickey`, {
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(event({ event_id: id })),
    });
    assert.deepEqual(r1.json(), { id });
    const id2 = newId();
    const r2 = await send(`${t.url}/api/1/store/?sentry_key=publickey`, {
      body: deflateSync(event({ event_id: id2 })).toString('base64'),
    });
    assert.deepEqual(r2.json(), { id: id2 });
  });

  test('envelope header event_id wins; duplicates are stored once; durable before grouping', async () => {
    const id = newId();
    await send(envUrl(), { body: envelope(id, event({ event_id: 'ffffffffffffffffffffffffffffffff' })) });
    await send(envUrl(), { body: envelope(id, event()) });
    assert.ok(t.app.errorTracker.digester.pending() > 0, 'accepted events wait in the inbox');
    // a second connection sees the rows: committed to the inbox file before the 200
    const inboxDb = openDatabase(inboxFileFor(t.db.name));
    const inbox = inboxDb.prepare('SELECT count(*) AS n FROM inbox WHERE event_id = ?').get(id) as {
      n: number;
    };
    inboxDb.close();
    assert.equal(inbox.n, 2, 'inbox rows are committed before the 200');
    t.drain();
    const ev = await getJson<{ event_id: string; issue_id: number }>(t, `/api/events/${id}`);
    assert.equal(ev.event_id, id);
    const count = t.db.prepare('SELECT count(*) AS n FROM events WHERE event_id = ?').get(id) as {
      n: number;
    };
    assert.equal(count.n, 1);
  });

  test('non-event items are accepted with 200 and counted', async () => {
    const body = [
      '{}',
      '{"type":"transaction"}',
      '{"spans":[]}',
      '{"type":"client_report"}',
      '{"discarded_events":[]}',
      '{"type":"check_in"}',
      '{"check_in_id":"x","status":"ok"}',
      '{"type":"attachment","length":5,"filename":"a.txt"}',
      'hello',
      '{"type":"sessions"}',
      '{"aggregates":[{"started":"2026-11-25T20:00:00Z","exited":8,"crashed":2}],"attrs":{"release":"r@9"}}',
      '{"type":"future_thing"}',
      '{}',
    ].join('\n');
    const res = await send(envUrl(), { body });
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(res.json(), {});
    // counts travel through the inbox like events (durable before the 200), applied by the digest
    t.drain();
    const counts = await getJson<{ data: { type: string; count: number }[] }>(
      t,
      '/api/projects/1/item-counts',
    );
    for (const type of [
      'transaction',
      'client_report',
      'check_in',
      'attachment',
      'sessions',
      'unknown', // future_thing: a type Relay does not know
    ]) {
      assert.ok(
        counts.data.some((c) => c.type === type && c.count >= 1),
        type,
      );
    }
    const rel = await getJson<{ data: { release: string; crash_free_rate: number }[] }>(
      t,
      '/api/projects/1/releases',
    );
    assert.equal(rel.data.find((r) => r.release === 'r@9')?.crash_free_rate, 0.8);
  });

  test('user.ip_address {{auto}} is filled from the connection', async () => {
    const id = newId();
    await send(envUrl(), { body: envelope(id, event({ user: { ip_address: '{{auto}}' } })) });
    t.drain();
    const ev = await getJson<{ data: { user: { ip_address: string } } }>(t, `/api/events/${id}`);
    assert.equal(ev.data.user.ip_address, '127.0.0.1');
  });

  test('CORS preflight on ingest routes only', async () => {
    const res = await send(envUrl(''), { method: 'OPTIONS', headers: { origin: 'http://shop.example' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.match(String(res.headers['access-control-allow-headers']), /x-sentry-auth/);
    const post = await send(envUrl(), { body: envelope(newId(), event()) });
    assert.equal(post.headers['access-control-allow-origin'], '*');
    const api = await send(`${t.url}/api/issues`, { method: 'OPTIONS' });
    assert.notEqual(api.status, 200);
    assert.equal(api.headers['access-control-allow-origin'], undefined);
  });
});

describe('rejected inputs get a 4xx with X-Sentry-Error', () => {
  const cases: [string, () => Promise<{ status: number; headers: Record<string, unknown> }>, number][] = [
    ['malformed envelope header', () => send(envUrl(), { body: 'not json\n' }), 400],
    ['item length past the end', () => send(envUrl(), { body: '{}\n{"type":"event","length":99}\n{}' }), 400],
    ['event payload not JSON', () => send(envUrl(), { body: '{}\n{"type":"event"}\n{oops' }), 400],
    ['invalid event_id', () => send(envUrl(), { body: envelope('xyz', event()) }), 400],
    [
      'unknown project',
      () => send(`${t.url}/api/999/envelope/?sentry_key=publickey`, { body: envelope(newId(), event()) }),
      404,
    ],
    [
      'non-numeric project',
      () => send(`${t.url}/api/abc/envelope/?sentry_key=publickey`, { body: '{}' }),
      404,
    ],
    ['missing key', () => send(envUrl(''), { body: envelope(newId(), event()) }), 401],
    ['wrong key', () => send(envUrl('?sentry_key=nope'), { body: envelope(newId(), event()) }), 403],
    [
      'admin key is not a DSN key',
      () =>
        send(envUrl(''), {
          headers: { authorization: 'Bearer test-admin-key' },
          body: envelope(newId(), event()),
        }),
      401,
    ],
    ['bad gzip', () => send(envUrl(), { headers: { 'content-encoding': 'gzip' }, body: 'not gzip' }), 400],
    ['unknown encoding', () => send(envUrl(), { headers: { 'content-encoding': 'zstd' }, body: 'x' }), 415],
    [
      'event over 1 MiB',
      () => send(envUrl(), { body: envelope(newId(), event({ extra: { big: 'x'.repeat(1024 * 1024) } })) }),
      413,
    ],
    [
      'legacy /store/ base64 zlib event over 1 MiB decompressed',
      () =>
        send(`${t.url}/api/1/store/?sentry_key=publickey`, {
          body: deflateSync(event({ extra: { big: 'x'.repeat(1024 * 1024) } })).toString('base64'),
        }),
      413,
    ],
    [
      'gzip bomb over 20 MiB decompressed',
      () =>
        send(envUrl(), {
          headers: { 'content-encoding': 'gzip' },
          body: gzipSync(Buffer.alloc(21 * 1024 * 1024, 32)),
        }),
      413,
    ],
    [
      'envelope over 20 MiB on the wire',
      () => send(envUrl(), { body: Buffer.alloc(20 * 1024 * 1024 + 10, 32), chunked: true }),
      413,
    ],
  ];
  for (const [name, run, status] of cases) {
    test(`${name} → ${status}`, async () => {
      const res = await run();
      assert.equal(res.status, status);
      assert.ok(res.headers['x-sentry-error'], 'X-Sentry-Error is set');
      const health = await send(`${t.url}/healthz`, { method: 'GET' });
      assert.equal(health.status, 200, 'the server keeps serving');
    });
  }
});

describe('projects and DSN keys', () => {
  test('GET /api/projects lists DSNs; an added key ingests, a revoked key is refused', async () => {
    const admin = { ...t.adminHeaders, 'content-type': 'application/json' };
    const list = (await (await fetch(`${t.url}/api/projects`, { headers: t.adminHeaders })).json()) as {
      data: { id: number; dsn: string }[];
    };
    assert.match(list.data[0].dsn, /^http:\/\/publickey@localhost:5010\/1$/);
    const added = (await (
      await fetch(`${t.url}/api/projects/1/keys`, { method: 'POST', headers: admin, body: '{"label":"ci"}' })
    ).json()) as { id: number; public_key: string; dsn: string };
    assert.match(added.dsn, new RegExp(`^http://${added.public_key}@`));
    const url = `${t.url}/api/1/envelope/?sentry_key=${added.public_key}`;
    assert.equal((await send(url, { body: envelope(newId(), event()) })).status, 200);
    const revoked = await fetch(`${t.url}/api/projects/1/keys/${added.id}`, {
      method: 'DELETE',
      headers: t.adminHeaders,
    });
    assert.equal(revoked.status, 200);
    const refused = await send(url, { body: envelope(newId(), event()) });
    assert.equal(refused.status, 403);
    assert.match(String(refused.headers['x-sentry-error']), /revoked/);
    assert.equal((await fetch(`${t.url}/api/projects`)).status, 401, 'the project list needs the admin key');
  });
});

describe('quotas and back-pressure', () => {
  /** Creates a project through the API; returns its envelope URL with its DSN key. */
  const createProject = async (name: string): Promise<{ id: number; url: string }> => {
    const res = await fetch(`${t.url}/api/projects`, {
      method: 'POST',
      headers: { ...t.adminHeaders, 'content-type': 'application/json' },
      body: JSON.stringify({ name }),
    });
    const project = (await res.json()) as { id: number; keys: { public_key: string }[] };
    return {
      id: project.id,
      url: `${t.url}/api/${project.id}/envelope/?sentry_key=${project.keys[0].public_key}`,
    };
  };
  const setQuotaPerMinute = (projectId: number, quota: number) =>
    fetch(`${t.url}/api/projects/${projectId}`, {
      method: 'PATCH',
      headers: { ...t.adminHeaders, 'content-type': 'application/json' },
      body: JSON.stringify({ quota_per_minute: quota }),
    });

  test('a project over its per-minute quota gets 429 with Retry-After and X-Sentry-Rate-Limits', async () => {
    const project = await createProject('Quota');
    await setQuotaPerMinute(project.id, 2);
    const url = project.url;
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof send>> | undefined;
    for (let i = 0; i < 3; i++) {
      const r = await send(url, { body: envelope(newId(), event()) });
      statuses.push(r.status);
      if (r.status === 429) limited = r;
    }
    assert.deepEqual(statuses, [200, 200, 429]);
    assert.ok(Number(limited?.headers['retry-after']) >= 1);
    assert.match(
      String(limited?.headers['x-sentry-rate-limits']),
      /^\d+:error;default;security:project:project_quota$/,
    );
    t.clock.now += 60_000;
    assert.equal(
      (await send(url, { body: envelope(newId(), event()) })).status,
      200,
      'next minute is allowed',
    );
  });

  test('a quota set after a project has received events applies at once (no stale cached project)', async () => {
    const project = await createProject('Late quota');
    const url = project.url;
    assert.equal((await send(url, { body: envelope(newId(), event()) })).status, 200);
    await setQuotaPerMinute(project.id, 1);
    const statuses: number[] = [];
    for (let i = 0; i < 2; i++) statuses.push((await send(url, { body: envelope(newId(), event()) })).status);
    assert.deepEqual(statuses, [200, 429]);
  });

  test('when grouping is behind, ingest answers 429 and recovers after the digest', async () => {
    t.drain();
    for (let i = 0; i < 50; i++) await send(envUrl(), { body: envelope(newId(), event()) });
    const r = await send(envUrl(), { body: envelope(newId(), event()) });
    assert.equal(r.status, 429);
    assert.ok(r.headers['retry-after']);
    assert.match(String(r.headers['x-sentry-rate-limits']), /backpressure/);
    const sessionOnly = await send(envUrl(), {
      body: '{}\n{"type":"session"}\n{"init":true,"started":"2026-11-25T19:59:00Z","attrs":{"release":"a"}}',
    });
    assert.equal(sessionOnly.status, 200, 'sessions still count during back-pressure');
    t.drain();
    assert.equal((await send(envUrl(), { body: envelope(newId(), event()) })).status, 200);
  });
});

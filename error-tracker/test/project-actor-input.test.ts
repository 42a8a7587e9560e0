// Odd input a black-box tester sent over real HTTP (temp-file database): PATCH /api/projects/:id
// with a blank name or an absurd quota (both once stored), and X-Actor as UTF-8 bytes (once stored
// as "JÃ¶rg", Node reading header bytes as latin1).
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { MAX_QUOTA_PER_MINUTE } from '../src/http/project-handlers.js';
import { api, sendEvent } from './helpers/events.js';
import { startTracker, type TrackerTest } from './helpers/server.js';

type ApiError = { error: { code: string; message: string } };
type ApiProject = { name: string; quota_per_minute: number; quota_per_hour: number };

let t: TrackerTest;
before(async () => {
  t = await startTracker();
});
after(async () => t.close());

describe('PATCH /api/projects/:id validates as create does', () => {
  const cases: [string, object, RegExp][] = [
    ['an empty name', { name: '' }, /name must not be blank/],
    ['a blank name', { name: '   ' }, /name must not be blank/],
    [
      'a quota of 1e300 per minute',
      { quota_per_minute: 1e300 },
      /quota_per_minute must be an integer from 0 to 10000000/,
    ],
    [
      'a quota above the bound',
      { quota_per_minute: MAX_QUOTA_PER_MINUTE + 1 },
      /quota_per_minute must be an integer/,
    ],
    [
      'an hourly quota above the bound',
      { quota_per_hour: MAX_QUOTA_PER_MINUTE * 60 + 1 },
      /quota_per_hour must be an integer from 0 to 600000000/,
    ],
  ];
  for (const [name, body, message] of cases) {
    test(`${name}: 422 and nothing stored`, async () => {
      const res = await api<ApiError>(t, 'PATCH', '/api/projects/1', body);
      assert.equal(res.status, 422, JSON.stringify(res.json));
      assert.equal(res.json.error.code, 'validation_error');
      assert.match(res.json.error.message, message);
      const project = (await api<ApiProject>(t, 'GET', '/api/projects/1')).json;
      assert.notEqual(project.name.trim(), '');
      assert.ok(project.quota_per_minute <= MAX_QUOTA_PER_MINUTE);
    });
  }

  test('a name and quotas within bounds are stored', async () => {
    const body = { name: 'Shop', quota_per_minute: MAX_QUOTA_PER_MINUTE, quota_per_hour: 0 };
    const res = await api<ApiProject>(t, 'PATCH', '/api/projects/1', body);
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.deepEqual(
      [res.json.name, res.json.quota_per_minute, res.json.quota_per_hour],
      ['Shop', MAX_QUOTA_PER_MINUTE, 0],
    );
  });

  test('create refuses a blank name too', async () => {
    const res = await api<ApiError>(t, 'POST', '/api/projects', { name: ' ' });
    assert.equal(res.status, 422);
    assert.match(res.json.error.message, /name must not be blank/);
  });
});

/** PATCH with X-Actor given as these exact header bytes (a raw request: Node's client would
 * re-encode a header string). */
function patchAs(issueId: number, actorBytes: Buffer): Promise<number> {
  const body = JSON.stringify({ status: 'resolved' });
  const { port } = new URL(t.url);
  const head = [
    `PATCH /api/issues/${issueId} HTTP/1.1`,
    `host: 127.0.0.1:${port}`,
    ...Object.entries(t.adminHeaders as Record<string, string>).map(([k, v]) => `${k}: ${v}`),
    'content-type: application/json',
    `content-length: ${body.length}`,
    'connection: close',
  ].join('\r\n');
  const request = Buffer.concat([
    Buffer.from(`${head}\r\nx-actor: `),
    actorBytes,
    Buffer.from(`\r\n\r\n${body}`),
  ]);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.end(request));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () =>
      resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(Buffer.concat(chunks).toString())?.[1] ?? 0)),
    );
  });
}

test('X-Actor is stored as sent: UTF-8 bytes decoded as UTF-8, other bytes as latin1', async () => {
  await sendEvent(t, { fn: 'actor_check' });
  t.drain();
  const issueId = (await api<{ data: { id: number }[] }>(t, 'GET', '/api/issues')).json.data[0].id;
  const actors = ['Jörg', '李雷', 'ascii'];
  for (const actor of actors) {
    assert.equal(await patchAs(issueId, Buffer.from(actor, 'utf8')), 200);
    assert.equal((await api(t, 'PATCH', `/api/issues/${issueId}`, { status: 'unresolved' })).status, 200);
  }
  // a latin1 client's "Jörg" (0xF6 alone is not UTF-8) stays "Jörg"
  assert.equal(await patchAs(issueId, Buffer.from('Jörg', 'latin1')), 200);
  const history = (
    await api<{ data: { to_status: string; actor: string }[] }>(t, 'GET', `/api/issues/${issueId}/history`)
  ).json;
  const resolvedBy = history.data.filter((h) => h.to_status === 'resolved').map((h) => h.actor);
  assert.deepEqual(resolvedBy.sort(), ['Jörg', 'Jörg', 'ascii', '李雷'].sort());
});

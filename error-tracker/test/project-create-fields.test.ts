// The create calls of projects and keys once dropped what they did not read: a project created with
// quota_per_minute 5 was unmetered, a misspelt key was a 201, and a public_key kept from another
// Sentry server was replaced by a random one (black-box 10 #22). Over real HTTP on a temp-file
// database: quotas are set on create and enforced, unknown keys are a 400 naming them (as PATCH),
// and an explicit public_key is taken when SDKs can use it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api } from './helpers/events.js';
import { send, startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
before(async () => {
  t = await startTracker();
});
after(async () => t.close());

interface ProjectJson {
  id: number;
  quota_per_minute: number;
  quota_per_hour: number;
  keys: { public_key: string }[];
}
interface ErrorJson {
  error: { code: string; message: string };
}

const storeEvent = (projectId: number, key: string) =>
  send(`${t.url}/api/${projectId}/store/?sentry_key=${key}`, {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ message: 'quota probe' }),
  });

const projectCount = async () => (await api<{ data: unknown[] }>(t, 'GET', '/api/projects')).json.data.length;

test('POST /api/projects sets quota_per_minute and quota_per_hour, and ingest enforces them', async () => {
  const res = await api<ProjectJson>(t, 'POST', '/api/projects', {
    name: 'metered',
    quota_per_minute: 2,
    quota_per_hour: 9,
  });
  assert.equal(res.status, 201, JSON.stringify(res.json));
  assert.equal(res.json.quota_per_minute, 2);
  assert.equal(res.json.quota_per_hour, 9);
  const key = res.json.keys[0].public_key;
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push((await storeEvent(res.json.id, key)).status);
  assert.deepEqual(statuses, [200, 200, 429]);
});

const refusedProjects: [string, Record<string, unknown>, number, RegExp][] = [
  ['a misspelt key', { name: 'typo', qouta_per_hour: 9 }, 400, /unknown key qouta_per_hour/],
  ["Sentry's platform, which is not stored", { name: 'py', platform: 'python' }, 400, /unknown key platform/],
  ['a negative quota', { name: 'neg', quota_per_minute: -1 }, 422, /quota_per_minute must be an integer/],
];
for (const [name, body, status, message] of refusedProjects) {
  test(`POST /api/projects with ${name} is a ${status} and creates nothing`, async () => {
    const before = await projectCount();
    const res = await api<ErrorJson>(t, 'POST', '/api/projects', body);
    assert.equal(res.status, status, JSON.stringify(res.json));
    assert.match(res.json.error.message, message);
    assert.equal(await projectCount(), before);
  });
}

test('POST /api/projects/:id/keys takes a public_key kept from another server; the SDK key works', async () => {
  const kept = '0123456789abcdef0123456789abcdef';
  const res = await api<{ public_key: string; dsn: string }>(t, 'POST', '/api/projects/1/keys', {
    label: 'moved from sentry.io',
    public_key: kept,
  });
  assert.equal(res.status, 201, JSON.stringify(res.json));
  assert.equal(res.json.public_key, kept);
  assert.match(res.json.dsn, new RegExp(`//${kept}@`));
  assert.equal((await storeEvent(1, kept)).status, 200);
  const again = await api<ErrorJson>(t, 'POST', '/api/projects/1/keys', { public_key: kept });
  assert.equal(again.status, 409);
});

const refusedKeys: [string, Record<string, unknown>, number, RegExp][] = [
  ['a key no SDK parses', { public_key: 'my-key-1' }, 422, /public_key must be letters, digits and _/],
  ['a one-letter key', { public_key: 'a' }, 422, /public_key must be/],
  ['a misspelt label', { lable: 'x' }, 400, /unknown key lable/],
];
for (const [name, body, status, message] of refusedKeys) {
  test(`POST /api/projects/:id/keys with ${name} is a ${status} and adds no key`, async () => {
    const keys = async () => (await api<ProjectJson>(t, 'GET', '/api/projects/1')).json.keys.length;
    const before = await keys();
    const res = await api<ErrorJson>(t, 'POST', '/api/projects/1/keys', body);
    assert.equal(res.status, status, JSON.stringify(res.json));
    assert.match(res.json.error.message, message);
    assert.equal(await keys(), before);
  });
}

test('POST /api/projects/:id/keys without a body still makes a random 32-hex key', async () => {
  const res = await api<{ public_key: string }>(t, 'POST', '/api/projects/1/keys');
  assert.equal(res.status, 201);
  assert.match(res.json.public_key, /^[0-9a-f]{32}$/);
});

// Session counts Relay would refuse (1e309 parses to Infinity, 1e20, -1, 1.5): at ingest the item is
// dropped and counted as `invalid`, the rest of the envelope kept; in the digest, an update an older
// version let into the inbox is dropped, and an entry that can never be applied is quarantined, so
// that one bad item never stops the grouping of later events (black-box report, 26 Nov 2026).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { makeTempDir } from '@flowrent/shared/testing';
import { Digester } from '../src/service/digester.js';
import { inlinePreparer } from '../src/service/preparer.js';
import { api, sendEvent } from './helpers/events.js';
import { send, startTracker, type TrackerTest } from './helpers/server.js';
import { openStore } from './helpers/store-files.js';

let t: TrackerTest;
before(async () => {
  t = await startTracker();
});
after(async () => t.close());

const envelope = (type: string, payload: string) => `{}\n{"type":"${type}"}\n${payload}\n`;
const post = (body: string) => send(`${t.url}/api/1/envelope/?sentry_key=publickey`, { body });

async function health(): Promise<unknown[]> {
  const res = await api<{ data: { release: string; sessions: number; crashed: number }[] }>(
    t,
    'GET',
    '/api/projects/1/releases',
  );
  return res.json.data.map((r) => [r.release, r.sessions, r.crashed]);
}

test('session items with counts that are not u32 are dropped as invalid; later events are still grouped', async () => {
  const bad = [
    envelope(
      'sessions',
      '{"aggregates":[{"started":"2026-11-26T14:00:00Z","exited":1e309}],"attrs":{"release":"inf@1"}}',
    ),
    envelope(
      'sessions',
      '{"aggregates":[{"started":"2026-11-26T14:00:00Z","crashed":1e20}],"attrs":{"release":"big@1"}}',
    ),
    envelope(
      'sessions',
      '{"aggregates":[{"started":"2026-11-26T14:00:00Z","exited":-1}],"attrs":{"release":"neg@1"}}',
    ),
    envelope(
      'sessions',
      '{"aggregates":[{"started":"2026-11-26T14:00:00Z","exited":1.5}],"attrs":{"release":"half@1"}}',
    ),
    envelope(
      'sessions',
      `{"aggregates":[{"started":"2026-11-26T14:00:00Z","exited":${2 ** 32}}],"attrs":{"release":"u33@1"}}`,
    ),
    envelope('session', '{"sid":"a","init":true,"status":"ok","errors":1e309,"attrs":{"release":"errs@1"}}'),
  ];
  for (const body of bad) assert.equal((await post(body)).status, 200);
  const ok = envelope(
    'sessions',
    `{"aggregates":[{"started":"2026-11-26T14:00:00Z","exited":${2 ** 32 - 1},"crashed":1}],"attrs":{"release":"max@1"}}`,
  );
  assert.equal((await post(ok)).status, 200);
  const eventId = await sendEvent(t, { message: 'after the bad sessions' });
  t.drain();
  assert.deepEqual(await health(), [['max@1', 2 ** 32, 1]]);
  const counts = await api<{ data: { type: string; count: number }[] }>(
    t,
    'GET',
    '/api/projects/1/item-counts',
  );
  assert.deepEqual(Object.fromEntries(counts.json.data.map((r) => [r.type, r.count])), {
    event: 1,
    invalid: 6,
    sessions: 1,
  });
  const event = await api(t, 'GET', `/api/events/${eventId}`);
  assert.equal(event.status, 200, 'the event sent after the bad items is grouped');
});

test('the digest drops session updates an older version let into the inbox and quarantines entries that can never apply', async () => {
  const dir = makeTempDir('et-quarantine-');
  const { db, inboxDb, store } = openStore(dir);
  store.createProject({ name: 'Default', slug: 'default', publicKey: 'publickey', nowMs: 1000 });
  const prepare = async (message: string, n: number) => {
    const id = (0xb000 + n).toString(16).padStart(32, '0');
    const body = Buffer.from(`{"event_id":"${id}"}\n{"type":"event"}\n{"message":"${message}"}\n`);
    const prepared = await inlinePreparer().prepare({
      endpoint: 'envelope',
      projectId: 1,
      body,
      nowMs: 1_000_000,
    });
    return prepared.entries[0];
  };
  const before = await prepare('grouped before', 1);
  const broken = { ...(await prepare('facts that do not parse', 2)), factsJson: '{"eventId":' };
  const later = await prepare('grouped after', 3);
  // what the inbox held after 1e309 and 1e20 were accepted: Infinity is written as null
  const poisoned = {
    release: 'inf@1',
    environment: 'production',
    started: Number.POSITIVE_INFINITY,
    crashed: 0,
    errored: 0,
    abnormal: 0,
  };
  const huge = {
    release: 'big@1',
    environment: 'production',
    started: 1e20,
    crashed: 1e20,
    errored: 0,
    abnormal: 0,
  };
  const fine = {
    release: 'ok@1',
    environment: 'production',
    started: 2,
    crashed: 1,
    errored: 0,
    abnormal: 0,
  };
  store.acceptMany([
    { projectId: 1, events: [before], itemCounts: { sessions: 2 }, sessions: [poisoned, huge] },
  ]);
  store.acceptMany([{ projectId: 1, events: [broken], itemCounts: {}, sessions: [] }]);
  store.acceptMany([{ projectId: 1, events: [later], itemCounts: { sessions: 1 }, sessions: [fine] }]);
  const digester = new Digester(store, { batchSize: 100, clock: () => 2_000_000 });
  digester.drain();
  const stored = db.prepare('SELECT message FROM events ORDER BY id').pluck().all();
  assert.deepEqual(stored, ['grouped before', 'grouped after']);
  assert.deepEqual(
    store.listReleaseHealth(1).map((r) => [r.release, r.sessions, r.crashed]),
    [['ok@1', 2, 1]],
  );
  const quarantined = db.prepare('SELECT event_id, facts, error FROM digest_quarantine').all() as {
    event_id: string;
    facts: string;
    error: string;
  }[];
  assert.equal(quarantined.length, 1);
  assert.equal(quarantined[0].facts, '{"eventId":');
  assert.match(quarantined[0].error, /JSON/);
  assert.equal(store.pendingCount(), 0, 'nothing is left to retry');
  assert.deepEqual(Object.fromEntries(store.listItemCounts(1).map((r) => [r.type, r.count])), {
    event: 2,
    invalid: 2,
    sessions: 3,
  });
  store.close();
  inboxDb.close();
});

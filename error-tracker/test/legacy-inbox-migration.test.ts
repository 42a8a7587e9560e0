// A database written by a schema-1 version (the inbox inside errors.db) with accepted events still
// in that inbox, upgraded by the real service binary (`--migrate-only`, the runner's migrations):
// migration 0004 groups every leftover event as the digest would and drops the table.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { closeDatabase, loadMigrations, migrate, openDatabase } from '@flowrent/shared/db';
import { makeTempDir } from '@flowrent/shared/testing';
import { Digester } from '../src/service/digester.js';
import { inlinePreparer } from '../src/service/preparer.js';
import type { InboxEntry } from '../src/store/store.js';
import { openStore } from './helpers/store-files.js';

const MIGRATIONS = new URL('../migrations/', import.meta.url).pathname;
const MAIN = new URL('../src/main.ts', import.meta.url).pathname;

let seq = 0;
async function entry(
  message: string,
  extra: Record<string, unknown> = {},
  nowMs = 1_000_000,
): Promise<InboxEntry> {
  const id = (0xa000 + ++seq).toString(16).padStart(32, '0');
  const event = { event_id: id, message, release: 'shop@1', tags: { tenant: 'acme' }, ...extra };
  const body = Buffer.from(`{"event_id":"${id}"}\n{"type":"event"}\n${JSON.stringify(event)}\n`);
  const prepared = await inlinePreparer().prepare({ endpoint: 'envelope', projectId: 1, body, nowMs });
  return prepared.entries[0];
}

/** What the API reads of an issue and its events, without ids that differ between databases. */
function issueState(db: ReturnType<typeof openDatabase>, hash: string) {
  const id = db.prepare('SELECT issue_id FROM groupings WHERE hash = ?').pluck().get(hash);
  const issue = db.prepare('SELECT * FROM issues WHERE id = ?').get(id) as Record<string, unknown>;
  return {
    issue: { ...issue, id: undefined },
    events: db
      .prepare(
        'SELECT event_id, timestamp, received_at, level, title, message, release, environment, user_key, payload FROM events WHERE issue_id = ? ORDER BY id',
      )
      .all(id),
    tags: db
      .prepare(
        'SELECT key, value, count, first_seen, last_seen FROM issue_tags WHERE issue_id = ? ORDER BY key, value',
      )
      .all(id),
    users: db.prepare('SELECT user_key FROM issue_users WHERE issue_id = ? ORDER BY user_key').all(id),
    hourly: db.prepare('SELECT hour, count FROM issue_hourly WHERE issue_id = ? ORDER BY hour').all(id),
  };
}

test('a schema-1 database with events left in its inbox table migrates with every event grouped once, and the table is dropped', async () => {
  const stored = await entry('disk full on volume 7', { user: { id: 'u-0' } }, 500_000);
  const leftover = [
    await entry('disk full on volume 1', { user: { id: 'u-1' } }, 1_000_000),
    await entry('disk full on volume 2', { user: { id: 'u-2' } }, 5_000_000),
    await entry('quota exceeded for tenant 9', {}, 9_000_000),
    await entry('disk full on volume 3', { user: { id: 'u-1' } }, 2_000_000),
  ];

  // the reference: a database at the latest schema that grouped the same events with the digest
  const refDir = makeTempDir();
  const ref = openStore(refDir);
  ref.store.createProject({ name: 'Default', slug: 'default', publicKey: 'publickey', nowMs: 1000 });
  ref.store.acceptMany([{ projectId: 1, events: [stored], itemCounts: {}, sessions: [] }]);
  new Digester(ref.store, { batchSize: 50, clock: () => 500_000 }).drain();

  // the old database: schema 1, the same project and stored event, then the events an older
  // version accepted and never grouped (one of them twice, one already stored)
  const dir = makeTempDir();
  const old = openDatabase(join(dir, 'errors.db'));
  migrate(old, loadMigrations(MIGRATIONS).slice(0, 1));
  for (const table of [
    'projects',
    'project_keys',
    'issues',
    'groupings',
    'events',
    'issue_tags',
    'issue_users',
    'issue_hourly',
    'releases',
  ]) {
    const rows = ref.db.prepare(`SELECT * FROM ${table}`).all() as Record<string, unknown>[];
    for (const row of rows) {
      const cols = Object.keys(row);
      old
        .prepare(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`)
        .run(...Object.values(row));
    }
  }
  const legacy = old.prepare(
    'INSERT INTO inbox (project_id, event_id, received_at, facts, payload) VALUES (?, ?, ?, ?, ?)',
  );
  for (const e of [stored, ...leftover, leftover[0]])
    legacy.run(e.projectId, e.eventId, e.receivedAtMs, e.factsJson, e.payload);
  closeDatabase(old);

  // the reference groups the leftover events with the digest, in the same order
  ref.store.acceptMany([{ projectId: 1, events: leftover, itemCounts: {}, sessions: [] }]);
  new Digester(ref.store, { batchSize: 50, clock: () => 9_000_000 }).drain();

  const run = spawnSync(
    process.execPath,
    ['--conditions=development', '--import', 'tsx', MAIN, '--migrate-only'],
    {
      encoding: 'utf8',
      env: { ...process.env, DATA_DIR: dir, API_KEY: 'k', LOG_LEVEL: 'silent' },
    },
  );
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stderr, /migrated from schema 1 to 16/);

  const now = openStore(dir);
  assert.equal(
    now.db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'inbox'").pluck().get(),
    0,
    'the legacy table is gone',
  );
  assert.equal(now.db.prepare('SELECT count(*) FROM events').pluck().get(), 5);
  const hashes = new Set(leftover.map((e) => JSON.parse(e.factsJson).groupingHash as string));
  assert.equal(hashes.size, 2);
  for (const hash of hashes) assert.deepEqual(issueState(now.db, hash), issueState(ref.db, hash));
  assert.deepEqual(
    now.db.prepare('SELECT release, first_seen FROM releases').all(),
    ref.db.prepare('SELECT release, first_seen FROM releases').all(),
  );
  // the stored events read back whole, and the issue keeps grouping new events
  const events = now.store.listIssueEvents(1, { limit: 10 }).data;
  assert.equal(events.length, 4);
  assert.equal(now.store.getEvent(leftover[1].eventId)?.data.message, 'disk full on volume 2');
  now.store.acceptMany([
    { projectId: 1, events: [await entry('disk full on volume 4')], itemCounts: {}, sessions: [] },
  ]);
  new Digester(now.store, { batchSize: 50, clock: () => 9_500_000 }).drain();
  assert.equal(now.store.getIssue(1)?.eventCount, 5);
  for (const s of [now, ref]) {
    closeDatabase(s.inboxDb);
    closeDatabase(s.db);
  }
});

test("an issue made by the migration keeps its first event's type and platform, as the digest then did", async () => {
  // one fingerprint, two platforms and exception types: the digest describes a new issue by its
  // first event and later events change only title, culprit, message and level, and since
  // black-box #53 the type with the title; migration 0004, written before, keeps the first type
  // (a later event sets it)
  const first = await entry('x', {
    fingerprint: ['one-issue'],
    platform: 'python',
    exception: { values: [{ type: 'KeyError', value: 'a' }] },
  });
  const second = await entry('y', {
    fingerprint: ['one-issue'],
    platform: 'node',
    exception: { values: [{ type: 'TypeError', value: 'b' }] },
  });
  const refDir = makeTempDir();
  const ref = openStore(refDir);
  ref.store.createProject({ name: 'Default', slug: 'default', publicKey: 'publickey', nowMs: 1000 });
  ref.store.acceptMany([{ projectId: 1, events: [first, second], itemCounts: {}, sessions: [] }]);
  new Digester(ref.store, { batchSize: 50, clock: () => 2_000_000 }).drain();

  const dir = makeTempDir();
  const old = openDatabase(join(dir, 'errors.db'));
  migrate(old, loadMigrations(MIGRATIONS).slice(0, 1));
  const project = ref.db.prepare('SELECT * FROM projects').get() as Record<string, unknown>;
  old
    .prepare(
      `INSERT INTO projects (${Object.keys(project).join(', ')}) VALUES (${Object.keys(project)
        .map(() => '?')
        .join(', ')})`,
    )
    .run(...Object.values(project));
  const legacy = old.prepare(
    'INSERT INTO inbox (project_id, event_id, received_at, facts, payload) VALUES (?, ?, ?, ?, ?)',
  );
  for (const e of [first, second]) legacy.run(e.projectId, e.eventId, e.receivedAtMs, e.factsJson, e.payload);
  migrate(old, loadMigrations(MIGRATIONS));

  const hash = JSON.parse(first.factsJson).groupingHash as string;
  const state = issueState(old, hash);
  assert.equal(state.issue.type, 'KeyError');
  assert.equal(state.issue.platform, 'python');
  const digested = issueState(ref.db, hash);
  assert.equal(digested.issue.type, 'TypeError');
  assert.deepEqual(state, { ...digested, issue: { ...digested.issue, type: 'KeyError' } });
  closeDatabase(old);
  closeDatabase(ref.inboxDb);
  closeDatabase(ref.db);
});

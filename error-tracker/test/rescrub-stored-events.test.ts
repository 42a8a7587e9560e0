// Events stored before the scrubber moved before storage (20afe39) or before its value rules
// (61db27c) keep their secrets in errors.db; the maintenance pass rewrites them scrubbed, a batch
// per transaction with its progress in _meta. Real server (127.0.0.1 port 0), temp-file SQLite.
// The old rows are made as 0cce6a3's accept path stored them: the event's bytes as sent, zstd or
// the gzip body as received (codec formats 2 and 3), unscrubbed. A fault inside the pass's
// transaction (a trigger calling a SQL function that throws, as a crash would stop it) leaves
// every event as it was; the next run finishes the pass; nothing is lost.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { SCRUB_VERSION } from '../src/ingest/scrub.js';
import { compressPayload, decompressPayload, payloadAsSent } from '../src/store/codec.js';
import { api, sendEvent } from './helpers/events.js';
import { startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
let failUpdates = false;
before(async () => {
  t = await startTracker();
  t.db.function('fail_update', () => {
    if (failUpdates) throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
    return 0;
  });
  t.db.exec(
    'CREATE TEMP TRIGGER fail_update BEFORE UPDATE OF payload ON events BEGIN SELECT fail_update(); END',
  );
});
after(async () => t.close());

const SECRETS = ["'hunter2'", '4111 1111 1111 1111', 'tok-old-1', 'pw-old-2'];
const oldEvent = (eventId: string, message: string) => ({
  event_id: eventId,
  platform: 'python',
  message,
  exception: [
    {
      type: 'LoginError',
      value: 'bad login',
      stacktrace: {
        frames: [
          { function: 'login', filename: 'app.py', vars: { secret_password: "'hunter2'", who: "'bob'" } },
        ],
      },
    },
  ],
  // repetitive, so the gzip body is small enough to be kept as sent
  extra: { card: 'card 4111 1111 1111 1111', log: 'step ok; '.repeat(500) },
  breadcrumbs: [{ message: 'called with Bearer tok-old-1' }],
  request: { url: 'https://shop/x', env: { DATABASE_URL: 'pg://app:pw-old-2@db/app' } },
});
const payloadOf = (id: number) =>
  decompressPayload(
    (t.db.prepare('SELECT payload FROM events WHERE id = ?').get(id) as { payload: Buffer }).payload,
  );
const meta = (key: string) =>
  t.db.prepare('SELECT value FROM _meta WHERE key = ?').pluck().get(key) as string | undefined;

test('events stored unscrubbed by an older version are rewritten scrubbed by the maintenance pass, crash-safely', async () => {
  // a new database: the pass over no events ends at once (the service runs it at start)
  assert.equal(meta('events_scrubbed_version'), undefined);
  t.app.errorTracker.maintenance.start(3_600_000);
  t.app.errorTracker.maintenance.stop();
  assert.equal(meta('events_scrubbed_version'), String(SCRUB_VERSION));
  const eventIds = [];
  for (const message of ['old zstd', 'old gzip as sent', 'clean'])
    eventIds.push(await sendEvent(t, { message }));
  t.drain();
  const rows = t.db.prepare('SELECT id, event_id FROM events ORDER BY id').all() as {
    id: number;
    event_id: string;
  }[];
  assert.equal(rows.length, 3);
  assert.equal((await t.app.errorTracker.maintenance.runOnce()).rescrubbed, 0, 'nothing to rewrite');
  // as the older version stored them: unscrubbed, as sent, and no marker (an upgraded database)
  t.db.prepare("DELETE FROM _meta WHERE key LIKE 'events_scrub%'").run();
  const zstdJson = JSON.stringify(oldEvent(rows[0].event_id, 'old zstd'));
  t.db.prepare('UPDATE events SET payload = ? WHERE id = ?').run(compressPayload(zstdJson), rows[0].id);
  const envelope = Buffer.from(
    `{"event_id":"${rows[1].event_id}"}\n{"type":"event"}\n${JSON.stringify(oldEvent(rows[1].event_id, 'old gzip as sent'))}\n`,
  );
  const offset = envelope.indexOf('{"event_id"', 5);
  const asSent = payloadAsSent(gzipSync(envelope), 'gzip', {
    offset,
    length: envelope.length - 1 - offset,
    decodedLength: envelope.length,
  });
  assert.ok(asSent, 'kept as sent (codec format 3)');
  t.db.prepare('UPDATE events SET payload = ? WHERE id = ?').run(asSent, rows[1].id);
  for (const id of [rows[0].id, rows[1].id])
    for (const secret of SECRETS) assert.ok(payloadOf(id).includes(secret), `stored with ${secret}`);
  const cleanBefore = payloadOf(rows[2].id);
  // the read path scrubs them already
  const read = await api<{ data: Record<string, unknown> }>(t, 'GET', `/api/events/${rows[0].event_id}`);
  for (const secret of SECRETS) assert.ok(!JSON.stringify(read.json.data).includes(secret), secret);

  // (a pass waits for the entries an older version left in the inbox: rescrub-after-restart.test.ts)

  // a failure midway through the pass's transaction: every event as it was, no progress recorded
  failUpdates = true;
  await assert.rejects(t.app.errorTracker.maintenance.runOnce(), /disk I\/O error/);
  failUpdates = false;
  for (const secret of SECRETS) assert.ok(payloadOf(rows[0].id).includes(secret));
  assert.equal(meta('events_scrub_pass'), undefined);
  assert.equal(meta('events_scrubbed_version'), undefined);

  // one batch at a time: the progress marker names the last event done
  const first = t.app.errorTracker.store.rescrubStoredEvents(1);
  assert.deepEqual(first, { scanned: 1, rewritten: 1, done: false });
  assert.equal(JSON.parse(meta('events_scrub_pass')!).throughId, rows[0].id);
  for (const secret of SECRETS) assert.ok(!payloadOf(rows[0].id).includes(secret), secret);
  assert.ok(payloadOf(rows[1].id).includes("'hunter2'"), 'the next one is not done yet');

  const run = await t.app.errorTracker.maintenance.runOnce();
  assert.equal(run.rescrubbed, 1);
  assert.equal(meta('events_scrubbed_version'), String(SCRUB_VERSION));
  assert.equal(meta('events_scrub_pass'), undefined);
  for (const id of [rows[0].id, rows[1].id]) {
    const stored = payloadOf(id);
    for (const secret of SECRETS) assert.ok(!stored.includes(secret), secret);
    assert.ok(stored.includes("'bob'") && stored.includes('[Filtered]'));
  }
  assert.equal(payloadOf(rows[2].id), cleanBefore, 'an event with nothing to scrub is left as stored');
  // nothing lost: each event reads as before, less its secrets
  for (const [i, row] of rows.entries()) {
    const ev = await api<{ data: { message: string; exception: { values: unknown[] } } }>(
      t,
      'GET',
      `/api/events/${row.event_id}`,
    );
    assert.equal(ev.status, 200);
    assert.equal(ev.json.data.message, ['old zstd', 'old gzip as sent', 'clean'][i]);
  }
  const again = await api<{ data: Record<string, unknown> }>(t, 'GET', `/api/events/${rows[1].event_id}`);
  assert.ok(JSON.stringify(again.json.data).includes('"who":"\'bob\'"'));
  // done: later runs scan nothing
  assert.equal((await t.app.errorTracker.maintenance.runOnce()).rescrubbed, 0);
  assert.deepEqual(t.app.errorTracker.store.rescrubStoredEvents(50), {
    scanned: 0,
    rewritten: 0,
    done: true,
  });
});

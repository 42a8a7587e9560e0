// Events stored with a time from a wrong clock before the clock rule existed (more than 60 s ahead
// of or 30 days behind the received time): the API normalizes the payload again on read and shows
// the received time, so migration 0006 gives the events table's `timestamp` the same time; the
// event list (from the table) and the event (from the payload) then agree. Real server, real
// migration runner, real SQLite file.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loadMigrations, migrate } from '@flowrent/shared/db';
import { api, nextEventId, sentryEvent } from './helpers/events.js';
import { send, startTracker, type TrackerTest } from './helpers/server.js';

const MIGRATIONS = new URL('../migrations/', import.meta.url).pathname;
const DAY_MS = 86_400_000;

let t: TrackerTest;
before(async () => {
  t = await startTracker();
});
after(async () => t.close());

async function post(event: Record<string, unknown>): Promise<void> {
  const body = `${JSON.stringify({ event_id: event.event_id })}\n{"type":"event"}\n${JSON.stringify(event)}\n`;
  const res = await send(`${t.url}/api/1/envelope/?sentry_key=publickey`, { body });
  assert.equal(res.status, 200, res.body);
}

/** The time of an event as its issue's event list shows it and as the event itself does. */
async function times(eventId: string): Promise<{ list: string; event: string; column: number }> {
  const one = await api<{ issue_id: number; timestamp: string; data: { timestamp: string } }>(
    t,
    'GET',
    `/api/events/${eventId}`,
  );
  assert.equal(one.status, 200, JSON.stringify(one.json));
  const list = await api<{ data: { event_id: string; timestamp: string }[] }>(
    t,
    'GET',
    `/api/issues/${one.json.issue_id}/events?limit=100`,
  );
  const row = list.json.data.find((e) => e.event_id === eventId.replaceAll('-', ''));
  assert.ok(row, `event ${eventId} in its issue's list`);
  const column = t.db
    .prepare('SELECT timestamp FROM events WHERE event_id = ?')
    .pluck()
    .get(eventId) as number;
  assert.equal(one.json.timestamp, row.timestamp);
  return { list: row.timestamp, event: one.json.data.timestamp, column };
}

test('events stored with a wrong clock before migration 0006 show the received time in the list, the event and the table', async () => {
  const received = t.clock.now;
  const sent = {
    future: received + DAY_MS,
    past: received - 40 * DAY_MS,
    ahead30s: received + 30_000, // within the rule: kept
  };
  const ids: Record<string, string> = {};
  for (const [name, ms] of Object.entries(sent)) {
    ids[name] = nextEventId();
    await post({ ...sentryEvent({ message: `clock ${name}` }), event_id: ids[name], timestamp: ms / 1000 });
  }
  t.drain();
  // What a version before the clock rule wrote: the time as sent, at schema 5.
  for (const [name, ms] of Object.entries(sent))
    t.db.prepare('UPDATE events SET timestamp = ? WHERE event_id = ?').run(ms, ids[name]);
  t.db.prepare("UPDATE _meta SET value = '5' WHERE key = 'schema_version'").run();
  t.db.exec('DROP TABLE digest_quarantine'); // migration 0007's (0008 alters it), which a schema-5 database lacks
  t.db.exec('DROP TABLE session_errored'); // migration 0009's
  t.db.exec('DROP TABLE issue_user_values'); // migration 0011's
  t.db.exec('DROP TABLE issue_redirects'); // migration 0012's
  t.db.exec('DROP TABLE issue_minutes'); // migration 0014's
  t.db.exec('DROP TABLE deleted_issues'); // migration 0015's
  assert.notEqual((await times(ids.future)).list, (await times(ids.future)).event, 'the gap this fixes');

  assert.deepEqual(migrate(t.db, loadMigrations(MIGRATIONS)), { from: 5, to: 16 });
  const receivedIso = new Date(received).toISOString();
  for (const name of ['future', 'past']) {
    const got = await times(ids[name]);
    assert.deepEqual(got, { list: receivedIso, event: receivedIso, column: received }, name);
  }
  const kept = new Date(sent.ahead30s).toISOString();
  assert.deepEqual(await times(ids.ahead30s), { list: kept, event: kept, column: sent.ahead30s });
});

test('a new event with a wrong clock is stored with the received time the API shows', async () => {
  const id = nextEventId();
  await post({
    ...sentryEvent({ message: 'clock new' }),
    event_id: id,
    timestamp: (t.clock.now + 7 * DAY_MS) / 1000,
  });
  t.drain();
  const receivedIso = new Date(t.clock.now).toISOString();
  assert.deepEqual(await times(id), { list: receivedIso, event: receivedIso, column: t.clock.now });
});

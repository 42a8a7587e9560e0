// An SDK on a host with a wrong clock: event times more than 60 s ahead of or 30 days behind the
// received time take the received time (Relay's rule, src/ingest/normalize.ts), so the event list,
// first/last seen and the hourly series follow when the events arrived. Real server over HTTP.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api, nextEventId, sentryEvent } from './helpers/events.js';
import { send, startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
before(async () => {
  t = await startTracker();
});
after(async () => t.close());

async function sendAt(timestamp: unknown, fn: string): Promise<string> {
  const id = nextEventId();
  const event = { ...sentryEvent({ fn }), timestamp, breadcrumbs: [{ timestamp, message: 'step' }] };
  const body = `${JSON.stringify({ event_id: id })}\n{"type":"event"}\n${JSON.stringify(event)}\n`;
  const res = await send(`${t.url}/api/1/envelope/?sentry_key=publickey`, { body });
  assert.equal(res.status, 200, res.body);
  return id;
}

interface ApiEvent {
  timestamp: string;
  data: {
    timestamp: string;
    _meta?: { timestamp?: unknown };
    breadcrumbs: { values: { timestamp: string }[] };
  };
}

for (const [label, sent, kind] of [
  ['five years ahead', '2031-11-25T20:00:00Z', 'future_timestamp'],
  ['a year behind', 1732564800, 'past_timestamp'],
] as const) {
  test(`an event time ${label} is stored as the received time, with Relay's note`, async () => {
    const received = t.clock.now;
    const id = await sendAt(sent, `clock_${kind}`);
    t.drain();
    const ev = (await api<ApiEvent>(t, 'GET', `/api/events/${id}`)).json;
    const receivedIso = new Date(received).toISOString();
    assert.equal(ev.timestamp, receivedIso);
    assert.equal(ev.data.timestamp, receivedIso);
    assert.equal(ev.data.breadcrumbs.values[0].timestamp, receivedIso);
    assert.deepEqual(ev.data._meta?.timestamp, {
      '': {
        err: [
          [
            kind,
            {
              sdk_time: new Date(typeof sent === 'number' ? sent * 1000 : sent).toISOString(),
              server_time: receivedIso,
            },
          ],
        ],
      },
    });
    const issues = (
      await api<{ data: { id: number; first_seen: string; last_seen: string }[] }>(
        t,
        'GET',
        `/api/issues?query=${encodeURIComponent(`clock_${kind}`)}`,
      )
    ).json.data;
    assert.equal(issues.length, 1);
    assert.equal(issues[0].first_seen, receivedIso);
    assert.equal(issues[0].last_seen, receivedIso);
    const detail = (
      await api<{ hourly: { hour: string; count: number }[] }>(t, 'GET', `/api/issues/${issues[0].id}`)
    ).json;
    const hour = new Date(Math.floor(received / 3_600_000) * 3_600_000).toISOString();
    assert.deepEqual(
      detail.hourly.filter((h) => h.count > 0),
      [{ hour, count: 1 }],
    );
    const events = (
      await api<{ data: { timestamp: string }[] }>(t, 'GET', `/api/issues/${issues[0].id}/events`)
    ).json;
    assert.equal(events.data[0].timestamp, receivedIso);
    t.clock.now += 3_600_000;
  });
}

test('an event time within the allowed drift is kept as sent', async () => {
  const sent = new Date(t.clock.now + 30_000).toISOString();
  const id = await sendAt(sent, 'clock_ok');
  t.drain();
  const ev = (await api<ApiEvent>(t, 'GET', `/api/events/${id}`)).json;
  assert.equal(ev.data.timestamp, sent);
  assert.equal(ev.data._meta, undefined);
});

test("an envelope whose sent_at is 2 hours behind (the SDK's clock): every time moves by the drift, stored so", async () => {
  const received = t.clock.now;
  const behind = (ms: number) => new Date(ms - 2 * 3_600_000).toISOString();
  const id = nextEventId();
  const event = {
    ...sentryEvent({ fn: 'clock_sent_at' }),
    timestamp: behind(received - 1000),
    breadcrumbs: [{ timestamp: behind(received - 5000), message: 'step' }],
  };
  const body = `${JSON.stringify({ event_id: id, sent_at: behind(received) })}\n{"type":"event"}\n${JSON.stringify(event)}\n`;
  const res = await send(`${t.url}/api/1/envelope/?sentry_key=publickey`, { body });
  assert.equal(res.status, 200, res.body);
  t.drain();
  const ev = (await api<ApiEvent>(t, 'GET', `/api/events/${id}`)).json;
  assert.equal(ev.data.timestamp, new Date(received - 1000).toISOString());
  assert.equal(ev.timestamp, new Date(received - 1000).toISOString());
  assert.equal(ev.data.breadcrumbs.values[0].timestamp, new Date(received - 5000).toISOString());
  assert.deepEqual(ev.data._meta?.timestamp, {
    '': {
      err: [['clock_drift', { sdk_time: behind(received), server_time: new Date(received).toISOString() }]],
    },
  });
});

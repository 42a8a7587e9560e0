// The 429 for too many requests in flight refuses the whole envelope before it is parsed, whatever
// its items: its X-Sentry-Rate-Limits must then hold every category (an empty list), or the SDKs
// back off errors only and keep sending sessions, transactions, attachments into the overload. Read
// with the Sentry JavaScript SDK's own rate-limit functions (@sentry/core 11, what @sentry/node
// runs; sentry-python's _parse_rate_limits reads an empty list the same way: all categories).
// Real server (127.0.0.1 port 0, temp-file SQLite), INGEST_MAX_IN_FLIGHT=1, one request held at
// its durability sync.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isRateLimited, updateRateLimits } from '@sentry/core';
import { sendEvent } from './helpers/events.js';
import { send, startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
before(async () => {
  t = await startTracker({ INGEST_MAX_IN_FLIGHT: '1' });
});
after(async () => t.close());

const SESSION = `{"sent_at":"2026-11-25T20:00:00Z"}\n{"type":"session"}\n${JSON.stringify({
  sid: 'a'.repeat(32),
  status: 'ok',
  started: '2026-11-25T19:59:00Z',
  attrs: { release: 'shop@1.0.0', environment: 'production' },
})}\n`;

test('a request over INGEST_MAX_IN_FLIGHT gets a 429 that rate-limits every category for the SDKs', async () => {
  const store = t.app.errorTracker.store;
  const syncAccepted = store.syncAccepted;
  let release = () => {};
  const reached = new Promise<void>((resolve) => {
    store.syncAccepted = () => {
      resolve();
      return new Promise<void>((r) => {
        release = r;
      }).then(() => syncAccepted.call(store));
    };
  });
  const held = sendEvent(t, { message: 'held in flight' });
  await reached; // the event's request holds the only slot until its sync is released
  store.syncAccepted = syncAccepted;
  const refused = await send(`${t.url}/api/1/envelope/?sentry_key=publickey`, { body: SESSION });
  assert.equal(refused.status, 429);
  assert.equal(refused.headers['retry-after'], '1');
  assert.equal(refused.headers['x-sentry-rate-limits'], '1::organization:backpressure');
  const now = Date.parse('2026-11-25T20:00:00Z');
  const limits = updateRateLimits(
    {},
    {
      statusCode: 429,
      headers: {
        'x-sentry-rate-limits': String(refused.headers['x-sentry-rate-limits']),
        'retry-after': '1',
      },
    },
    now,
  );
  for (const category of ['error', 'session', 'transaction', 'attachment', 'default'] as const)
    assert.equal(isRateLimited(limits, category, now + 999), true, category);
  assert.equal(isRateLimited(limits, 'session', now + 1000), false, 'for 1 s');
  release();
  await held;
  // the slot is free again: the session is taken
  assert.equal((await send(`${t.url}/api/1/envelope/?sentry_key=publickey`, { body: SESSION })).status, 200);
});

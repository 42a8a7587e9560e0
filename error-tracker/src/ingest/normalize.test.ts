import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeEvent, toIsoTimestamp } from './normalize.js';

const RECEIVED = Date.parse('2026-11-26T09:00:00Z');
const normalize = (raw: Record<string, unknown>, factsOnly = false) =>
  normalizeEvent(raw, { receivedAtMs: RECEIVED, newEventId: () => 'a'.repeat(32), factsOnly });

test('toIsoTimestamp() reads RFC 3339 and epoch seconds within 1970..9999, else null', () => {
  const check = (input: unknown, expected: string | null) =>
    assert.equal(toIsoTimestamp(input), expected, String(input));
  check(1764147600.5, '2025-11-26T09:00:00.500Z');
  check('1764147600', '2025-11-26T09:00:00.000Z');
  check('2026-11-26T09:00:00', '2026-11-26T09:00:00.000Z');
  check('2026-11-26T10:00:00+01:00', '2026-11-26T09:00:00.000Z');
  check(0, '1970-01-01T00:00:00.000Z');
  check(253402300799.999, '9999-12-31T23:59:59.999Z');
  check(253402300800, null);
  check(1e300, null);
  check(-1e20, null);
  check(-1, null);
  check(1764147600000, null); // milliseconds sent as seconds: the year 57,873
  check('9'.repeat(30), null);
  check('+275760-09-13T00:00:00Z', null);
  check('+100000-01-01T00:00:00Z', null);
  check('yesterday', null);
  check(Number.NaN, null);
  check(undefined, null);
});

test('normalizeEvent() uses the received time for an event time out of range, and never throws', () => {
  for (const timestamp of [1e300, -1e20, 1764147600000, '+275760-09-13T00:00:00Z']) {
    for (const factsOnly of [false, true]) {
      assert.equal(
        normalize({ timestamp }, factsOnly).timestamp,
        '2026-11-26T09:00:00.000Z',
        String(timestamp),
      );
    }
  }
});

test('normalizeEvent() drops a breadcrumb time out of range or unparseable, keeps the rest', () => {
  const out = normalize({
    breadcrumbs: [
      { timestamp: 1e300, message: 'far' },
      { timestamp: 'soon', message: 'text' },
      { timestamp: 1764147600, message: 'ok' },
      { message: 'none' },
    ],
  });
  assert.deepEqual(out.breadcrumbs, {
    values: [
      { message: 'far' },
      { message: 'text' },
      { timestamp: '2025-11-26T09:00:00.000Z', message: 'ok' },
      { message: 'none' },
    ],
  });
});

test('normalizeEvent() trims nesting deeper than the limits (the read path, factsOnly off)', () => {
  let deep: unknown = [];
  for (let i = 0; i < 20_000; i++) deep = [deep];
  const out = normalize({ extra: { d: deep }, tags: { t: deep }, message: deep });
  assert.doesNotThrow(() => JSON.stringify(out));
  assert.equal(JSON.stringify(out.extra), `{"d":${'['.repeat(6)}"[Array]"${']'.repeat(6)}}`);
  assert.equal(typeof (out.tags as Record<string, string>).t, 'string');
});

test('normalizeEvent() moves an event time from a wrong clock to the received time, as Relay does', () => {
  const received = '2026-11-26T09:00:00.000Z';
  // [time sent, time kept, note]
  const check = (timestamp: unknown, expected: string, kind: string | null) => {
    for (const factsOnly of [false, true]) {
      const out = normalize({ timestamp }, factsOnly);
      assert.equal(out.timestamp, expected, String(timestamp));
      const note = kind && [[kind, { sdk_time: toIsoTimestamp(timestamp), server_time: received }]];
      assert.deepEqual(
        (out._meta as { timestamp?: { '': { err: unknown } } } | undefined)?.timestamp?.[''].err,
        note || undefined,
        String(timestamp),
      );
    }
  };
  check('2026-11-26T09:01:00Z', '2026-11-26T09:01:00.000Z', null); // 60 s ahead: drift allowed
  check('2026-11-26T09:01:00.001Z', received, 'future_timestamp');
  check('2031-01-01T00:00:00Z', received, 'future_timestamp');
  check('2026-10-27T09:00:00Z', '2026-10-27T09:00:00.000Z', null); // 30 days back
  check('2026-10-27T08:59:59.999Z', received, 'past_timestamp');
  check(1000, received, 'past_timestamp');
  check(1764147600, received, 'past_timestamp'); // a year back
});

test('normalizeEvent() moves breadcrumbs with a corrected event time, keeps the client _meta, and is idempotent', () => {
  const raw = {
    timestamp: '2026-11-26T10:00:00Z', // an hour ahead
    _meta: { user: { '': { rem: [['x']] } } },
    breadcrumbs: [{ timestamp: '2026-11-26T09:59:30Z', message: 'before' }, { message: 'none' }],
  };
  const out = normalize(raw);
  assert.deepEqual(out.breadcrumbs, {
    values: [{ timestamp: '2026-11-26T08:59:30.000Z', message: 'before' }, { message: 'none' }],
  });
  assert.deepEqual((out._meta as Record<string, unknown>).user, { '': { rem: [['x']] } });
  assert.deepEqual(normalize(out), out);
});

test("normalizeEvent() moves every time by the envelope's sent_at drift of 55 minutes or more, as Relay does", () => {
  const at = (sentAt: unknown, raw: Record<string, unknown>) =>
    normalizeEvent(raw, { receivedAtMs: RECEIVED, sentAt, newEventId: () => 'a'.repeat(32) });
  const raw = {
    timestamp: '2026-11-26T07:00:00Z',
    breadcrumbs: [{ timestamp: '2026-11-26T06:59:00Z', message: 'click' }],
  };
  // the SDK's clock is 2 h behind: sent_at says 07:00:01, received at 09:00:00
  const out = at('2026-11-26T07:00:01Z', raw);
  assert.equal(out.timestamp, '2026-11-26T08:59:59.000Z');
  assert.deepEqual(out.breadcrumbs, {
    values: [{ timestamp: '2026-11-26T08:58:59.000Z', message: 'click' }],
  });
  assert.deepEqual((out._meta as { timestamp: unknown }).timestamp, {
    '': {
      err: [
        ['clock_drift', { sdk_time: '2026-11-26T07:00:01.000Z', server_time: '2026-11-26T09:00:00.000Z' }],
      ],
    },
  });
  // stored normalized, read again without the envelope: unchanged
  assert.deepEqual(normalize(out), out);
  // 54 minutes off, no sent_at, or one that does not parse: no correction
  for (const sentAt of ['2026-11-26T08:06:00Z', undefined, 'yesterday', 42e99]) {
    const kept = at(sentAt, { timestamp: '2026-11-26T08:05:59Z' });
    assert.equal(kept.timestamp, '2026-11-26T08:05:59.000Z', String(sentAt));
    assert.equal(kept._meta, undefined);
  }
  // a clock ahead by a day: corrected back, then within bounds
  assert.equal(
    at('2026-11-27T09:00:00Z', { timestamp: '2026-11-27T08:59:00Z' }).timestamp,
    '2026-11-26T08:59:00.000Z',
  );
  // corrected and still out of bounds (the event time itself was wrong): the received time
  const far = at('2026-11-26T07:00:00Z', { timestamp: '2031-01-01T00:00:00Z' });
  assert.equal(far.timestamp, '2026-11-26T09:00:00.000Z');
  assert.equal(
    (far._meta as { timestamp: { '': { err: [string][] } } }).timestamp[''].err[0][0],
    'future_timestamp',
  );
});

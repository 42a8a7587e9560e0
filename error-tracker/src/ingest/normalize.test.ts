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

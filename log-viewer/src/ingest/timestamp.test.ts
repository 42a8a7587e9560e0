import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isoMillis, parseTimestamp } from './timestamp.js';

const check = (input: unknown, expected: bigint | undefined) =>
  assert.equal(parseTimestamp(input), expected, `parseTimestamp(${JSON.stringify(input)})`);

test('parseTimestamp reads RFC 3339 with zones and up to 9 fractional digits', () => {
  check('2026-11-25T19:44:54Z', 1_795_635_894_000_000_000n);
  check('2026-11-25T19:44:54.077Z', 1_795_635_894_077_000_000n);
  check('2026-11-25T19:44:54.123456789Z', 1_795_635_894_123_456_789n);
  check('2026-11-25T21:44:54.5+02:00', 1_795_635_894_500_000_000n);
  check('2026-11-25T17:44:54-0200', 1_795_635_894_000_000_000n);
  check('2026-11-25 19:44:54', 1_795_635_894_000_000_000n);
});

test('parseTimestamp guesses the unit of epoch numbers by magnitude', () => {
  check(1795635894, 1_795_635_894_000_000_000n);
  check(1795635894.25, 1_795_635_894_250_000_000n);
  check(1795635894077, 1_795_635_894_077_000_000n);
  check(1795635894077123, 1_795_635_894_077_123_000n);
  check('1795635894077123456', 1_795_635_894_077_123_456n);
  check('1795635894077', 1_795_635_894_077_000_000n);
  check('1795635894.5', 1_795_635_894_500_000_000n);
});

test('parseTimestamp gives undefined for now-markers and garbage', () => {
  check(0, undefined);
  check('0', undefined);
  check('', undefined);
  check('yesterday', undefined);
  check('2026-13-45T99:00:00Z', undefined);
  check(-5, undefined);
  check({}, undefined);
});

test('the toISOString fast path agrees with the general parser and rejects near-misses', () => {
  check('2026-11-25T19:44:54.077Z', 1_795_635_894_077_000_000n);
  check('2024-02-29T23:59:59.999Z', 1_709_251_199_999_000_000n);
  check('2026-11-25T19:44:54.07xZ', undefined);
  check('2026-13-25T19:44:54.077Z', undefined);
  check('2026-11-25T24:44:54.077Z', undefined);
});

test('isoMillis reads toISOString() output anywhere in a text, across hours and days', () => {
  const times = [
    '2026-11-26T03:59:59.999Z',
    '2026-11-26T03:00:00.000Z',
    '2026-11-26T04:00:00.001Z',
    '2026-11-26T04:17:42.123Z',
    '2024-02-29T23:59:59.999Z',
    '2026-12-31T23:00:00.000Z',
  ];
  for (const t of times) {
    assert.equal(isoMillis(t), Date.parse(t), t);
    assert.equal(isoMillis(`{"ts":"${t}"}`, 7), Date.parse(t), t);
  }
  for (const bad of [
    '2026-11-26T03:60:00.000Z',
    '2026-11-26T24:00:00.000Z',
    '2026-13-01T00:00:00.000Z',
    '2026-11-26T03:00:00.0a0Z',
    '2026-11-26T03:00:00.000+',
  ])
    assert.equal(isoMillis(bad), undefined, bad);
});

test('parseTimestamp refuses dates that do not exist and years Date.UTC would read as 19xx', () => {
  check('2026-02-31T10:00:00.000Z', undefined); // not March 3rd
  check('2026-02-29T10:00:00Z', undefined);
  check('2026-04-31T10:00:00.5Z', undefined);
  check('0099-01-01T00:00:00.000Z', undefined); // not 1999
  check('0070-06-01T00:00:00Z', undefined);
  check('2024-02-29T10:00:00.000Z', 1_709_200_800_000_000_000n);
  check('2016-12-31T23:59:60Z', 1_483_228_800_000_000_000n); // a leap second, as Date.UTC reads it
  check('1969-12-31T23:00:00-05:00', 14_400_000_000_000n);
});

test('parseTimestamp refuses times outside 0 .. 2^63-1 ns, whatever the spelling', () => {
  check('9223372036854775807', 9_223_372_036_854_775_807n);
  check('2262-04-11T23:47:16.854Z', 9_223_372_036_854_000_000n);
  check('9223372036854775808', undefined);
  check('18446744073709551615', undefined);
  check('99999999999999999999', undefined);
  check(1e300, undefined);
  check(9.3e18, undefined);
  check(99_999_999_999, undefined); // seconds by magnitude: the year 5138
  check('2263-01-01T00:00:00.000Z', undefined);
  check('9999-12-31T23:59:59Z', undefined);
  check('1969-12-31T23:59:59.999Z', undefined);
  check('1969-12-31T23:59:59Z', undefined);
});

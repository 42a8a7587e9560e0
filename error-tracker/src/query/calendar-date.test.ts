import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasRealCalendarFields } from './calendar-date.js';

test('hasRealCalendarFields() refuses days past their month, month 0 or 13, and hour 24', () => {
  const check = (text: string, expected: boolean) =>
    assert.equal(hasRealCalendarFields(text), expected, text);
  check('2027-02-28T00:00:00Z', true);
  check('2028-02-29', true); // leap year
  check('2000-02-29', true);
  check('2027-02-29', false);
  check('1900-02-29', false);
  check('2027-02-30T00:00:00Z', false);
  check('2027-04-31T10:00:00Z', false);
  check('2026-11-31', false);
  check('2026-12-31 23:59:59', true);
  check('2027-13-01', false);
  check('2027-00-10', false);
  check('2027-01-00', false);
  check('2027-01-01T24:00:00Z', false);
  check('2027-01-01T23:60', false);
  check('2027-01-01T23:59:60Z', false);
  check('1764147600', true); // epoch seconds: not a date text
  check('-24h', true);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { autoStepMs, formatDurationMs, parseDurationMs, parseTimeMs, resolveRange } from './time-range.js';

test('parseDurationMs reads Prometheus durations and bare seconds', () => {
  const check = (input: string | undefined, expected: number | undefined) =>
    assert.equal(parseDurationMs(input), expected, String(input));
  check('5m', 300_000);
  check('1h30m', 5_400_000);
  check('7d', 604_800_000);
  check('250ms', 250);
  check('15', 15_000);
  check('0.5', 500);
  check('0', undefined);
  check('1x', undefined);
  check('h', undefined);
  check('5m ', 300_000);
  check('', undefined);
  check(undefined, undefined);
});

test('formatDurationMs prints the largest units first', () => {
  assert.equal(formatDurationMs(5_400_000), '1h30m');
  assert.equal(formatDurationMs(15_000), '15s');
  assert.equal(formatDurationMs(691_200_000), '1w1d');
});

test('parseTimeMs accepts RFC 3339 and epoch seconds', () => {
  assert.equal(parseTimeMs('1764110000'), 1_764_110_000_000);
  assert.equal(parseTimeMs('2026-11-25T12:00:00Z'), Date.UTC(2026, 10, 25, 12));
  assert.equal(parseTimeMs('yesterday'), undefined);
  assert.equal(parseTimeMs(''), undefined);
});

test('resolveRange defaults to the last hour with about 250 points, capped at 11,000 points', () => {
  const now = Date.UTC(2026, 10, 25, 12);
  assert.deepEqual(resolveRange({}, now), {
    startMs: now - 3_600_000,
    endMs: now,
    stepMs: 15_000,
    rangeMs: 3_600_000,
  });
  assert.equal(resolveRange({ range: '7d', step: '1s' }, now).stepMs, Math.ceil(604_800_000 / 11_000));
  assert.equal(resolveRange({ range: '5m', step: '10s', end: '1764110000' }, now).endMs, 1_764_110_000_000);
  assert.equal(autoStepMs(300_000), 2000);
});

test('resolveRange takes an absolute from/end pair over the range', () => {
  const now = Date.UTC(2026, 10, 25, 12);
  const r = resolveRange({ range: '7d', from: '2026-11-25T10:00:00Z', end: '2026-11-25T11:00:00Z' }, now);
  assert.equal(r.startMs, Date.UTC(2026, 10, 25, 10));
  assert.equal(r.rangeMs, 3_600_000);
  assert.equal(resolveRange({ range: '5m', from: '2026-11-25T13:00:00Z' }, now).rangeMs, 300_000);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatBytes, formatDuration, formatNumber, formatRelativeTime, levelClass } from './format.js';

test('formatNumber adds thousands separators and spells special values like Prometheus', () => {
  const check = (input: number | bigint | string, expected: string) =>
    assert.equal(formatNumber(input), expected);
  check(0, '0');
  check(1234567, '1,234,567');
  check(-9876543, '-9,876,543');
  check(1234.5678, '1,234.568');
  check(0.5, '0.5');
  check(0.000012, '1.200e-5');
  check(12345678901234567890n, '12,345,678,901,234,567,890');
  check('2048', '2,048');
  check('NaN', 'NaN');
  check(Number.NaN, 'NaN');
  check(Number.POSITIVE_INFINITY, '+Inf');
  check('-Inf', '-Inf');
});

test('formatRelativeTime says how long ago or until', () => {
  const now = Date.UTC(2026, 10, 25, 12, 0, 0);
  const check = (offsetSeconds: number, expected: string) =>
    assert.equal(formatRelativeTime(now - offsetSeconds * 1000, now), expected);
  check(2, 'just now');
  check(42, '42 s ago');
  check(180, '3 min ago');
  check(7200, '2 h ago');
  check(3 * 86400, '3 d ago');
  check(-600, 'in 10 min');
});

test('levelClass maps level spellings to the six shared colours', () => {
  const check = (input: string | undefined, expected: string) => assert.equal(levelClass(input), expected);
  check('WARNING', 'level-warn');
  check('warn', 'level-warn');
  check('critical', 'level-fatal');
  check('err', 'level-error');
  check('Information', 'level-info');
  check('trace', 'level-trace');
  check('DEBUG', 'level-debug');
  check('<script>', 'level-unknown');
  check(undefined, 'level-unknown');
});

test('formatBytes and formatDuration pick readable units', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatDuration(0.0123), '12.3 ms');
  assert.equal(formatDuration(95), '1 min 35 s');
});

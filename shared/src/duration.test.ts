import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDurationMs, parseDurationMs } from './duration.js';

test('parseDurationMs() reads Prometheus-style durations', () => {
  const cases: Array<[string | undefined, number | undefined]> = [
    ['500ms', 500],
    ['30s', 30_000],
    ['1h30m', 5_400_000],
    ['2w', 1_209_600_000],
    ['1y', 31_536_000_000],
    ['1.5h', 5_400_000],
    ['90', 90_000],
    [' 7d ', 604_800_000],
    ['', undefined],
    [undefined, undefined],
    ['0s', undefined],
    ['5 minutes', undefined],
    ['1h30', undefined],
    ['-5m', undefined],
  ];
  for (const [text, ms] of cases) assert.equal(parseDurationMs(text), ms, String(text));
});

test('formatDurationMs() prints the largest units first', () => {
  assert.equal(formatDurationMs(5_400_000), '1h30m');
  assert.equal(formatDurationMs(1_209_600_000), '2w');
  assert.equal(formatDurationMs(1500), '1s500ms');
  assert.equal(formatDurationMs(0), '0s');
});

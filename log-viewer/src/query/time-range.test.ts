import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ParseError, ValidationError } from '@flowrent/shared/errors';
import { parseTimeParam, parseTimeRange } from './time-range.js';

const NOW = 1_764_110_000_000_000_000n; // 2025-11-25T22:33:20Z
const MIN = 60_000_000_000n;

function check(text: string, expected: bigint): void {
  it(`parses ${JSON.stringify(text)}`, () => assert.equal(parseTimeParam(text, NOW, 'from'), expected));
}

describe('parseTimeParam()', () => {
  check('15m', NOW - 15n * MIN);
  check('24h', NOW - 24n * 60n * MIN);
  check('7d', NOW - 7n * 24n * 60n * MIN);
  check('30s', NOW - 30_000_000_000n);
  check('now', NOW);
  check('now-1h', NOW - 60n * MIN);
  check('2025-11-25T22:33:20Z', NOW);
  check('2025-11-25T22:33:20.123456789Z', NOW + 123_456_789n);
  check('2025-11-25T23:33:20+01:00', NOW);
  check('2025-11-25T21:33:20-0100', NOW);
  check('2025-11-25', 1_764_028_800_000_000_000n);
  check('1764110000000', NOW); // epoch ms
  check('1764110000', NOW); // epoch s by magnitude
  check('1764110000000000000', NOW); // epoch ns by magnitude

  for (const bad of ['yesterday', '15x', '2025-13-01', '-5m', '']) {
    it(`rejects ${JSON.stringify(bad)} as a ParseError naming the parameter`, () => {
      assert.throws(
        () => parseTimeParam(bad, NOW, 'from'),
        (e: unknown) => e instanceof ParseError && /from/.test(e.message),
      );
    });
  }
});

describe('parseTimeRange()', () => {
  it('defaults to the last 24 hours up to now inclusive', () => {
    assert.deepEqual(parseTimeRange({}, NOW), { fromNs: NOW - 24n * 60n * MIN, toNs: NOW + 1n });
  });
  it('rejects from after to', () => {
    assert.throws(() => parseTimeRange({ from: '1h', to: '2h' }, NOW), ValidationError);
  });
});

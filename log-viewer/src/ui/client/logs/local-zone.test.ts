import assert from 'node:assert/strict';
import { it } from 'node:test';
import { withLocalZone } from './local-zone.js';

const tokyo = () => 540;
const newYork = () => -300;
const kolkata = () => 330;

function check(text: string, offset: () => number, expected: string): void {
  it(`withLocalZone(${JSON.stringify(text)}) is ${JSON.stringify(expected)}`, () =>
    assert.equal(withLocalZone(text, offset), expected));
}

check('2026-11-27 08:10', tokyo, '2026-11-27T08:10+09:00');
check('2026-11-27T08:10:05.123', newYork, '2026-11-27T08:10:05.123-05:00');
check(' 2026-11-27 ', kolkata, '2026-11-27T00:00+05:30');
check('2026-11-27 08:10Z', tokyo, '2026-11-27 08:10Z');
check('2026-11-27T08:10+01:00', tokyo, '2026-11-27T08:10+01:00');
check('15m', tokyo, '15m');
check('now-1h', tokyo, 'now-1h');
check('1795645490000', tokyo, '1795645490000');
check('', tokyo, '');

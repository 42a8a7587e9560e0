import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parameterize } from './parameterize.js';

function check(input: string, expected: string) {
  assert.equal(parameterize(input), expected, input);
}

test('parameterize() replaces variable parts with placeholders', () => {
  check('user 42 not found', 'user <int> not found');
  check('Disk usage above 90% on /var', 'Disk usage above <int>% on <path>');
  check('cannot open /srv/shop/data/x.json', 'cannot open <path>');
  check('cannot open C:\\temp\\x.txt now', 'cannot open <path> now');
  check('GET https://api.example.com/v1/orders?id=7 failed', 'GET <url> failed');
  check('mail to jane.doe@example.com bounced', 'mail to <email> bounced');
  check('order 3fa85f64-5717-4562-b3fc-2c963f66afa6 missing', 'order <uuid> missing');
  check('segfault at 0x7ffd1234', 'segfault at <hex>');
  check('commit deadbeef12 broke it', 'commit <hex> broke it');
  check('session ord_8f3kd9x expired', 'session <id> expired');
  check('from 10.0.0.12 refused', 'from <ip> refused');
  check("invalid literal for int() with base 10: 'abc'", "invalid literal for int() with base <int>: 'abc'");
  check('\n\n  first line\nsecond 2', 'first line');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exceptionsOf } from './event-shape.js';
import { resolveFingerprintPart } from './fingerprint-variables.js';
import { groupEvent } from './grouping.js';

const event = {
  transaction: '/checkout',
  level: 'error',
  logger: 'billing',
  tags: { tenant: 'acme' },
  logentry: { formatted: 'order 42 failed' },
  exception: {
    values: [
      { type: 'KeyError', value: 'cause' },
      {
        type: 'ValueError',
        value: 'bad total',
        stacktrace: {
          frames: [
            {
              module: 'app.main',
              function: 'main',
              abs_path: '/srv/app/main.py',
              filename: 'main.py',
              in_app: true,
            },
            {
              module: 'app.cart',
              function: 'total',
              abs_path: '/srv/app/cart.py',
              filename: 'cart.py',
              package: '/srv/lib/shop',
              in_app: true,
            },
            { module: 'decimal', function: 'quantize', filename: 'decimal.py', in_app: false },
          ],
        },
      },
    ],
  },
};
const source = (ev: Record<string, unknown>, message = '') => ({
  event: ev,
  exceptions: exceptionsOf(ev),
  message,
  param: (t: string) => t.replace(/\d+/g, '<int>'),
});
const check = (
  part: string,
  expected: string,
  ev: Record<string, unknown> = event,
  message = 'order 42 failed',
) => assert.equal(resolveFingerprintPart(part, source(ev, message)), expected, part);

test('resolveFingerprintPart() gives the event values of Sentry fingerprint variables', () => {
  check('{{ transaction }}', '/checkout');
  check('{{transaction}}', '/checkout');
  check('{{ message }}', 'order <int> failed');
  check('{{ raw_message }}', 'order 42 failed');
  check('{{ type }}', 'ValueError');
  check('{{ error.type }}', 'ValueError');
  check('{{ value }}', 'bad total');
  check('{{ error.value }}', 'bad total');
  check('{{ function }}', 'total', event);
  check('{{ stack.function }}', 'total');
  check('{{ module }}', 'app.cart');
  check('{{ stack.abs_path }}', '/srv/app/cart.py');
  check('{{ stack.filename }}', 'cart.py');
  check('{{ package }}', 'shop');
  check('{{ level }}', 'error');
  check('{{ logger }}', 'billing');
  check('{{ tags.tenant }}', 'acme');
  check('checkout', 'checkout');
  check('{{ nope }}', '{{ nope }}');
  check('{{ a b }}', '{{ a b }}');
});

test('resolveFingerprintPart() gives the placeholders of an event without the values', () => {
  const bare = { message: 'x' };
  check('{{ transaction }}', '<no-transaction>', bare, '');
  check('{{ message }}', '<no-message>', bare, '');
  check('{{ type }}', '<no-type>', bare);
  check('{{ value }}', '<no-value>', bare);
  check('{{ function }}', '<no-function>', bare);
  check('{{ module }}', '<no-module>', bare);
  check('{{ stack.abs_path }}', '<no-abs-path>', bare);
  check('{{ package }}', '<no-package>', bare);
  check('{{ logger }}', '<no-logger>', bare);
  check('{{ tags.tenant }}', '<no-value-for-tag-tenant>', bare);
});

test('groupEvent() v3 splits by a fingerprint variable and carries the version 2 key, which hashed it as written (black-box 10 #3)', () => {
  const ev = (transaction: string) =>
    groupEvent({ transaction, message: 'slow', fingerprint: ['{{ transaction }}'] });
  assert.notEqual(ev('/a').hash, ev('/b').hash);
  assert.deepEqual(ev('/a').components, ['fingerprint', 'fp:/a']);
  assert.equal(ev('/a').legacyHashes.length, 1);
  assert.equal(ev('/a').legacyHashes[0], ev('/b').legacyHashes[0], 'version 2: one key for both');
  const literal = groupEvent({ message: 'slow', fingerprint: ['my-rpc'] });
  assert.deepEqual(literal.legacyHashes, [], 'literal parts: the versions agree');
});

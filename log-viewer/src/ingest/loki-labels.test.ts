import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ParseError } from '@flowrent/shared/errors';
import { parseLokiLabels } from './loki-labels.js';

const check = (input: string, expected: Record<string, string>) =>
  assert.deepEqual(parseLokiLabels(input), expected, input);

test('parseLokiLabels reads Prometheus label sets, escaped or not', () => {
  check('{level="info",app="checkout",env="prod"}', { level: 'info', app: 'checkout', env: 'prod' });
  check('{ a = "1" , b="2" }', { a: '1', b: '2' });
  check('{}', {});
  check('', {});
  check('{msg="say \\"hi\\"\\n"}', { msg: 'say "hi"\n' });
  // winston-loki does not escape: a quote inside a value ends it only before `, name="` or `}`.
  check('{note="gift "wrap", please",app="x"}', { note: 'gift "wrap", please', app: 'x' });
  check('{path="C:\\qux"}', { path: 'C:\\qux' }); // not a Go escape: kept as sent
});

test('parseLokiLabels rejects text that is not a label set', () => {
  for (const bad of ['level="info"', '{level=info}', '{level="info}', '{="x"}'])
    assert.throws(() => parseLokiLabels(bad), ParseError, bad);
});

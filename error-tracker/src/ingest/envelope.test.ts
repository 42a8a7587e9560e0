import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEnvelope } from './envelope.js';
import { IngestParseError } from './errors.js';

function check(input: string | Buffer, expected: { headers: object; items: [string, string][] }) {
  const env = parseEnvelope(Buffer.isBuffer(input) ? input : Buffer.from(input, 'utf8'));
  assert.deepEqual(env.headers, expected.headers);
  assert.deepEqual(
    env.items.map((i) => [i.type, i.payload.toString('utf8')]),
    expected.items,
  );
}

function fails(input: string, pattern: RegExp) {
  assert.throws(
    () => parseEnvelope(Buffer.from(input, 'utf8')),
    (err: unknown) => {
      assert.ok(err instanceof IngestParseError);
      assert.match(err.message, pattern);
      return true;
    },
  );
}

test('parseEnvelope() reads items with and without length', () => {
  check('{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc"}\n{"type":"event"}\n{"message":"hi"}\n', {
    headers: { event_id: '9ec79c33ec9942ab8353589fcb2e04dc' },
    items: [['event', '{"message":"hi"}']],
  });
  check('{}\n{"type":"session","length":2}\n{}', { headers: {}, items: [['session', '{}']] });
  check('{}\n{"type":"a","length":3}\n\n\n\n\n{"type":"b"}\nxyz', {
    headers: {},
    items: [
      ['a', '\n\n\n'],
      ['b', 'xyz'],
    ],
  });
  check('{}', { headers: {}, items: [] });
  check('{}\n', { headers: {}, items: [] });
});

test('parseEnvelope() keeps the spec example attachment bytes including \\r\\n', () => {
  const body = Buffer.concat([
    Buffer.from('{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","dsn":"https://e12d@sentry.io/42"}\n'),
    Buffer.from('{"type":"attachment","length":10,"content_type":"text/plain","filename":"hello.txt"}\n'),
    Buffer.from([0xef, 0xbb, 0xbf]),
    Buffer.from('Hello\r\n\n'),
    Buffer.from(
      '{"type":"event","length":41,"content_type":"application/json","filename":"application.log"}\n',
    ),
    Buffer.from('{"message":"hello world","level":"error"}\n'),
  ]);
  const env = parseEnvelope(body);
  assert.equal(env.items.length, 2);
  assert.equal(env.items[0].payload.length, 10);
  assert.equal(env.items[1].payload.toString(), '{"message":"hello world","level":"error"}');
});

test('parseEnvelope() rejects malformed envelopes with a position', () => {
  fails('', /empty envelope header/);
  fails('not json\n', /envelope header is not valid JSON/);
  fails('[1]\n', /must be a JSON object/);
  fails('{}\n{"length":2}\n{}', /without a "type"/);
  fails('{}\n{"type":"event","length":50}\n{}', /ends early/);
  fails('{}\n{"type":"event","length":1}\n{}', /not followed by a newline/);
  fails('{}\n{"type":"event","length":-1}\n{}', /non-negative integer/);
  fails('{}\n{"type":\n', /item header is not valid JSON/);
});

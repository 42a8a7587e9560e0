import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JsonValue } from '../model.js';
import { MAX_RENDERED_CHARS, renderTemplate } from './message-template.js';

const PROPS: Record<string, JsonValue> = {
  User: 'alice',
  UserId: 42,
  Ip: { Address: '10.0.0.1', Port: 443 },
  Elapsed: 12.3456,
  Ok: true,
  Nothing: null,
  Items: [1, 'two', { a: 3 }],
  Sensor: { $type: 'SensorInput', Latitude: 25, Longitude: 134 },
  Stringified: 'System.Object',
  '0': 'first',
  '1': 2,
};

function check(template: string, expected: string, renderings?: JsonValue, props = PROPS) {
  assert.equal(renderTemplate(template, props, renderings), expected, template);
}

test('renderTemplate() renders Serilog message templates as Seq shows CLEF @mt', () => {
  // Properties by name; strings at the top level unquoted (Seq: "HTTP {RequestMethod}" -> "HTTP GET").
  check('Hello, {User}', 'Hello, alice');
  check('User {UserId} logged in from {@Ip}', 'User 42 logged in from { Address: "10.0.0.1", Port: 443 }');
  check(
    'Processed {@Sensor} in {TimeMS:000} ms.',
    'Processed SensorInput { Latitude: 25, Longitude: 134 } in {TimeMS:000} ms.',
  );
  check('{$Stringified}', 'System.Object');
  check('{Ok} {Nothing} {Items}', 'true null [1, "two", { a: 3 }]');
  check('{User:l} and {User:j}', 'alice and "alice"');
  check('{@Ip:j}', '{"Address":"10.0.0.1","Port":443}');
  // Positional tokens are properties named "0", "1".
  check('{0} then {1}', 'first then 2');
  // Format specifiers: @r holds each formatted token's rendering, in template order.
  check('Took {Elapsed:0.00} ms', 'Took 12.35 ms', ['12.35']);
  check('{UserId:D5} {User} {Elapsed:0.0}', '00042 alice 12.3', ['00042', '12.3']);
  check('Took {Elapsed:0.00} ms', 'Took 12.3456 ms'); // no @r: unformatted
  check('Took {Elapsed:0.00} ms', 'Took 12.3456 ms', 'not an array');
  // Alignment: ",n" pads on the left, ",-n" on the right.
  check('[{User,8}]', '[   alice]');
  check('[{User,-8}]', '[alice   ]');
  check('[{User,2}]', '[alice]');
  // Escapes and missing properties.
  check('{{User}} is {User}', '{User} is alice');
  check('a }} b }', 'a } b }');
  check('Missing {Nope} and {@Nope:x}', 'Missing {Nope} and {@Nope:x}');
  check('', '');
  check('no tokens', 'no tokens');
});

test('renderTemplate() keeps what Serilog parses as text as written', () => {
  check('{}', '{}');
  check('{ User }', '{ User }');
  check('{User name}', '{User name}');
  check('{@}', '{@}');
  check('{User,}', '{User,}');
  check('{User,:x}', '{User,:x}');
  check('{User,0}', '{User,0}');
  check('{User,1-2}', '{User,1-2}');
  check('{User', '{User');
  check('tail {', 'tail {');
  check('{a{User}', '{a{User}');
  check('{Us\ner}', '{Us\ner}');
  check('{User}{User}', 'alicealice');
});

test('renderTemplate() bounds the message a small template over a large property can make', () => {
  const big = 'x'.repeat(100_000);
  const out = renderTemplate('{B}'.repeat(1000), { B: big });
  assert.equal(out.length, MAX_RENDERED_CHARS);
  assert.equal(renderTemplate('{B,-999999999}', { B: 'x' }).length, MAX_RENDERED_CHARS);
});

test('renderTemplate() gives the same text from a cached template, and reads astral names as .NET does', () => {
  for (let i = 0; i < 3; i++)
    check('User {UserId} from {@Ip}', 'User 42 from { Address: "10.0.0.1", Port: 443 }');
  check('{Ünïcödé} {日本}', 'ü 語', undefined, { Ünïcödé: 'ü', 日本: '語' });
  check('{𝐀}', '{𝐀}', undefined, { 𝐀: 'x' }); // a surrogate pair is not a letter to char.IsLetter
  check(`${'long '.repeat(300)}{User}`, `${'long '.repeat(300)}alice`);
});

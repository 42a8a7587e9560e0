import assert from 'node:assert/strict';
import { test } from 'node:test';
import { actorNameOf, actorOf, readActorName } from './actor.js';

test('readActorName() keeps a name fit for the history: no control characters, one space, 100 characters', () => {
  const check = (raw: string | undefined, expected: string) =>
    assert.equal(readActorName(raw), expected, raw);
  check('Jane Doe', 'Jane Doe');
  check('  Jörg   Müller ', 'Jörg Müller');
  check('eve\r\nresolved by admin', 'eve resolved by admin');
  check('a\u202eb', 'a b');
  check('x'.repeat(150), 'x'.repeat(100));
  check('😀'.repeat(101), '😀'.repeat(100));
  check('   ', '');
  check(undefined, '');
});

test('actorOf() is the browser name from its cookie, else "ui"', () => {
  const check = (cookie: string | undefined, expected: string) => assert.equal(actorOf(cookie), expected);
  check('errors_actor=Jane%20Doe; flowrent_session=abc', 'Jane Doe');
  check('flowrent_session=abc', 'ui');
  check('errors_actor=', 'ui');
  check('errors_actor=%0D%0A', 'ui');
  check(undefined, 'ui');
  assert.equal(actorNameOf('errors_actor=J%C3%B6rg'), 'Jörg');
  assert.equal(actorNameOf(undefined), null);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonErrorOffset, parseJson } from './body.js';

test('jsonErrorOffset() finds where JSON stops being valid', () => {
  const check = (text: string, offset: number) => assert.equal(jsonErrorOffset(text), offset, text);
  check('{"a":1}', 7);
  check('[1,,2]', 3);
  check('{"a":1', 6);
  check('{"a" 1}', 5);
  check('', 0);
  check('{"a":tru}', 8);
  check('[1] x', 4);
  check('"bad \\q escape"', 6);
  check('{"a":-}', 5);
  check('[01]', 2);
});

test('parseJson() reports line and column of the failure', () => {
  assert.deepEqual(parseJson('{"ok":[1,2]}'), { ok: [1, 2] });
  assert.throws(
    () => parseJson('{"a":\n [1,,2]}'),
    (err: unknown) => {
      const e = err as { status: number; details: { position: unknown } };
      assert.equal(e.status, 400);
      assert.deepEqual(e.details.position, { offset: 10, line: 2, column: 5 });
      return true;
    },
  );
});

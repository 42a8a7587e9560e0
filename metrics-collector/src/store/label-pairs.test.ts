import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LabelPairIds } from './label-pairs.js';

test('LabelPairIds numbers each pair once and decodes what it encoded', () => {
  const p = new LabelPairIds();
  p.load(7, 'job', 'a');
  const inserted: unknown[] = [];
  const ids = p.encodeIds(
    [
      ['__name__', 'up'],
      ['job', 'a'],
    ],
    (...row) => inserted.push(row),
  );
  assert.deepEqual(ids, [8, 7]);
  assert.deepEqual(inserted, [[8, '__name__', 'up']]);
  assert.deepEqual(p.decode('7,8'), [
    ['job', 'a'],
    ['__name__', 'up'],
  ]);
  assert.deepEqual(p.decodeIds([8]), [['__name__', 'up']]);
  assert.throws(() => p.decode('9'), /unknown label pair 9/);
});

test('LabelPairIds inserts pairs again after the transaction that held them rolled back', () => {
  const p = new LabelPairIds();
  const inserted: number[] = [];
  p.encodeIds([['a', '1']], (id) => inserted.push(id));
  p.rollback();
  p.encodeIds([['a', '1']], (id) => inserted.push(id));
  p.commit();
  p.encodeIds([['a', '1']], (id) => inserted.push(id));
  assert.equal(inserted.length, 2);
});

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
  assert.deepEqual(p.decodeIds([7, 8]), [
    ['job', 'a'],
    ['__name__', 'up'],
  ]);
  assert.deepEqual(p.decodeIds([8]), [['__name__', 'up']]);
  assert.throws(() => p.decodeIds([9]), /unknown label pair 9/);
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

test('LabelPairIds forgets a pair, then reads it back from the table by id and by name and value', () => {
  const table = new Map<number, [string, string]>([
    [1, ['pod', 'a']],
    [2, ['job', 'x']],
  ]);
  const queries: string[] = [];
  const p = new LabelPairIds({
    idOf: (name, value) => {
      queries.push(`idOf ${name}=${value}`);
      for (const [id, pair] of table) if (pair[0] === name && pair[1] === value) return id;
      return undefined;
    },
    pairOf: (id) => {
      queries.push(`pairOf ${id}`);
      return table.get(id);
    },
  });
  p.load(1, 'pod', 'a');
  p.load(2, 'job', 'x');
  p.forget('pod', 'a');
  assert.equal(p.size, 1);
  // An evicted series' row still decodes (from the table), without the pair coming back.
  assert.deepEqual(p.decodeIds([1, 2]), [
    ['pod', 'a'],
    ['job', 'x'],
  ]);
  assert.equal(p.size, 1);
  // A series with the forgotten pair gets its stored id (no second row); a new pair costs no query.
  const inserted: unknown[] = [];
  const ids = p.encodeIds(
    [
      ['pod', 'a'],
      ['pod', 'b'],
    ],
    (...row) => inserted.push(row),
  );
  assert.deepEqual(ids, [1, 3]);
  assert.deepEqual(inserted, [[3, 'pod', 'b']]);
  assert.deepEqual(queries, ['pairOf 1', 'idOf pod=a']);
  // A pair handed out in a transaction not yet committed is not forgotten.
  p.forget('pod', 'b');
  assert.equal(p.size, 3);
  p.commit();
  p.forgetUnless((name) => name === 'job');
  assert.equal(p.size, 1);
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareLabels, labelsKey, matchSignature, sortByLabels } from './labels.js';

describe('labels', () => {
  it('sortByLabels() orders like compareLabels()', () => {
    const sets = [
      { a: 'x' },
      { ab: 'x' },
      { a: 'xy' },
      { a: 'x', b: 'y' },
      { __name__: 'up', job: 'b' },
      { __name__: 'up', job: 'a', z: '1' },
      { __name__: 'up' },
      {},
    ];
    const expected = [...sets].sort(compareLabels);
    assert.deepEqual(
      sortByLabels([...sets].reverse(), (s) => s),
      expected,
    );
  });

  it('labelsKey() ignores order and empty values', () => {
    assert.equal(labelsKey({ b: '2', a: '1', c: '' }), labelsKey({ a: '1', b: '2' }));
  });

  it('matchSignature() uses the on() labels, or all but ignoring() labels and the name', () => {
    const l = { __name__: 'x', job: 'a', instance: 'i' };
    assert.equal(matchSignature(l, true, ['job']), matchSignature({ job: 'a' }, true, ['job']));
    assert.equal(matchSignature(l, false, ['instance']), matchSignature({ job: 'a' }, false, []));
  });
});

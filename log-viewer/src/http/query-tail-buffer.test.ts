import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TailBuffer } from './query-tail-buffer.js';

function sink(accepting: boolean[]) {
  const written: string[] = [];
  return {
    written,
    write(chunk: string) {
      written.push(chunk);
      return accepting.shift() ?? true;
    },
  };
}

describe('TailBuffer', () => {
  it('writes straight through while the socket accepts', () => {
    const s = sink([true, true]);
    const b = new TailBuffer(s, 3);
    b.push(['a', 'b']);
    b.push(['c']);
    assert.deepEqual(s.written, ['ab', 'c']);
    assert.equal(b.dropped, 0);
  });

  it('queues while backed up, drops beyond the bound and reports the count on drain', () => {
    const s = sink([false]);
    const b = new TailBuffer(s, 3);
    b.push(['a']); // written, socket now backed up
    assert.equal(b.push(['b', 'c']), 0);
    assert.equal(b.push(['d', 'e', 'f']), 2);
    assert.equal(b.queued, 3);
    assert.equal(b.dropped, 2);
    b.drain();
    assert.deepEqual(s.written, ['a', 'bcd' + 'event: dropped\ndata: {"dropped":2}\n\n']);
    b.push(['g']);
    assert.equal(s.written.at(-1), 'g');
  });

  it('drain without pending work writes nothing', () => {
    const s = sink([]);
    const b = new TailBuffer(s);
    b.drain();
    assert.deepEqual(s.written, []);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TailBuffer, TailRateLimit } from './query-tail-buffer.js';

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

describe('TailRateLimit', () => {
  it('grants up to the budget per second, then refills', () => {
    let now = 10_000;
    const limit = new TailRateLimit(() => now, 5);
    assert.equal(limit.take(3), 3);
    assert.equal(limit.take(3), 2);
    assert.equal(limit.take(1), 0);
    now += 999;
    assert.equal(limit.take(1), 0);
    now += 1;
    assert.equal(limit.take(10), 5);
  });
});

describe('TailBuffer.room() and drop()', () => {
  it('reports room only while backed up and reports drops at once when writable', () => {
    const s = sink([false]);
    const b = new TailBuffer(s, 2);
    assert.equal(b.room(), Number.POSITIVE_INFINITY);
    b.push(['a']);
    assert.equal(b.room(), 2);
    b.drop(3);
    assert.equal(b.dropped, 3);
    b.drain();
    b.drop(1);
    assert.deepEqual(s.written.slice(1), [
      'event: dropped\ndata: {"dropped":3}\n\n',
      'event: dropped\ndata: {"dropped":4}\n\n',
    ]);
  });
});

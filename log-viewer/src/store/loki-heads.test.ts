import assert from 'node:assert/strict';
import { test } from 'node:test';
import { heldMark, type LokiStreamEntries } from '../ingest/loki.js';
import { HEAD_BLOCK_CHARS, LokiHeads } from './loki-heads.js';

/** A push of one stream: [ns, hash] pairs, each line `chars` long. */
function push(entries: [number, number][], chars = 10): LokiStreamEntries {
  const ns = entries.map(([t]) => t);
  return {
    times: BigInt64Array.from(ns.map(BigInt)),
    hashes: Float64Array.from(entries.map(([, h]) => h)),
    minNs: BigInt(Math.min(...ns)),
    maxNs: BigInt(Math.max(...ns)),
    chars: chars * entries.length,
  };
}

test("LokiHeads names the entries of a push that its stream's window holds: same time and hash", () => {
  const heads = new LokiHeads();
  heads.remember({
    s: push([
      [1, 100],
      [2, 200],
      [3, 300],
    ]),
    other: push([[5, 500]]),
  });
  assert.equal(heads.held({ s: push([[4, 400]]) }), undefined); // after the window: not even compared
  assert.equal(heads.held({ t: push([[1, 100]]) }), undefined); // another stream
  assert.deepEqual(
    heads.held({
      s: push([
        [2, 200],
        [2, 201],
        [3, 200],
        [3, 300],
      ]),
    }),
    {
      s: [heldMark(2n, 200), heldMark(3n, 300)],
    },
  );
});

test("LokiHeads keeps a stream's newest pushes up to 256 KB of lines, and the last push whole", () => {
  const heads = new LokiHeads();
  heads.remember({ s: push([[1, 1]], 100_000) });
  heads.remember({ s: push([[2, 2]], 100_000) });
  assert.deepEqual(heads.held({ s: push([[1, 1]]) }), { s: [heldMark(1n, 1)] });
  heads.remember({ s: push([[3, 3]], HEAD_BLOCK_CHARS) });
  assert.equal(
    heads.held({
      s: push([
        [1, 1],
        [2, 2],
      ]),
    }),
    undefined,
  );
  assert.deepEqual(heads.held({ s: push([[3, 3]]) }), { s: [heldMark(3n, 3)] });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tokenize } from '../model.js';
import { encodeBlock } from './block-codec.js';
import { BlockReader } from './block-reader.js';
import { SectionBuffers } from './block-reader-buffers.js';
import { bloomMayContain, tokenHash } from './bloom.js';
import { testRow as row } from './testing/rows.js';

const rows = [
  row(3, { message: 'Payment FAILED for ünïcödé user', attrs: '{"user":{"id":"u-42"},"note":"a\\nbeta"}' }),
  row(1, { host: 'db-7', labels: '{"env":"Staging"}', traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8) }),
  row(2, { message: 'other', level: 4, levelText: 'error', severity: 17 }),
];

test('a block round-trips its rows sorted by time, with every column', () => {
  const block = encodeBlock(rows);
  assert.deepEqual(
    [block.rows, block.minSeq, block.maxSeq, block.levelCounts],
    [3, 1, 3, [0, 0, 2, 0, 1, 0]],
  );
  const decoded = new BlockReader(block.data, 'checkout');
  assert.deepEqual(decoded.allRows(), [rows[1], rows[2], rows[0]]);
});

test('mayContain finds tokens in messages, attributes, ids, host, labels and service', () => {
  const decoded = new BlockReader(encodeBlock(rows).data, 'checkout');
  const check = (text: string, expected: number[]) =>
    assert.deepEqual([...decoded.mayContain(tokenize(text))!], expected, text);
  check('failed', [0, 0, 1]);
  check('42', [0, 0, 1]);
  check('beta', [0, 0, 1]);
  check('ünïcödé', [0, 0, 1]);
  check('ab'.repeat(16), [1, 0, 0]);
  check('db', [1, 0, 0]);
  check('staging', [1, 0, 0]);
  check('checkout', [1, 1, 1]);
  check('payment other', [0, 0, 0]);
  check('nothere', [0, 0, 0]);
});

test('the bloom filter holds every token of the block (JSON escapes skipped)', () => {
  const { bloom } = encodeBlock(rows);
  for (const t of [
    'payment',
    'failed',
    'u',
    '42',
    'beta',
    'note',
    'db',
    'staging',
    'ab'.repeat(16),
    'checkout',
    'ünïcödé',
  ])
    assert.ok(bloomMayContain(bloom, tokenHash(t)), t);
  const absent = ['zebra', 'quux', 'nbeta', 'x1', 'y2', 'z3'].filter((t) =>
    bloomMayContain(bloom, tokenHash(t)),
  );
  assert.ok(absent.length <= 1, `false positives: ${absent}`);
});

test('format 6 reads back blocks of one row group, a last group of one row, and groups whose ids and attributes are empty', () => {
  // Only the last row has attributes, ids and the planted words, so every other group's id and
  // attribute sections are empty; the sizes straddle MIN_GROUP_ROWS (1 024) and 4 groups of 1 024.
  for (const n of [1, 1024, 1025, 4097]) {
    const rows = Array.from({ length: n }, (_, i) =>
      i === n - 1
        ? row(i + 1, {
            message: 'kestrel',
            attrs: '{"k":"wombat"}',
            traceId: 'ab'.repeat(16),
            spanId: 'cd'.repeat(8),
          })
        : row(i + 1, { message: i % 7 === 0 ? '' : `line ${i}` }),
    );
    // Shuffled (7919 is prime: a permutation for these n), so the encoder sorts across the groups.
    const block = encodeBlock(rows.map((_, i) => rows[(i * 7919) % n]));
    assert.deepEqual(new BlockReader(block.data, '').allRows(), rows, `${n} rows`);
    const reader = () => new BlockReader(block.data, '', new SectionBuffers(), block.bloom);
    assert.deepEqual([reader().row(0), reader().row(n - 1)], [rows[0], rows[n - 1]], `${n} rows`);
    for (const token of ['kestrel', 'wombat', 'ab'.repeat(16)])
      assert.equal(reader().mayContain([token])?.[n - 1], 1, `${token} in ${n} rows`);
    assert.ok(!reader().mayContain(['zzabsent'])?.includes(1), `zzabsent in ${n} rows`);
  }
});

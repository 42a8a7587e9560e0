import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeBlock } from './block-codec.js';
import { BlockReader } from './block-reader.js';
import { SectionBuffers } from './block-reader-buffers.js';
import type { Row } from './row.js';
import { testRow as row } from './testing/rows.js';

/** Rows with enough text for several search chunks, a few shapes, ids on some rows. */
function manyRows(n: number, unicode: boolean): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < n; i++) {
    const attrs =
      unicode && i % 13 === 0
        ? JSON.stringify({ note: `Größe ${i}`, user: `u-${i}` })
        : i % 7 === 0
          ? ''
          : i % 5 === 0
            ? JSON.stringify({ user: `u-${i}`, nested: { deep: `Value${i}` }, tags: ['x', i] })
            : i % 11 === 0
              ? `{"spaced": ${i}}`
              : JSON.stringify({
                  user: `u-${i}`,
                  method: i % 2 ? 'GET' : 'POST',
                  status: 200 + (i % 3),
                  ms: i,
                });
    rows.push(
      row(i + 1, {
        message: `${unicode && i % 9 === 0 ? 'Größe ✓ ' : ''}Request ${i} completed for Order ORD-${i * 13} in ${i % 1000} ms`,
        attrs,
        traceId: i % 3 === 0 ? (i * 7919).toString(16).padStart(32, 'a') : '',
        spanId: i % 4 === 0 ? (i * 31).toString(16).padStart(16, 'b') : '',
        host: i % 2 ? 'web-1' : 'Web-2',
        service: i % 3 ? 'checkout' : 'payments',
      }),
    );
  }
  return rows;
}

/** The reference semantics: every token a substring of the row's lowercased text somewhere. */
function reference(rows: Row[], tokens: string[]): number[] {
  return rows.map((r) =>
    tokens.every((t) =>
      [r.message, r.attrs, r.traceId + r.spanId, r.host, r.labels, r.service].some((f) =>
        f.toLowerCase().includes(t),
      ),
    )
      ? 1
      : 0,
  );
}

for (const unicode of [false, true]) {
  test(`BlockReader rebuilds every row and finds exactly the rows holding tokens (${unicode ? 'non-ASCII' : 'ASCII'} text)`, () => {
    const rows = manyRows(4000, unicode);
    const data = encodeBlock(rows).data;
    const reader = new BlockReader(data, '');
    assert.deepEqual(reader.allRows(), rows);
    // A single row read first (a needle's hit) takes other paths than rows read in order.
    for (const i of [0, 1, 1999, 2000, 2001, 3000, 3998, 3999])
      assert.deepEqual(new BlockReader(data, '').row(i), rows[i], `row ${i} alone`);
    const cases = [
      ['completed'],
      ['ord', '1300'],
      ['u', '4005'],
      ['value35'],
      ['deep'],
      ['spaced'],
      ['post', 'ms'],
      ['web'],
      ['payments', '3999'],
      ['aaaaaaaaaaa'],
      ['größe'],
      ['zanzibar'],
      ['request', '1234', 'completed'],
    ];
    for (const tokens of cases) {
      const fresh = new BlockReader(encodeBlock(rows).data, '');
      const got = fresh.mayContain(tokens);
      assert.ok(got, tokens.join(' '));
      const want = reference(rows, tokens);
      for (let i = 0; i < rows.length; i++)
        assert.equal(got[i], want[i], `${tokens.join(' ')} row ${i}: ${JSON.stringify(rows[i])}`);
    }
  });
}

test('BlockReader finds a token in any case, and in keys of transposed attributes', () => {
  const rows = [
    row(1, { message: 'Mailbox UNAVAILABLE for user' }),
    row(2, { attrs: '{"RetryAfter":5}' }),
    row(3, { attrs: '{"a":"x","a":"y"}' }),
  ];
  const reader = new BlockReader(encodeBlock(rows).data, '');
  assert.deepEqual([...reader.mayContain(['mailbox', 'unavailable'])!], [1, 0, 0]);
  assert.deepEqual([...reader.mayContain(['retryafter'])!], [0, 1, 0]);
  assert.deepEqual([...reader.mayContain(['y'])!], [0, 1, 1]);
  assert.deepEqual(reader.row(2).attrs, '{"a":"x","a":"y"}');
});

test('BlockReader leaves rows to the caller when lowercasing changes the text length', () => {
  const rows = [row(1, { message: 'İstanbul office' }), row(2, { message: 'other' })];
  const got = new BlockReader(encodeBlock(rows).data, '').mayContain(['office']);
  assert.ok(got === undefined || got[0] === 1);
});

test('BlockReaders sharing section buffers read one block after another, and a superseded one throws', () => {
  const buffers = new SectionBuffers();
  const a = manyRows(3000, false);
  const b = manyRows(500, true).map((r) => ({ ...r, message: `${r.message} zanzibar` }));
  const blockA = encodeBlock(a).data;
  const blockB = encodeBlock(b).data;
  for (let round = 0; round < 2; round++) {
    const ra = new BlockReader(blockA, '', buffers);
    assert.deepEqual([...ra.mayContain(['ord', '1300'])!], reference(a, ['ord', '1300']));
    assert.deepEqual(ra.row(2999), a[2999]);
    const rb = new BlockReader(blockB, '', buffers);
    assert.throws(() => ra.row(0), /reused/);
    assert.throws(() => ra.mayContain(['x']), /reused/);
    assert.deepEqual([...rb.mayContain(['zanzibar'])!], reference(b, ['zanzibar']));
    assert.deepEqual(rb.allRows(), b);
  }
  assert.ok(buffers.bytes > 0);
});

test('BlockReader finds hex tokens that only ids hold, and skips the ids for other tokens without losing rows', () => {
  const rows = [
    row(1, { message: 'deadbeef in the message', traceId: 'ab'.repeat(16) }),
    row(2, { message: 'plain', traceId: `${'0'.repeat(24)}deadbeef`, spanId: 'cafe'.repeat(4) }),
    row(3, { message: 'cafe open', spanId: '1'.repeat(16) }),
    row(4, { message: 'nothing', attrs: '{"id":"cafebabe"}' }),
  ];
  const reader = new BlockReader(encodeBlock(rows).data, '');
  assert.deepEqual([...reader.mayContain(['deadbeef'])!], [1, 1, 0, 0]);
  assert.deepEqual([...reader.mayContain(['cafe'])!], [0, 1, 1, 1]);
  // Not hex: never in an id, still found in messages and attributes.
  assert.deepEqual([...reader.mayContain(['open'])!], [0, 0, 1, 0]);
  assert.deepEqual([...reader.mayContain(['id'])!], [0, 0, 0, 1]);
  assert.deepEqual([...reader.mayContain(['abab'])!], [1, 0, 0, 0]);
  // Searched in the ids only (a trace_id: term): the message and attribute holders are not candidates.
  assert.deepEqual([...reader.mayContain(['deadbeef'], ['deadbeef'])!], [0, 1, 0, 0]);
  assert.deepEqual([...reader.mayContain(['cafe', 'open'], ['cafe'])!], [0, 0, 0, 0]);
  assert.deepEqual([...reader.mayContain(['plain', 'cafe'], ['cafe'])!], [0, 1, 0, 0]);
  assert.deepEqual([...reader.mayContain(['nothex'], ['nothex'])!], [0, 0, 0, 0]);
});

test('SectionBuffers frees an adopted block once the next reader takes the buffers, and leaves others alone', () => {
  const buffers = new SectionBuffers();
  // Messages that do not compress, so the block is large enough to be released (>= 64 KB).
  let x = 7;
  const noise = () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x.toString(36);
  };
  const rows = manyRows(3000, false).map((r) => ({
    ...r,
    message: `${r.message} ${noise()}${noise()}${noise()}`,
  }));
  const encoded = encodeBlock(rows).data;
  // As the store reads a block: a Buffer of its own (SQLite's copy), handed over before the reader.
  const owned = Buffer.from(encoded);
  assert.ok(owned.buffer.byteLength === owned.length && owned.length >= 64 * 1024, `${owned.length} bytes`);
  buffers.adopt(owned);
  const first = new BlockReader(owned, '', buffers);
  assert.deepEqual(first.allRows(), rows);
  // A reader on a block the caller keeps (no adopt): the adopted one is released, the kept one is not.
  const kept = new BlockReader(encoded, '', buffers);
  assert.equal(owned.buffer.byteLength, 0);
  assert.throws(() => first.row(0), /reused/);
  assert.deepEqual(kept.row(5), rows[5]);
  new BlockReader(encoded, '', buffers);
  assert.ok(encoded.byteLength > 0);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readAttrs } from './block-reader-attrs.js';

/** A format-4 attributes section built by hand from the layout in attr-columns.ts. */
function section(texts: string[]): string {
  const k: string[][] = [];
  const s: number[] = [];
  const v: string[] = [];
  const columns: string[][][] = [];
  for (const text of texts) {
    const o = text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
    if (!o || typeof o !== 'object' || Array.isArray(o) || JSON.stringify(o) !== text) {
      s.push(-1);
      v.push(text);
      continue;
    }
    const keys = Object.keys(o);
    let shape = k.findIndex((ks) => ks.join('\u0000') === keys.join('\u0000'));
    if (shape < 0) {
      shape = k.push(keys) - 1;
      columns.push(keys.map(() => []));
    }
    s.push(shape);
    keys.forEach((key, i) => {
      columns[shape][i].push(JSON.stringify(o[key]));
    });
  }
  let out = JSON.stringify({ k, s, v });
  for (const cols of columns) for (const col of cols) out += `\u0001${col.join('\u0000')}`;
  return out;
}

function texts(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const long = 'x'.repeat(i % 37);
    out.push(
      i % 17 === 0
        ? ''
        : i % 13 === 0
          ? `{"spaced": ${i}}`
          : i % 5 === 0
            ? JSON.stringify({ user: `u-${i}`, nested: { deep: `Value${i}` }, tags: ['x', i], s: '' })
            : JSON.stringify({
                user: `u-${i}`,
                path: `/api/orders/${i}${long}`,
                status: 200 + (i % 3),
                ms: i % 7,
              }),
    );
  }
  return out;
}

/** The section at byte offset 0 (read four bytes at a time) and at offset 1 (byte by byte). */
function placements(text: string): [string, Buffer][] {
  const bytes = Buffer.from(text, 'latin1');
  const aligned = Buffer.alloc(bytes.length + 8);
  bytes.copy(aligned);
  const odd = Buffer.alloc(bytes.length + 8);
  bytes.copy(odd, 1);
  return [
    ['aligned', aligned.subarray(0, bytes.length)],
    ['unaligned', odd.subarray(1, bytes.length + 1)],
  ];
}

const rows = texts(3000);
for (const [where, bytes] of placements(section(rows))) {
  test(`readAttrs() rebuilds each row read alone, and all rows in order (${where})`, () => {
    for (const i of [0, 1, 2, 3, 4, 5, 1499, 1500, 1501, 2997, 2998, 2999, 65, 130, 1300])
      assert.equal(readAttrs(bytes).text(i), rows[i], `row ${i} alone`);
    const one = readAttrs(bytes);
    for (const i of [2999, 0, 1700, 1699, 3, 2999])
      assert.equal(one.text(i), rows[i], `row ${i} after others`);
    const stepping = readAttrs(bytes);
    for (let i = 7; i < rows.length; i += 47) assert.equal(stepping.text(i), rows[i], `row ${i} going on`);
    const all = readAttrs(bytes);
    for (let i = 0; i < rows.length; i++) assert.equal(all.text(i), rows[i], `row ${i} in order`);
  });

  test(`readAttrs() marks exactly the rows whose text holds a token, in keys, values and verbatim rows (${where})`, () => {
    for (const token of [
      'u',
      '1234',
      'deep',
      'value35',
      'spaced',
      'api',
      'xxxxxxxxxxxxxxxxxxxx',
      '200',
      '7',
      'nothing',
    ]) {
      const hit = new Uint8Array(rows.length);
      assert.ok(readAttrs(bytes).markRows(token, hit));
      for (let i = 0; i < rows.length; i++)
        assert.equal(hit[i], rows[i].toLowerCase().includes(token) ? 1 : 0, `${token} row ${i}: ${rows[i]}`);
    }
  });
}

test('readAttrs() reads a section with no rows, and values next to word boundaries', () => {
  assert.equal(readAttrs(Buffer.from(section([]))).markRows('a', new Uint8Array(0)), true);
  const few = ['{"a":"b"}', '{"a":""}', '{"a":"A\\"q"}', '{"a":0}'];
  const bytes = Buffer.from(section(few), 'latin1');
  few.forEach((t, i) => {
    assert.equal(readAttrs(bytes).text(i), t);
  });
  const hit = new Uint8Array(4);
  readAttrs(bytes).markRows('q', hit);
  assert.deepEqual([...hit], [0, 0, 1, 0]);
});

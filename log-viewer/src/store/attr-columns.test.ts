import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tokenize } from '../model.js';
import { AttrColumns, encodeAttrSection } from './attr-columns.js';
import { addTokenHashes, TokenSet } from './bloom.js';
import { RowColumns } from './row-columns.js';
import { testRow } from './testing/rows.js';

/** Every row's text rebuilt from a section, concatenated. */
function decodeAttrColumns(section: string): string {
  const cols = new AttrColumns(section);
  const n = section === '' ? 0 : (JSON.parse(section.split('\u0001')[0]) as { s: number[] }).s.length;
  let out = '';
  for (let i = 0; i < n; i++) out += cols.text(i);
  return out;
}

/** The section of rows with these attribute texts, through open-row columns as an ingest worker keeps them. */
function encodeAttrColumns(texts: string[], tokens?: TokenSet): string {
  const cols = RowColumns.fromRows(texts.map((attrs, i) => testRow(i + 1, { attrs })));
  for (const [i, text] of texts.entries()) assert.equal(cols.attrsOf(i), text);
  const order = Uint32Array.from(texts.keys());
  return encodeAttrSection(cols, order, tokens).toString('utf8');
}

test('attribute columns rebuild every row text exactly, transposed or verbatim', () => {
  const rows = [
    JSON.stringify({ user: 'u-1', method: 'GET', status: 200, ms: 12 }),
    '',
    JSON.stringify({ user: 'u-2', method: 'POST', status: 500, ms: 3, exception: 'Error: x\n  at y' }),
    JSON.stringify({ user: { id: '42', tags: ['a', 'b'] }, n: null }),
    JSON.stringify({ user: 'u-3', method: 'GET', status: 200, ms: 7 }),
    JSON.stringify({ ünï: 'cödé ✓ "q" \u0000 \u0001', 10: 'int key', __proto__: 1 }),
    '{"spaced": 1}',
    '{}',
    JSON.stringify({ big: 1e21, small: 1e-7, f: 1.5 }),
  ];
  const section = encodeAttrColumns(rows);
  assert.equal(decodeAttrColumns(section), rows.join(''));
  const cols = new AttrColumns(section);
  rows.forEach((text, i) => {
    assert.equal(cols.text(i), text);
    for (const token of tokenize(text)) assert.ok(cols.mayHold(token), `${token} of row ${i}`);
  });
  assert.equal(cols.mayHold('zanzibar'), false);
  assert.ok(!section.includes('"method"', section.indexOf('\u0001')), 'keys are stored once per shape');
  assert.equal(decodeAttrColumns(encodeAttrColumns([])), '');
  assert.equal(decodeAttrColumns(encodeAttrColumns(['', ''])), '');
});

test('attribute columns keep odd but valid texts exactly', () => {
  const rows = [
    '{"a":1 ,"b":[1, {"c":"}]\\""}],"d":{}}',
    '{"esc\\"aped":"v","\\u00e9":2}',
    '{"k\\u0041":1}',
    '{ "lead":1}',
    '{"a":"x","a":"y"}',
    '{"s":"a,b}c"}',
  ];
  const section = encodeAttrColumns(rows);
  assert.equal(decodeAttrColumns(section), rows.join(''));
  const cols = new AttrColumns(section);
  for (const [i, text] of rows.entries()) assert.equal(cols.text(i), text);
});

test('encodeAttrSection() adds the tokens of every text, as hashing each whole text would', () => {
  const rows = [
    JSON.stringify({ user: 'u-1', method: 'GET', status: 200, ms: 12 }),
    JSON.stringify({ user: 'u-1', method: 'GET', status: 200, ms: 13 }),
    '',
    JSON.stringify({ ünï: 'cödé ✓ "q"\nline', nested: { deep: ['Alpha', 'beta_2'] } }),
    '{"esc\\"aped":"v","\\u00e9":2,"k\\u0041":"x\\u00e9y"}',
    '{"spaced": "verbatim row"}',
  ];
  const expected = new TokenSet();
  for (const text of rows) addTokenHashes(text, expected, true);
  const actual = new TokenSet();
  encodeAttrColumns(rows, actual);
  const all = (set: TokenSet) => {
    const out: number[] = [];
    set.forEach((h) => {
      out.push(h);
    });
    return out.sort();
  };
  assert.deepEqual(all(actual), all(expected));
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lowerAscii, readIds, readText } from './block-reader-text.js';

function column(texts: string[]): [Buffer, Uint32Array] {
  const offsets = new Uint32Array(texts.length + 1);
  for (let i = 0; i < texts.length; i++) offsets[i + 1] = offsets[i] + texts[i].length;
  return [Buffer.from(texts.join(''), 'latin1'), offsets];
}

test('readText() finds a token cut by a search chunk boundary, in any case, and rows around empty ones', () => {
  // Rows of 999 characters: the 32 KB chunk boundary (32 768) falls inside row 32 (from 31 968),
  // in the middle of its ZanziBar.
  const texts = Array.from({ length: 80 }, (_, i) => `${'.'.repeat(990)}row${String(i).padStart(3, '0')}...`);
  texts[32] = `${'.'.repeat(796)}ZanziBar${'.'.repeat(195)}`;
  texts[40] = '';
  texts[41] = 'zanzibar';
  texts[79] = `${'.'.repeat(992)}zanzibar`;
  const [bytes, offsets] = column(texts);
  assert.equal(bytes.indexOf('ZanziBar'), 32_768 - 4);
  const section = readText(bytes, offsets, 'utf8');
  const hit = new Uint8Array(texts.length);
  assert.ok(section.markRows('zanzibar', hit));
  assert.deepEqual(
    [...hit].flatMap((h, i) => (h ? [i] : [])),
    [32, 41, 79],
  );
  texts.forEach((t, i) => {
    assert.equal(section.text(i), t);
  });
  const none = new Uint8Array(texts.length);
  readText(bytes, offsets, 'latin1').markRows('größe', none);
  assert.equal(none.indexOf(1), -1);
});

test('readText() leaves non-ASCII UTF-8 sections to TextColumn', () => {
  const texts = ['Größe ✓ ok', 'plain'];
  const bytes = Buffer.from(texts.join(''), 'utf8');
  const offsets = Uint32Array.from([0, texts[0].length, texts[0].length + texts[1].length]);
  const section = readText(bytes, offsets, 'utf8');
  assert.equal(section.text(0), texts[0]);
  const hit = new Uint8Array(2);
  assert.ok(section.markRows('größe', hit));
  assert.deepEqual([...hit], [1, 0]);
});

test('readIds() marks the rows the regex search marks, for every token, without decoding strings', () => {
  // Ids as the codec stores them: a 32-hex trace id, a 16-hex span id, both, or none, lowercase.
  let x = 11;
  const hex = (n: number) => {
    let out = '';
    for (let i = 0; i < n; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      out += (x >>> 8).toString(16).slice(-1);
    }
    return out;
  };
  const texts = Array.from({ length: 3000 }, (_, i) =>
    i % 5 === 0 ? '' : i % 3 === 0 ? hex(16) : i % 7 === 0 ? hex(48) : hex(32),
  );
  texts[2999] = texts[17];
  const [bytes, offsets] = column(texts);
  const tokens = [
    texts[17], // a whole trace id, in two rows
    texts[18].slice(3, 20), // inside one
    texts[21], // a span id
    texts[40].slice(-6) + texts[41].slice(0, 6), // across two rows: a possible match for both searches
    '0',
    'ffff',
    'abc',
    'nothex', // in no id
    texts[17].toUpperCase(), // not what the store asks (tokens are lowercase), still answered
  ];
  for (const token of tokens) {
    const want = new Uint8Array(texts.length);
    assert.ok(readText(bytes, offsets, 'latin1').markRows(token, want));
    const got = new Uint8Array(texts.length);
    assert.ok(readIds(bytes, offsets).markRows(token, got));
    assert.deepEqual(got, want, token);
  }
  const ids = readIds(bytes, offsets);
  assert.equal(ids.text(17), texts[17]);
  assert.equal(ids.text(0), '');
});

test('lowerAscii() lowercases every ASCII byte as toLowerCase() does, at any start and length', () => {
  const all = Buffer.from(Array.from({ length: 128 * 3 + 5 }, (_, i) => (i * 37) % 128));
  for (const from of [0, 1, 2, 3, 7]) {
    for (const to of [from, from + 1, from + 3, from + 4, from + 130, all.length]) {
      const want = all.toString('latin1', from, to).toLowerCase();
      assert.equal(lowerAscii(all, from, to).toString('latin1'), want, `${from}..${to}`);
    }
  }
});

test('readText() marks the rows a case-insensitive search of the joined text marks', () => {
  let x = 5;
  const next = (n: number) => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return (x >>> 8) % n;
  };
  const words = ['Mailbox', 'UNAVAILABLE', 'mailbox', 'unAvailable', 'box', 'mail', 'x', '[A]', '@Z`'];
  const texts = Array.from({ length: 2000 }, () =>
    Array.from({ length: next(6) }, () => words[next(words.length)]).join(next(2) ? ' ' : ''),
  );
  const [bytes, offsets] = column(texts);
  const joined = texts.join('').toLowerCase();
  for (const token of ['mailbox', 'unavailable', 'boxmail', 'x', '[a]', '@z`', 'absent', 'ü']) {
    const want = new Uint8Array(texts.length);
    for (let at = joined.indexOf(token), row = 0; at >= 0; ) {
      while (offsets[row + 1] <= at) row++;
      want[row] = 1;
      at = joined.indexOf(token, Math.max(offsets[row + 1], at + 1));
    }
    const got = new Uint8Array(texts.length);
    assert.ok(readText(bytes, offsets, 'utf8').markRows(token, got));
    assert.deepEqual(got, want, token);
  }
});

test('readText() finds a token across its 4 MB search windows in a large section', () => {
  // Rows of 1,000 bytes: the window boundary (4,194,304) falls in row 4,194, in the middle of its token.
  const texts = Array.from({ length: 4300 }, (_, i) => `${'.'.repeat(990)}r${String(i).padStart(9, '0')}`);
  texts[4194] = `${'.'.repeat(300)}ZANZIBAR${'.'.repeat(692)}`;
  texts[4250] = `zanzibar${'.'.repeat(992)}`;
  texts[3] = `${'.'.repeat(992)}Zanzibar`;
  const [bytes, offsets] = column(texts);
  assert.equal(bytes.indexOf('ZANZIBAR'), 4 * 1024 * 1024 - 4);
  const hit = new Uint8Array(texts.length);
  assert.ok(readText(bytes, offsets, 'utf8').markRows('zanzibar', hit));
  assert.deepEqual(
    [...hit].flatMap((h, i) => (h ? [i] : [])),
    [3, 4194, 4250],
  );
});

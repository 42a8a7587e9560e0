import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closeDatabase } from '@flowrent/shared/db';
import { collect, openTestStore, rec } from '../../test/store-helpers.js';
import { tokenize } from '../model.js';
import { BLOCK_FORMAT_VERSION, encodeBlock, rowGroupRows } from './block-codec.js';
import { BlockReader } from './block-reader.js';
import { SectionBuffers } from './block-reader-buffers.js';
import { bloomMayContain, bloomMayMatch, bloomWhere, IN_ATTRS, IN_OTHER, tokenHash } from './bloom.js';
import type { Row } from './row.js';
import { version3BlockBloom, version4BlockBloom } from './testing/reference-blooms.js';
import { testRow as row } from './testing/rows.js';

// A block written by the format-4 encoder (attributes in per-key columns, one zstd frame, one bloom
// filter over all tokens), with the rows it holds.
const V4_BLOCK = {
  data: 'BGkAAAA5AAAAZQAAABUAAAAotS/9IH8FAwA0BQOinerDwmgAAQEHDhUCAgLIAQICAAAAAAECHAoKLCcAAwAAAwIJBElORk8Fd2ViLTEGbmRqc29uAAhjaGVja291dAQRBUVSUk9ScGF5bWVudHMyAwAwCyBwrIhOnQEotS/9IDCBAQBNYWlsYm94IHVuYXZhaWxhYmxlIGZvciB1c2VycGF5bWVudCBva3BsYWluIGxpbmUotS/9IHLlAgDyRRQbcGszBujo+Av0AtK2hFRC/f+1Rf+V5Vn6H0kIbzKsBkuFT5sgOG2lLMk4SwriOzAYV+vmNP3EF5+i49ABEmc+1dmyktMZm0D2exFGcSZ+uAkCAPqTwGTMJii1L/0gMGUAACBhYmNkAgBAxokOCw==',
  bloom: 'AQYAAgAAkApgMuCoGYwEQ4iIUaEIITAEChRCCIHWgCABAomBRBATIkQYARAQKyVwOwGghAJACgQLAALAABTQyiBwKCBEAg==',
  rows: [
    {
      seq: 1,
      ms: 1795635890001,
      subNs: 7,
      obsMs: 1795635890101,
      obsSubNs: 0,
      level: 2,
      levelText: 'INFO',
      severity: 9,
      service: 'checkout',
      host: 'web-1',
      message: 'Mailbox unavailable for user',
      attrs: '{"user":{"id":"42","plan":"gold"},"retry":3}',
      traceId: 'abababababababababababababababab',
      spanId: 'cdcdcdcdcdcdcdcd',
      labels: '',
      protocol: 'ndjson',
    },
    {
      seq: 2,
      ms: 1795635890002,
      subNs: 14,
      obsMs: 1795635890102,
      obsSubNs: 0,
      level: 4,
      levelText: 'ERROR',
      severity: 17,
      service: 'payments',
      host: 'web-1',
      message: 'payment ok',
      attrs: '{"user":{"id":"7"},"region":"Zanzibar"}',
      traceId: '',
      spanId: '',
      labels: '',
      protocol: 'ndjson',
    },
    {
      seq: 3,
      ms: 1795635890003,
      subNs: 21,
      obsMs: 1795635890103,
      obsSubNs: 0,
      level: 2,
      levelText: 'INFO',
      severity: 9,
      service: 'checkout',
      host: 'web-2',
      message: 'plain line',
      attrs: '',
      traceId: '',
      spanId: '',
      labels: '',
      protocol: 'ndjson',
    },
  ] as Row[],
};

test('format-4 blocks and their single bloom filter stay readable and searchable', () => {
  const data = Buffer.from(V4_BLOCK.data, 'base64');
  const bloom = Buffer.from(V4_BLOCK.bloom, 'base64');
  assert.equal(data[0], 4);
  assert.deepEqual(new BlockReader(data, '').allRows(), V4_BLOCK.rows);
  assert.deepEqual(new BlockReader(data, '').row(1), V4_BLOCK.rows[1]);
  for (const [tokens, want] of [
    [
      ['mailbox', 'unavailable'],
      [1, 0, 0],
    ],
    [['zanzibar'], [0, 1, 0]],
    [['gold'], [1, 0, 0]],
    [['web'], [1, 1, 1]],
  ] as const) {
    for (const t of tokens) assert.equal(bloomWhere(bloom, tokenHash(t)), IN_OTHER | IN_ATTRS, t);
    const reader = new BlockReader(data, '', new SectionBuffers(), bloom);
    assert.deepEqual([...reader.mayContain([...tokens])!], want, tokens.join(' '));
  }
});

// The same rows as written by the format-5 encoder (26 Nov 2026, before format 6: attributes in row
// groups, the rest of the block whole, a split filter of version 2), captured with encodeBlock().
const V5_BLOCK = {
  data: 'BQEABAAAaQAAADkAAAAVAAAAZQAAACi1L/0gfwUDADQFA6Kd6sPCaAABAQcOFQICAsgBAgIAAAAAAQIcCgosJwADAAADAgkESU5GTwV3ZWItMQZuZGpzb24ACGNoZWNrb3V0BBEFRVJST1JwYXltZW50czIDADALIHCsiE6dASi1L/0gMIEBAE1haWxib3ggdW5hdmFpbGFibGUgZm9yIHVzZXJwYXltZW50IG9rcGxhaW4gbGluZSi1L/0gMGUAACBhYmNkAgBAxokOCyi1L/0gcuUCAPJFFBtwazMG6Oj4C/QC0raEVEL9/7VF/5XlWfofSQhvMqwGS4VPmyA4baUsyThLCuI7MBhX6+Y0/cQXn6Lj0AESZz7V2bKS0xmbQPZ7EUZxJn64CQIA+pPAZMwm',
  bloom:
    'AkYAAAABBgACAAAACGAC4CARjARDAIgQIQgAMAAKEEIIAUSAIAACiIFEABICRBgBEBAjBRAbAaAAAkAABAMAAMAAFFDKIAAgIAQAAQYAAgAAkAIgMACICQAEAIgIQYAAIQAEAAQCAIGSAAABAAEABBABIAQAAAAACSBgIAEAhABACgAIAAJAAACAQABwCABAAg==',
};

test('format-5 blocks and their split filter stay readable and searchable', () => {
  const data = Buffer.from(V5_BLOCK.data, 'base64');
  const bloom = Buffer.from(V5_BLOCK.bloom, 'base64');
  assert.equal(data[0], 5);
  assert.equal(bloom[0], 2);
  assert.deepEqual(new BlockReader(data, '').allRows(), V4_BLOCK.rows);
  assert.deepEqual(new BlockReader(data, '', new SectionBuffers(), bloom).row(2), V4_BLOCK.rows[2]);
  for (const [tokens, want, where] of [
    [['mailbox', 'unavailable'], [1, 0, 0], IN_OTHER],
    [['zanzibar'], [0, 1, 0], IN_ATTRS],
    [['gold'], [1, 0, 0], IN_ATTRS],
    [['web'], [1, 1, 1], IN_OTHER],
  ] as const) {
    for (const t of tokens) assert.equal(bloomWhere(bloom, tokenHash(t)) & where, where, t);
    assert.ok(bloomMayMatch(bloom, tokens.map(tokenHash)));
    const reader = new BlockReader(data, '', new SectionBuffers(), bloom);
    const got = reader.mayContain([...tokens])!;
    assert.deepEqual([...got], want, tokens.join(' '));
    // Rows the search marked read like any other.
    assert.deepEqual(reader.row(got.indexOf(1)), V4_BLOCK.rows[got.indexOf(1)]);
  }
});

// The same rows as written by the format-6 encoder with its version-3 filter (26 Nov 2026, before
// version 4 split each filter by token class), captured with encodeBlock() at 4e63b29.
const V6_V3_BLOCK = {
  data: 'BgEABAAAAwAAAGkAAAA5AAAAFQAAAGUAAAAotS/9IH8FAwA0BQOinerDwmgAAQEHDhUCAgLIAQICAAAAAAECHAoKLCcAAwAAAwIJBElORk8Fd2ViLTEGbmRqc29uAAhjaGVja291dAQRBUVSUk9ScGF5bWVudHMyAwAwCyBwrIhOnQEotS/9IDCBAQBNYWlsYm94IHVuYXZhaWxhYmxlIGZvciB1c2VycGF5bWVudCBva3BsYWluIGxpbmUotS/9IDBlAAAgYWJjZAIAQMaJDgsotS/9IHLlAgDyRRQbcGszBujo+Av0AtK2hFRC/f+1Rf+V5Vn6H0kIbzKsBkuFT5sgOG2lLMk4SwriOzAYV+vmNP3EF5+i49ABEmc+1dmyktMZm0D2exFGcSZ+uAkCAPqTwGTMJg==',
  bloom:
    'AwFGAAAARgAAAAEGAAIAAJACIDAAiAkABACICEGAACEABAAEAgCBkgAAAQABAAQQASAEAAAAAAkgYCABAIQAQAoACAACQAAAgEAAcAgAQAIBBgACAAAACGAC4CARjARDAIgQIQgAMAAKEEIIAUSAIAACiIFEABICRBgBEBAjBRAbAaAAAkAABAMAAMAAFFDKIAAgIAQA',
};

test('format-6 blocks with a version-3 filter stay readable and searchable', () => {
  const data = Buffer.from(V6_V3_BLOCK.data, 'base64');
  const bloom = Buffer.from(V6_V3_BLOCK.bloom, 'base64');
  assert.equal(data[0], 6);
  assert.equal(bloom[0], 3);
  // The tests' rebuilt version-3 filter is byte for byte what the encoder wrote.
  assert.deepEqual(version3BlockBloom(V4_BLOCK.rows), bloom);
  assert.deepEqual(new BlockReader(data, '').allRows(), V4_BLOCK.rows);
  for (const [tokens, want, where] of [
    [['mailbox', 'unavailable'], [1, 0, 0], IN_OTHER],
    [['zanzibar'], [0, 1, 0], IN_ATTRS],
    [['gold'], [1, 0, 0], IN_ATTRS],
    [['web'], [1, 1, 1], IN_OTHER],
    [['ab'.repeat(16)], [1, 0, 0], IN_OTHER],
  ] as const) {
    for (const t of tokens) assert.equal(bloomWhere(bloom, tokenHash(t)) & where, where, t);
    assert.ok(bloomMayMatch(bloom, tokens.map(tokenHash)));
    const reader = new BlockReader(data, '', new SectionBuffers(), bloom);
    const got = reader.mayContain([...tokens])!;
    assert.deepEqual([...got], want, tokens.join(' '));
    assert.deepEqual(reader.row(got.indexOf(1)), V4_BLOCK.rows[got.indexOf(1)]);
  }
  assert.ok(!bloomMayMatch(bloom, [tokenHash('zanzibarquux')]));
});

/** Rows with needles planted in single fields (indexes below), over several row groups. */
function plantedRows(n: number): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < n; i++) {
    rows.push(
      row(i + 1, {
        message: `Request ${i} completed for order ORD-${i * 13} in ${i % 1000} ms`,
        attrs:
          i % 7 === 0
            ? ''
            : JSON.stringify({ user: `u-${i}`, method: i % 2 ? 'GET' : 'POST', status: 200 + (i % 3) }),
        traceId: i % 3 === 0 ? (i * 7919).toString(16).padStart(32, '0') : '',
        spanId: i % 4 === 0 ? (i * 31).toString(16).padStart(16, '0') : '',
        service: i % 3 ? 'checkout' : 'payments',
      }),
    );
  }
  const set = (i: number, over: Partial<Row>) => {
    rows[i] = { ...rows[i], ...over };
  };
  set(10, { message: 'Mailbox UNAVAILABLE at relay' }); // message only, upper case
  set(2600, { attrs: JSON.stringify({ user: { profile: { Country: 'Zanzibar', tags: ['Quetzal'] } } }) }); // nested
  set(3100, { attrs: JSON.stringify({ note: 'Wombat sighted' }) }); // attributes only
  set(3200, { message: 'wombat in the message' }); // the same token in a message of another row
  set(1500, { traceId: `${'0'.repeat(24)}feedface` }); // id only
  set(3000, { host: 'Edge-Node-7' }); // stream tuple only
  set(4000, { labels: '{"Cluster":"Kestrel"}' });
  set(4999, { message: 'mailbox full', attrs: JSON.stringify({ state: 'unavailable' }) }); // words in two fields
  return rows;
}

/** Rows holding every token as a whole token of one of their fields (what a query can match). */
function wholeTokenRows(rows: Row[], tokens: string[]): number[] {
  return rows.map((r) =>
    tokens.every((t) =>
      [r.message, r.attrs, r.traceId, r.spanId, r.host, r.labels, r.service].some((f) =>
        tokenize(f).includes(t),
      ),
    )
      ? 1
      : 0,
  );
}

/** Section buffers that record which slots (group * 4 + 0 meta, 1 messages, 2 ids, 3 attributes) were read. */
class CountingBuffers extends SectionBuffers {
  readonly slots = new Set<number>();
  override decompress(slot: number, frame: Uint8Array): Buffer {
    this.slots.add(slot);
    return super.decompress(slot, frame);
  }
}

test('format 6: row groups, a filter per group, and no matching row dropped by them', () => {
  const rows = plantedRows(5000);
  const block = encodeBlock(rows);
  assert.equal(block.data[0], BLOCK_FORMAT_VERSION);
  assert.equal(block.data[0], 6);
  assert.equal(rowGroupRows(5000), 1250);
  assert.equal(block.data[1], 4, 'row groups');
  assert.equal(block.bloom[0], 5, 'filters per group and token class, and of the ids');
  assert.equal(block.bloom[1], 4);
  assert.deepEqual(new BlockReader(block.data, '').allRows(), rows);
  for (const i of [0, 1249, 1250, 2600, 3749, 3750, 4999])
    assert.deepEqual(
      new BlockReader(block.data, '', new SectionBuffers(), block.bloom).row(i),
      rows[i],
      `row ${i}`,
    );

  const cases: [string[], number[], number][] = [
    [['mailbox', 'unavailable'], [10], IN_OTHER], // message only (the phrase's words); 4999 has them in two fields
    [['zanzibar'], [2600], IN_ATTRS], // nested attribute value, mixed case
    [['quetzal'], [2600], IN_ATTRS], // in an array of a nested object
    [['country'], [2600], IN_ATTRS], // a nested key
    [['wombat'], [3100, 3200], IN_OTHER | IN_ATTRS],
    [[`${'0'.repeat(24)}feedface`], [1500], IN_OTHER],
    [['edge', 'node'], [3000], IN_OTHER],
    [['kestrel'], [4000], IN_OTHER],
  ];
  for (const [tokens, planted, where] of cases) {
    for (const t of tokens) {
      assert.ok(bloomMayContain(block.bloom, tokenHash(t)), t);
      assert.equal(bloomWhere(block.bloom, tokenHash(t)) & where, where, t);
    }
    const want = wholeTokenRows(rows, tokens);
    for (const i of planted) assert.equal(want[i], 1, `${tokens} planted in row ${i}`);
    const got = new BlockReader(block.data, '', new SectionBuffers(), block.bloom).mayContain(tokens);
    assert.ok(got, tokens.join(' '));
    for (let i = 0; i < rows.length; i++)
      if (want[i]) assert.equal(got[i], 1, `${tokens.join(' ')}: row ${i} dropped`);
    // Upper-case text, lower-case tokens (what tokenize() gives the query): the same rows.
    assert.ok(tokens.every((t) => t === t.toLowerCase()));
  }
  // Words of a phrase in two fields of one row stay a candidate (the query's phrase match decides).
  const both = new BlockReader(block.data, '', new SectionBuffers(), block.bloom).mayContain([
    'mailbox',
    'unavailable',
  ]);
  assert.equal(both![4999], 1);
  // Without a filter (callers that have none) the reader searches every section: the same matches.
  const plain = new BlockReader(block.data, '').mayContain(['wombat'])!;
  assert.deepEqual([plain.indexOf(1), plain.lastIndexOf(1)], [3100, 3200]);
});

test('format 6: a message needle reads only the groups that may hold it, an attribute needle no messages', () => {
  const rows = plantedRows(5000);
  const block = encodeBlock(rows);
  const slot = (group: number, kind: number) => group * 4 + kind;
  const msg = new CountingBuffers();
  const r = new BlockReader(block.data, '', msg, block.bloom);
  const got = r.mayContain(['mailbox'])!;
  assert.deepEqual(
    [...got].flatMap((v, i) => (v ? [i] : [])),
    [10, 4999],
  );
  assert.deepEqual(r.row(4999), rows[4999]);
  // Rows 10 and 4999 are in groups 0 and 3: groups 1 and 2 are not even decoded, and no group's
  // attributes are (the token is in no attribute).
  assert.deepEqual(
    [...msg.slots].sort((a, b) => a - b),
    [slot(0, 0), slot(0, 1), slot(3, 0), slot(3, 1), slot(3, 3)],
    'meta and messages of groups 0 and 3, then the attributes of the row read (it has no ids)',
  );
  const attrs = new CountingBuffers();
  new BlockReader(block.data, '', attrs, block.bloom).mayContain(['zanzibar']);
  assert.ok(![0, 1, 2, 3].some((g) => attrs.slots.has(slot(g, 1))), 'no messages for an attribute token');
  assert.ok(attrs.slots.has(slot(Math.floor(2600 / 1250), 3)));
  // Tokens that only occur in different groups: no record can hold both, so the block is pruned.
  const hashes = (tokens: string[]) => tokens.map(tokenHash);
  assert.ok(bloomMayMatch(block.bloom, hashes(['edge', 'node'])));
  assert.ok(!bloomMayMatch(block.bloom, hashes(['edge', 'kestrel'])), 'group 2 host, group 3 label');
  assert.ok(bloomMayMatch(block.bloom, hashes(['kestrel', 'zanzibar'])), 'attribute tokens are per block');
  // A token asked of ids only: the attribute filter does not count.
  assert.ok(!bloomMayMatch(block.bloom, hashes(['zanzibar']), [true]), 'zanzibar is only in attributes');
  // Version 5: a token asked of ids only is asked of the ids' filters alone (not of the stream's).
  const id = `${'0'.repeat(24)}feedface`;
  assert.ok(bloomMayMatch(block.bloom, hashes([id, 'zanzibar']), [true, false]));
  assert.ok(!bloomMayMatch(block.bloom, hashes(['kestrel', 'zanzibar']), [true, false]), 'kestrel is no id');
  assert.ok(!bloomMayMatch(block.bloom, hashes([id, 'kestrel']), [true, false]), 'in different groups');
  const none = new CountingBuffers();
  const pruned = new BlockReader(block.data, '', none, block.bloom).mayContain(['edge', 'kestrel'])!;
  assert.equal(pruned.indexOf(1), -1);
  assert.equal(none.slots.size, 0, 'nothing decompressed');
});

test('the store finds tokens of single fields in format-6 blocks through its filters', async () => {
  const t = openTestStore();
  const records = Array.from({ length: 3000 }, (_, i) => rec(i));
  records[5] = rec(5, { message: 'Mailbox UNAVAILABLE now' });
  records[1800] = rec(1800, { attributes: { user: { profile: { Country: 'Zanzibar' } } } });
  records[2900] = rec(2900, { attributes: { note: 'wombat' }, message: 'plain' });
  records[2950] = rec(2950, { message: 'a Wombat' });
  await t.store.append(records);
  t.store.flush();
  const seqs = (tokens: string[]) =>
    collect(t.store, { requiredTokens: tokens }).map((r) => r.message + JSON.stringify(r.attributes));
  assert.deepEqual(seqs(['mailbox', 'unavailable']), [
    `Mailbox UNAVAILABLE now${JSON.stringify(records[5].attributes)}`,
  ]);
  assert.equal(seqs(['zanzibar']).length, 1);
  assert.match(seqs(['zanzibar'])[0], /Zanzibar/);
  assert.equal(seqs(['wombat']).length, 2);
  assert.equal(seqs(['nosuchtoken']).length, 0);
  await t.store.close();
  closeDatabase(t.db);
});

test('a store whose blocks mix version-3, 4 and 5 filters finds exactly the records holding every token', async () => {
  let t = openTestStore();
  const records = Array.from({ length: 6000 }, (_, i) => rec(i));
  const plant = (i: number, over: Parameters<typeof rec>[1]) => {
    records[i] = rec(i, over);
  };
  for (const i of [15, 1700, 2500, 4100, 5900]) plant(i, { message: `unexpected Zanzibarquux flag ${i}` });
  plant(900, { attributes: { user: { profile: { Country: 'Zanzibarquux' } } } });
  plant(3300, { attributes: { note: 'quetzal', code: 'BEEF42' }, message: 'plain' });
  plant(4800, { message: 'quetzal seen', traceId: 'cd'.repeat(16), spanId: '00ff00ff00ff00ff' });
  plant(5100, { host: 'edge-quetzal-3' });
  // Three batches sealed one by one: blocks of 2000 rows, each in 2 row groups.
  for (let b = 0; b < 3; b++) {
    await t.store.append(records.slice(b * 2000, (b + 1) * 2000));
    t.store.flush();
  }
  const holding = (tokens: string[]) =>
    records
      .filter((r) =>
        tokens.every((token) =>
          [r.message, JSON.stringify(r.attributes), r.traceId, r.spanId, r.host, r.service].some((f) =>
            tokenize(f).includes(token),
          ),
        ),
      )
      .map((r) => r.message)
      .sort();
  const queries = [
    ['zanzibarquux'],
    ['quetzal'],
    ['quetzal', 'seen'],
    ['beef42'],
    ['cd'.repeat(16)],
    ['00ff00ff00ff00ff'],
    ['edge', 'quetzal'],
    ['request', '4242'],
    ['nosuchword'],
    ['zanzibarquux', 'quetzal'],
  ];
  const found = (store: typeof t.store, tokens: string[]) =>
    collect(store, { requiredTokens: tokens })
      .map((r) => r.message)
      .sort();
  // Also as trace-id queries (id-only tokens): only the records holding them in an id.
  const idQueries = ['cd'.repeat(16), '00ff00ff00ff00ff', 'beef42', 'request'];
  const inIds = (token: string) =>
    records
      .filter((r) => [r.traceId, r.spanId].includes(token))
      .map((r) => r.message)
      .sort();
  const foundById = (store: typeof t.store, token: string) =>
    collect(store, { requiredTokens: [token], idTokens: [token] })
      .map((r) => r.message)
      .sort();
  const versions = () =>
    (
      t.db.prepare('SELECT substr(bloom, 1, 1) FROM block_blooms ORDER BY block_id').pluck().all() as Buffer[]
    ).map((v) => v[0]);
  const check = (name: string) => {
    for (const tokens of queries)
      assert.deepEqual(found(t.store, tokens), holding(tokens), `${name} ${tokens}`);
    for (const token of idQueries)
      assert.deepEqual(foundById(t.store, token), inIds(token), `${name} id ${token}`);
  };
  assert.deepEqual(versions(), [5, 5, 5]);
  check('v5');
  assert.equal(foundById(t.store, 'cd'.repeat(16)).length, 1);
  // Blocks 1 and 3 get the filters the encoder wrote before version 5 (version 4), then before
  // version 4 (version 3), rebuilt from their rows.
  const ids = (t.db.prepare('SELECT id FROM blocks ORDER BY min_ms').pluck().all() as number[]).filter(
    (_, i) => i !== 1,
  );
  assert.equal(ids.length, 2);
  for (const [version, rebuild] of [
    [4, version4BlockBloom],
    [3, version3BlockBloom],
  ] as const) {
    await t.store.close();
    for (const id of ids) {
      const data = t.db.prepare('SELECT data FROM block_data WHERE block_id = ?').pluck().get(id) as Buffer;
      const bloom = rebuild(new BlockReader(data, '').allRows());
      t.db.prepare('UPDATE block_blooms SET bloom = ? WHERE block_id = ?').run(bloom, id);
    }
    t = t.reopen();
    assert.deepEqual(versions(), [version, 5, version]);
    // Twice: with the filters preloaded, then as the first queries left them in the cache.
    check(`v${version}`);
    check(`v${version} again`);
  }
  assert.equal(found(t.store, ['zanzibarquux']).length, 6);
  await t.store.close();
  closeDatabase(t.db);
});

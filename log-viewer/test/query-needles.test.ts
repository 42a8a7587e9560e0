// Needle queries over format-6 blocks (row groups, a token filter per group) give exactly what a
// full scan gives: every query's records compared with the compiled predicate applied to every
// stored record, read without any token pruning.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { prepareSearch, runQuery } from '../src/query/run-query.js';
import type { StoredRecord } from '../src/model.js';
import { logRecord, T0 } from './api-helpers.js';
import { openTestStore, type TestStore } from './store-helpers.js';

const ROWS = 20_000;
const NOW = T0 + BigInt(ROWS + 3600) * 1_000_000_000n;
const WORDS = ['alpha', 'bravo', 'Charlie', 'delta', 'ECHO', 'foxtrot', 'golf', 'hotel'];

/** Deterministic records: words spread so that two words meet in some rows, groups and blocks only. */
function records(): ReturnType<typeof logRecord>[] {
  let seed = 7;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const out: ReturnType<typeof logRecord>[] = [];
  for (let i = 0; i < ROWS; i++) {
    const r = logRecord(i);
    const pick = () => WORDS[Math.floor(rand() * WORDS.length)];
    r.message = rand() < 0.01 ? `${pick()} ${pick()} at ${i}` : `request ${i % 97} done`;
    if (rand() < 0.005) r.attributes = { note: `${pick()} tango`, nested: { deep: pick() } };
    if (rand() < 0.002) r.host = `Host-${pick()}`;
    if (rand() < 0.002) r.labels = { zone: pick() };
    if (i % 3 === 0) r.traceId = (i * 2654435761).toString(16).padStart(32, '0').slice(-32);
    out.push(r);
  }
  // A phrase whose words sit in two fields of one row, and in two rows of one block.
  out[5000].message = 'mailbox full';
  out[5000].attributes = { state: 'unavailable' };
  out[12000].message = 'Mailbox UNAVAILABLE for user';
  out[15000].message = 'unavailable';
  out[15001].message = 'mailbox';
  return out;
}

describe('needle queries over format-6 blocks', () => {
  let t: TestStore;
  before(async () => {
    t = openTestStore({ blockRows: 4096 });
    await t.store.append(records());
    t.store.flush();
  });
  after(() => t.store.close());

  /** The compiled predicate over every stored record in range, no token pruning: newest first. */
  function fullScan(query: string): StoredRecord[] {
    const { compiled, filter } = prepareSearch({ query, from: '30h', nowNs: NOW });
    if (!filter) return [];
    const out: StoredRecord[] = [];
    t.store.scan({ ...filter, requiredTokens: undefined, order: 'desc' }, (r) => {
      if (compiled.matchesAll || compiled.predicate(r)) out.push(r);
      return true;
    });
    return out;
  }

  const queries = [
    ...WORDS.map((w) => w.toLowerCase()),
    'alpha bravo',
    'charlie echo',
    '"alpha bravo"',
    '"bravo alpha"',
    'tango',
    'nested.deep:foxtrot',
    'host:Host-alpha',
    'zone:bravo',
    '"mailbox unavailable"',
    'mailbox unavailable',
    'mailbox -unavailable',
    'alpha OR nosuchword',
    (3000 * 2654435761).toString(16).padStart(32, '0').slice(-32),
    `trace_id:${(3003 * 2654435761).toString(16).padStart(32, '0').slice(-32)}`,
    'nosuchword',
  ];
  for (const query of queries)
    it(`${query}: the same records as a full scan`, () => {
      const want = fullScan(query);
      if (query !== 'nosuchword') assert.ok(want.length > 0, 'the data holds matches');
      const got = runQuery(t.store, { query, from: '30h', limit: 10_000, nowNs: NOW });
      assert.deepEqual(
        got.records.map((r) => r.seq),
        want.map((r) => r.seq),
      );
      assert.deepEqual(got.records, want);
    });

  it('prunes blocks and reads the planted phrase', () => {
    const r = runQuery(t.store, { query: '"mailbox unavailable"', from: '30h', limit: 100, nowNs: NOW });
    assert.deepEqual(
      r.records.map((x) => x.message),
      ['Mailbox UNAVAILABLE for user'],
    );
    assert.ok(r.blocksPruned > 0, `scanned ${r.blocksScanned}, pruned ${r.blocksPruned}`);
  });
});

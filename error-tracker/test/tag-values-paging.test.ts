// GET /api/issues/:id/tags/:key stopped at 100 values with next_cursor null, ignored limit and
// cursor, and did not say how many values there were (black-box 10 #19). Over real HTTP on a
// temp-file database: pages by next_cursor to the last value, most events first then by value,
// limit up to 1,000, a bad cursor is a 400, and unique_values / total_count say what exists.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api } from './helpers/events.js';
import { send, startTracker, type TrackerTest } from './helpers/server.js';

let t: TrackerTest;
let issueId: number;

interface ValuesJson {
  data: { value: string; count: number }[];
  next_cursor: string | null;
  unique_values: number;
  total_count: number;
}

// 105 values: o-000..o-002 three events each, o-003..o-005 two, the rest one (114 events)
const VALUES = Array.from({ length: 105 }, (_, i) => `o-${String(i).padStart(3, '0')}`);
const timesOf = (i: number) => (i < 3 ? 3 : i < 6 ? 2 : 1);
const EXPECTED = VALUES.map((value, i) => [value, timesOf(i)]);

before(async () => {
  t = await startTracker();
  for (const [i, value] of VALUES.entries()) {
    for (let n = 0; n < timesOf(i); n++) {
      const res = await send(`${t.url}/api/1/store/?sentry_key=publickey`, {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ message: 'many orders', fingerprint: ['mtv'], tags: { order: value } }),
      });
      assert.equal(res.status, 200, res.body);
    }
  }
  t.drain();
  const issues = await api<{ data: { id: number }[] }>(t, 'GET', '/api/issues');
  assert.equal(issues.json.data.length, 1);
  issueId = issues.json.data[0].id;
});
after(async () => t.close());

const values = (query: string) => api<ValuesJson>(t, 'GET', `/api/issues/${issueId}/tags/order${query}`);

test('the first page is 100 values with a next_cursor and the number of values and events', async () => {
  const res = await values('');
  assert.equal(res.status, 200);
  assert.equal(res.json.data.length, 100);
  assert.ok(res.json.next_cursor);
  assert.equal(res.json.unique_values, 105);
  assert.equal(res.json.total_count, 114);
});

test('pages of 7 by next_cursor give every value once, most events first, then by value', async () => {
  const seen: [string, number][] = [];
  let cursor: string | null = null;
  do {
    const res: { status: number; json: ValuesJson } = await values(
      `?limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.ok(res.json.data.length <= 7);
    seen.push(...res.json.data.map((v): [string, number] => [v.value, v.count]));
    cursor = res.json.next_cursor;
  } while (cursor);
  assert.deepEqual(seen, EXPECTED);
});

test('limit up to 1,000 returns all 105; a larger one is capped, not ignored', async () => {
  for (const limit of [105, 1000, 5000]) {
    const res = await values(`?limit=${limit}`);
    assert.equal(res.json.data.length, 105);
    assert.equal(res.json.next_cursor, null);
  }
  assert.equal((await values('?limit=104')).json.next_cursor !== null, true);
});

test('a cursor this list did not give out is a 400, a limit of 0 a 422', async () => {
  assert.equal((await values('?cursor=abc')).status, 400);
  const numbersOnly = Buffer.from('[3,5]').toString('base64url');
  assert.equal((await values(`?cursor=${numbersOnly}`)).status, 400);
  assert.equal((await values('?limit=0')).status, 422);
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RecordJson } from '../src/http/query-record-json.js';
import { type Api, logRecord, NOW_MS, startApi, T0 } from './api-helpers.js';

type RecordBody = RecordJson;
interface SearchBody {
  data: RecordBody[];
  next_cursor: string | null;
}
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const N = 200;

describe('read API over real HTTP', () => {
  let api: Api;
  before(async () => {
    api = await startApi();
    const records = Array.from({ length: N }, (_, i) => logRecord(i));
    records[50] = logRecord(50, {
      message: 'Connection refused by upstream db',
      traceId: TRACE,
      level: 'error',
    });
    records[51] = logRecord(51, { message: 'retrying', traceId: TRACE, attributes: { user: { id: 'ann' } } });
    await api.store.append(records);
  });
  after(() => api.close());

  it('GET /api/logs refuses a request without the admin key', async () => {
    const res = await fetch(`${api.url}/api/logs`);
    assert.equal(res.status, 401);
  });

  it('GET /api/logs returns the newest records first in the contract shape', async () => {
    const { status, body } = await api.json<SearchBody>('/api/logs?limit=3&from=1h');
    assert.equal(status, 200);
    assert.deepEqual(
      body.data.map((r) => r.time_ns),
      [199, 198, 197].map((i) => String(T0 + BigInt(i) * 1_000_000_000n)),
    );
    const r = body.data[0];
    assert.equal(r.timestamp, '2026-11-25T22:28:09.000000000Z');
    assert.equal(r.service, 'payments');
    assert.deepEqual(r.labels, { env: 'prod' });
    assert.equal(r.protocol, 'ndjson');
    assert.ok(typeof body.next_cursor === 'string');
  });

  it('GET /api/logs?query=trace_id:<id> finds the lines of one trace', async () => {
    const { body } = await api.json<SearchBody>(`/api/logs?query=trace_id:${TRACE}&from=1h`);
    assert.deepEqual(
      body.data.map((r) => r.message),
      ['retrying', 'Connection refused by upstream db'],
    );
    assert.equal(body.next_cursor, null);
  });

  for (const [query, expected] of [
    ['"connection refused"', 1],
    ['CONNECTION', 1],
    ['connect', 0],
    ['service:checkout', 100],
    ['service:checkout level>=warn', 41],
    ['level>=error', 41],
    ['user.id:3', 20],
    ['user.id:ann', 1],
    ['http.status_code:>=500', 40],
    ['-service:checkout', 100],
    ['service:checkout OR service:payments', 200],
    ['(retrying OR refused) -db', 1],
    ['cart/42', 1],
    ['message:~^GET /api/cart/1[0-9]$ ', 0],
    ['message:~"^GET /api/cart/1[0-9] "', 10],
    ['exception:*', 0],
  ] as const) {
    it(`GET /api/logs?query=${query} matches ${expected}`, async () => {
      const { status, body } = await api.json<SearchBody>(
        `/api/logs?from=1h&limit=1000&query=${encodeURIComponent(query)}`,
      );
      assert.equal(status, 200);
      assert.equal(body.data.length, expected);
    });
  }

  it('a query syntax error is a 400 naming the position', async () => {
    const { status, body } = await api.json<{
      error: { code: string; message: string; details: { position: number } };
    }>(`/api/logs?query=${encodeURIComponent('service:checkout (a OR')}`);
    assert.equal(status, 400);
    assert.equal(body.error.code, 'parse_error');
    assert.equal(body.error.details.position, 22);
  });

  it('a bad time parameter is a 400 naming it', async () => {
    const { status, body } = await api.json<{ error: { message: string } }>('/api/logs?from=yesterday');
    assert.equal(status, 400);
    assert.match(body.error.message, /^from:/);
  });

  it('from/to accept relative durations, RFC 3339 and epoch ms', async () => {
    const t = (i: number) => new Date(Number((T0 + BigInt(i) * 1_000_000_000n) / 1_000_000n));
    const rfc = await api.json<SearchBody>(
      `/api/logs?limit=1000&from=${t(10).toISOString()}&to=${t(20).toISOString()}`,
    );
    assert.equal(rfc.body.data.length, 10);
    const ms = await api.json<SearchBody>(
      `/api/logs?limit=1000&from=${t(10).getTime()}&to=${t(20).getTime()}`,
    );
    assert.equal(ms.body.data.length, 10);
    // NOW is T0 + 600 s: the last 500 s hold records 100..199
    const rel = await api.json<SearchBody>('/api/logs?limit=1000&from=500s');
    assert.equal(rel.body.data.length, 100);
    assert.equal(NOW_MS - Number(T0 / 1_000_000n), 600_000);
  });

  it('cursor paging walks every match exactly once, newest first', async () => {
    const seen: string[] = [];
    let cursor: string | null = '';
    let pages = 0;
    while (cursor !== null) {
      const { body }: { body: SearchBody } = await api.json<SearchBody>(
        `/api/logs?from=1h&limit=7&query=service:checkout&cursor=${encodeURIComponent(cursor)}`,
      );
      seen.push(...body.data.map((r) => r.time_ns));
      cursor = body.next_cursor;
      assert.ok(++pages < 30, 'paging does not end');
    }
    assert.equal(seen.length, 100);
    assert.equal(new Set(seen).size, 100);
    assert.deepEqual(
      seen,
      [...seen].sort((a, b) => (BigInt(b) > BigInt(a) ? 1 : -1)),
    );
  });
});

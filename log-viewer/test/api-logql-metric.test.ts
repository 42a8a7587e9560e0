// LogQL metric queries pasted from Grafana are the documented 400 over real HTTP (black-box 27,
// ninth session: they were read as free text, a 200 with no lines).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Api, NOW_MS, postAccepted, startApi } from './api-helpers.js';

let api: Api;
before(async () => {
  api = await startApi();
  const at = new Date(NOW_MS - 60_000).toISOString();
  const lines = ['x one', 'x two', 'three'].map((msg) => JSON.stringify({ timestamp: at, app: 'shop', msg }));
  await postAccepted(api, '/api/logs', 'application/x-ndjson', lines.join('\n'));
});
after(() => api.close());

async function get(query: string) {
  return api.json<{
    data?: unknown[];
    error?: { code: string; message: string; details: { position: number } };
  }>(`/api/logs?from=1h&query=${encodeURIComponent(query)}`);
}

test('rate(), count_over_time() and aggregations around them are a 400 naming the function', async () => {
  assert.equal((await get('{app="shop"}')).body.data?.length, 3);
  for (const [query, fn] of [
    ['rate({app="shop"}[5m])', 'rate'],
    ['count_over_time({app="shop"}[5m])', 'count_over_time'],
    ['sum(rate({app="shop"}[1m]))', 'sum'],
    ['sum by (level) (count_over_time({app="shop"} |= "x" [5m]))', 'sum'],
  ]) {
    const res = await get(query);
    assert.equal(res.status, 400, `${query}: ${JSON.stringify(res.body)}`);
    assert.match(res.body.error?.message ?? '', new RegExp(`metric queries such as '${fn}\\(`), query);
    assert.equal(res.body.error?.details.position, 0);
  }
});

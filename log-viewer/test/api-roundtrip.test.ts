// Ingest through the real POST /api/logs, then read back through the read API (the contract the
// error tracker and the Python client rely on).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Api, NOW_MS, startApi } from './api-helpers.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';

describe('POST /api/logs then GET /api/logs', () => {
  let api: Api;
  before(async () => {
    api = await startApi();
  });
  after(() => api.close());

  it('a line sent as NDJSON is found by trace_id, by a nested attribute and by text', async () => {
    const t = new Date(NOW_MS - 60_000).toISOString().replace('Z', '123456Z'); // ns precision
    const lines = [
      {
        timestamp: t,
        level: 'ERROR',
        service: 'checkout',
        message: 'Payment gateway timed out',
        trace_id: TRACE,
        user: { id: 42 },
        logger: 'pay',
      },
      {
        '@t': new Date(NOW_MS - 30_000).toISOString(),
        '@m': 'clef line',
        '@l': 'Warning',
        service: 'search',
      },
    ];
    const res = await fetch(`${api.url}/api/logs`, {
      method: 'POST',
      headers: { ...api.headers, 'content-type': 'application/x-ndjson' },
      body: lines.map((l) => JSON.stringify(l)).join('\n'),
    });
    assert.ok(res.status >= 200 && res.status < 300, `ingest answered ${res.status}`);

    const byTrace = await api.json<{ data: Record<string, unknown>[] }>(
      `/api/logs?query=trace_id:${TRACE}&from=1h`,
    );
    assert.equal(byTrace.body.data.length, 1);
    const r = byTrace.body.data[0];
    assert.equal(r.timestamp, t); // all nine fractional digits kept
    assert.equal(r.level, 'error');
    assert.equal(r.service, 'checkout');
    assert.equal(r.trace_id, TRACE);
    assert.equal(r.protocol, 'ndjson');
    assert.equal(typeof r.time_ns, 'string');
    assert.deepEqual((r.attributes as { user: unknown }).user, { id: 42 });

    for (const query of [
      'user.id:42',
      '"gateway timed out"',
      'logger:=pay level>=error',
      'level:warn clef',
    ]) {
      const { body } = await api.json<{ data: unknown[] }>(
        `/api/logs?from=1h&query=${encodeURIComponent(query)}`,
      );
      assert.equal(body.data.length, 1, query);
    }
  });
});

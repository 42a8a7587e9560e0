import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Api, logRecord, startApi, T0 } from './api-helpers.js';

interface HistogramBody {
  data: {
    start_ns: string;
    step_ns: string;
    counts: Record<string, number[]>;
    totals: number[];
    total: number;
  };
  source: string;
  truncated: boolean;
}
interface Rec {
  seq: number;
  time_ns: string;
  message: string;
  service: string;
}

describe('histogram, context, fields, export over real HTTP', () => {
  let api: Api;
  before(async () => {
    api = await startApi();
    // 180 records over 3 minutes (one per second), alternating services; record 90 is a needle.
    const records = Array.from({ length: 180 }, (_, i) => logRecord(i));
    records[90] = logRecord(90, { message: 'needle: payment declined, card=4242', level: 'error' });
    records[91] = logRecord(91, { host: 'web-2' }); // another stream of payments
    await api.store.append(records);
  });
  after(() => api.close());

  it('GET /api/logs/histogram counts per minute and level from block summaries', async () => {
    const { status, body } = await api.json<HistogramBody>('/api/logs/histogram?from=1h&step=1m');
    assert.equal(status, 200);
    assert.equal(body.source, 'summary');
    assert.equal(body.data.total, 180);
    assert.equal(body.data.step_ns, String(60_000_000_000n));
    assert.equal(
      body.data.counts.error.reduce((a, b) => a + b, 0),
      37,
    );
  });

  it('GET /api/logs/histogram with a level filter keeps only those levels', async () => {
    const { body } = await api.json<HistogramBody>(
      '/api/logs/histogram?from=1h&step=1m&query=level>=warn%20service:checkout',
    );
    assert.equal(body.source, 'summary');
    assert.equal(
      body.data.counts.info.reduce((a, b) => a + b, 0),
      0,
    );
    assert.equal(body.data.total, 37);
  });

  it('GET /api/logs/histogram with text scans and counts only matches', async () => {
    const { body } = await api.json<HistogramBody>('/api/logs/histogram?from=1h&query=needle');
    assert.equal(body.source, 'scan');
    assert.equal(body.data.total, 1);
    assert.equal(
      body.data.counts.error.reduce((a, b) => a + b, 0),
      1,
    );
    const start = BigInt(body.data.start_ns);
    const step = BigInt(body.data.step_ns);
    const bucket = body.data.counts.error.indexOf(1);
    const needleNs = T0 + 90n * 1_000_000_000n;
    assert.ok(start + BigInt(bucket) * step <= needleNs && needleNs < start + BigInt(bucket + 1) * step);
  });

  it('GET /api/logs/context returns the lines around a record from the same stream', async () => {
    const hit = await api.json<{ data: Rec[] }>('/api/logs?from=1h&query=needle');
    const anchor = hit.body.data[0];
    const { status, body } = await api.json<{ data: { before: Rec[]; anchor: Rec; after: Rec[] } }>(
      `/api/logs/context?time_ns=${anchor.time_ns}&seq=${anchor.seq}&before=3&after=2`,
    );
    assert.equal(status, 200);
    assert.equal(body.data.anchor.message, anchor.message);
    const idx = (r: Rec) => Number((BigInt(r.time_ns) - T0) / 1_000_000_000n);
    assert.deepEqual(body.data.before.map(idx), [84, 86, 88]); // checkout only, oldest first
    assert.deepEqual(body.data.after.map(idx), [92, 94]);
  });

  it('GET /api/logs/context keeps to one stream: another host is another stream', async () => {
    const { body: found } = await api.json<{ data: Rec[] }>(
      `/api/logs?from=1h&query=${encodeURIComponent('"cart/89 "')}`,
    );
    const r = found.data[0];
    const { body } = await api.json<{ data: { before: Rec[]; after: Rec[] } }>(
      `/api/logs/context?time_ns=${r.time_ns}&seq=${r.seq}&before=0&after=2`,
    );
    const idx = (x: Rec) => Number((BigInt(x.time_ns) - T0) / 1_000_000_000n);
    assert.deepEqual(body.data.after.map(idx), [93, 95]); // 91 is on web-2
    const service = await api.json<{ data: { after: Rec[] } }>(
      `/api/logs/context?time_ns=${r.time_ns}&seq=${r.seq}&before=0&after=2&scope=service`,
    );
    assert.deepEqual(service.body.data.after.map(idx), [91, 93]);
  });

  it('GET /api/logs/context answers 404 for an unknown record', async () => {
    const { status } = await api.json(`/api/logs/context?time_ns=${T0}&seq=999999`);
    assert.equal(status, 404);
  });

  it('GET /api/fields lists fields with top values of the current result', async () => {
    const { status, body } = await api.json<{
      data: { name: string; top_values: { value: string; count: number }[] }[];
    }>('/api/fields?from=1h&query=service:payments');
    assert.equal(status, 200);
    const service = body.data.find((f) => f.name === 'service');
    assert.deepEqual(service?.top_values, [{ value: 'payments', count: 90 }]);
    assert.ok(body.data.some((f) => f.name === 'user.id'));
    assert.ok(body.data.some((f) => f.name === 'labels.env'));
  });

  it('GET /api/fields without a query asks the store', async () => {
    const { status, body } = await api.json<{ data: { name: string }[] }>('/api/fields?from=1h');
    assert.equal(status, 200);
    assert.ok(body.data.some((f) => f.name === 'service'));
  });

  it('GET /api/logs/export streams NDJSON', async () => {
    const res = await api.get('/api/logs/export?from=1h&query=service:checkout&format=ndjson');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/x-ndjson/);
    assert.match(res.headers.get('content-disposition') ?? '', /attachment; filename="logs-.*\.ndjson"/);
    const lines = (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Rec);
    assert.equal(lines.length, 90);
    assert.ok(lines.every((l) => l.service === 'checkout'));
  });

  it('GET /api/logs/export streams CSV with quoting', async () => {
    const res = await api.get('/api/logs/export?from=1h&query=needle&format=csv');
    const text = await res.text();
    const [header, row] = text.trim().split('\r\n');
    assert.equal(header, 'timestamp,level,service,host,message,trace_id,span_id,attributes,labels');
    assert.match(row, /,"needle: payment declined, card=4242",/);
    assert.match(row, /"\{""user"":\{""id"":0\}/);
  });

  it('GET /api/logs/export rejects an unknown format', async () => {
    const { status } = await api.json('/api/logs/export?format=xml');
    assert.equal(status, 422);
  });
});
